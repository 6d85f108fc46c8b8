import datetime
import os

import pytest

from tests.factories import StopFactory, WeeklySlotFactory


@pytest.fixture
def tuesday_bus(db):
    """A bus at the Nathalie Sarraute esplanade, Tuesdays 9h30 – 13h and 14h – 17h, closed in zone C holidays."""
    stop = StopFactory(
        slug="nathalie-sarraute",
        name="Bus Mairie mobile – Esplanade Nathalie Sarraute",
        address="26, esplanade Nathalie Sarraute",
        landmark="Devant la bibliothèque Vaclav Havel",
        latitude="48.889300",
        longitude="2.359400",
        school_holidays_zone="C",
    )
    WeeklySlotFactory(stop=stop, weekday=1, start=datetime.time(9, 30), end=datetime.time(13))
    WeeklySlotFactory(stop=stop, weekday=1, start=datetime.time(14), end=datetime.time(17))
    return stop


def make_stops(count, **slot_kwargs):
    """`count` stops with two weekly slots each, as on a national-scale territory."""
    stops = StopFactory.create_batch(count)
    for stop in stops:
        WeeklySlotFactory(stop=stop, weekday=1, **slot_kwargs)
        WeeklySlotFactory(stop=stop, weekday=4, **slot_kwargs)
    return stops


# Tests that need real transactions (a live server, concurrent connections, a Celery
# worker). The partners and school holidays seeded by migrations are restored for them.
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def pytest_sessionstart(session):
    """In CI the suite runs against the real services: a missing one fails the run, never skips."""
    if not os.environ.get("CI"):
        return
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        pytest.exit(f"CI must run on PostgreSQL (DATABASE_URL), not {engine}", returncode=1)
    if not settings.REDIS_URL:
        pytest.exit("CI must run with REDIS_URL set", returncode=1)
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        pytest.exit(f"Redis does not answer at {settings.REDIS_URL}: {error}", returncode=1)
