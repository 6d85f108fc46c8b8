"""The production settings, plus one minimal view for the load benchmark's floor."""

import os

from mairie_mobile.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# Variant B of bench/caching.py under load: Django's gzip and conditional GET on every answer.
if os.environ.get("BENCH_CACHE_VARIANT") == "B":
    MIDDLEWARE = [
        "django.middleware.gzip.GZipMiddleware",
        "django.middleware.http.ConditionalGetMiddleware",
        *MIDDLEWARE,  # noqa: F405
    ]
