import datetime
import os
import uuid
from importlib import import_module

import pytest
import redis
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from mairie_mobile import sms
from mairie_mobile.cache import Tracked
from mairie_mobile.faults import Outage
from partners.models import Partner
from stops.models import SchoolHoliday
from stops.school_holidays import sync_school_holidays
from tests.factories import StopFactory, UserFactory, WeeklySlotFactory, agent_user, coordinator_user


def text_of(response):
    """The page's text with its whitespace collapsed, to look for sentences in it."""
    return " ".join(response.content.decode().split())


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hashing passwords the slow, safe way is for production, not for every test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def own_cache(settings):
    """Each test its own cache keys: rate limits and cached pages do not leak from one test to the next
    (with Redis, the cache outlives the test; clearing it would also empty the Celery queues). The
    connection that tracks the versions of the test's keys is closed after it."""
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"} for name, config in settings.CACHES.items()
    }
    yield
    Tracked.close_all()


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """SMS kept in memory, as mails in django.core.mail.outbox: `sms_outbox` lists what was sent."""
    settings.SMS_URL = "locmem://"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def redis_reachable():
    """What a test's process learnt of a Redis outage does not carry over to the next test."""
    yield
    Outage.forget_all()


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


@pytest.fixture
def agent(db):
    return agent_user("camille", first_name="Camille", last_name="Martin")


@pytest.fixture
def other_agent(db):
    return agent_user("yanis", first_name="Yanis", last_name="Benali")


@pytest.fixture
def coordinator(db):
    return coordinator_user("nadia", first_name="Nadia", last_name="Durand")


@pytest.fixture
def logged_in(client, agent):
    """The test client, logged in as an agent."""
    client.force_login(agent)
    return client


@pytest.fixture
def coordination(client, coordinator):
    """The test client, logged in as a coordinator."""
    client.force_login(coordinator)
    return client


@pytest.fixture
def resident(db):
    """Someone with an account but no role: a resident must not reach staff pages."""
    return UserFactory(username="resident")


# What the schedule engine reads, whatever the number of stops (stops.schedule.openings):
ENGINE_QUERIES = (
    1  # the stops (unless given)
    + 3  # their closures, weekly slots and extra openings
    + 1  # the school holidays of the zones they follow (none followed: no query)
)
SESSION_QUERIES = 2  # a staff page: the session, and the user with their roles


def make_stops(count, **slot_kwargs):
    """`count` stops with two weekly slots each, as on a national-scale territory."""
    stops = StopFactory.create_batch(count)
    for stop in stops:
        WeeklySlotFactory(stop=stop, weekday=1, **slot_kwargs)
        WeeklySlotFactory(stop=stop, weekday=4, **slot_kwargs)
    return stops


@pytest.fixture
def reference_data(transactional_db):
    """What migrations seed (partners, as on a new installation; school holidays), which a transactional
    test's flush empties."""
    if not Partner.objects.exists():
        import_module("partners.migrations.0002_seed_partners").seed(django_apps, None)
        import_module("stops.migrations.0014_partners_of_paris").to_paris(django_apps, None)
    if not SchoolHoliday.objects.exists():
        sync_school_holidays()


@pytest.fixture
def executor(transactional_db):
    """Migrations run back and forth in a test; the latest schema is put back after it."""
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    yield executor
    MigrationExecutor(connection).migrate(latest)  # the schema the other tests expect


# For tests that need real transactions: a live server, concurrent connections, a Celery worker.
transactional = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


def pytest_addoption(parser):
    parser.addoption(
        "--redis-unreachable",
        action="store_true",
        help="REDIS_URL leads nowhere on purpose: the pages and forms must work all the same",
    )


def pytest_sessionstart(session):
    """In CI the suite runs against the real services: a missing one fails the run, never skips."""
    if session.config.getoption("--redis-unreachable"):
        if not settings.REDIS_URL or _redis_answers(settings.REDIS_URL):
            pytest.exit("--redis-unreachable needs a REDIS_URL where nothing answers", returncode=1)
        return
    if not os.environ.get("CI"):
        return
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        pytest.exit(f"CI must run on PostgreSQL (DATABASE_URL), not {engine}", returncode=1)
    if not settings.REDIS_URL:
        pytest.exit("CI must run with REDIS_URL set", returncode=1)
    if not _redis_answers(settings.REDIS_URL):
        pytest.exit(f"Redis does not answer at {settings.REDIS_URL}", returncode=1)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, request):
    """With Redis unreachable, the pages and forms run beside the whole suite (`make test`): on a
    test database of their own."""
    if not request.config.getoption("--redis-unreachable"):
        return
    for database in settings.DATABASES.values():
        if database["ENGINE"] != "django.db.backends.sqlite3":  # SQLite's test database is in memory
            # After a parallel run's suffix, if one was given (tox, xdist), not instead of it.
            test = database.setdefault("TEST", {})
            test["NAME"] = f"{test.get('NAME') or 'test_' + database['NAME']}_redis_unreachable"


def _redis_answers(url):
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def eager_celery():
    """Tasks run where they are queued, as in `make run` without Redis."""
    from mairie_mobile.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved
