"""The environment of the processes a benchmark starts (gunicorn, a Celery worker)."""

import os
from urllib.parse import urlsplit, urlunsplit


def production_env(**overrides):
    """Production settings (DEBUG=0) on the benchmarks' own database and on Redis."""
    from django.conf import settings
    from django.db import connection

    database = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{connection.settings_dict['NAME']}")
    return (
        os.environ
        | {
            "DEBUG": "0",
            "SECRET_KEY": "bench-" + "x" * 50,
            "DATABASE_URL": urlunsplit(database),
            "REDIS_URL": settings.REDIS_URL,
        }
        | overrides
    )
