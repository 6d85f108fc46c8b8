"""What operations rely on: /healthz, one JSON log line per request and per task, and backups that restore."""

import json
import logging
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from mairie_mobile import observability
from mairie_mobile.tasks import heartbeat
from partners.models import Partner, Reason
from tests.factories import StopFactory
from tests.workers import queued_on_redis, use_broker, wait_for, worker
from visits import intake
from visits.models import Demand, Visit

BASE_DIR = Path(__file__).resolve().parent.parent
needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")
# The worker closes the database connections it finds, as after each task: the test commits for real.
worker_test = pytest.mark.django_db(transaction=True)
needs_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)")


# /healthz ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_without_redis_says_tasks_run_in_the_web_process(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "not configured: tasks run in the web process"},
    }
    assert "no-cache" in response["Cache-Control"]


@needs_redis
@pytest.mark.django_db
def test_healthz_is_503_without_a_worker_nor_beat(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["cache"] == "ok"
    assert checks["broker"] == "ok"
    assert checks["celery_worker"] == {"ok": False, "seconds_since_heartbeat": None}
    assert checks["celery_beat"] == {"ok": False, "seconds_since_heartbeat": None}


@needs_redis
@worker_test
def test_healthz_is_200_once_beat_sends_a_heartbeat_and_a_worker_runs_it(client, settings):
    with queued_on_redis(settings.CELERY_BROKER_URL), worker():
        heartbeat.apply_async()  # as beat does every minute, through Redis
        wait_for(lambda: client.get("/healthz").status_code == 200, timeout=5)
    checks = client.get("/healthz").json()["checks"]
    assert checks["celery_worker"]["ok"]
    assert checks["celery_beat"]["ok"]
    assert checks["celery_worker"]["seconds_since_heartbeat"] < 60


@needs_redis
@pytest.mark.django_db
def test_healthz_names_the_part_of_redis_that_is_down(client, settings):
    use_broker("redis://127.0.0.1:1/0")  # nothing listens there; the cache's Redis answers
    try:
        response = client.get("/healthz")
    finally:
        use_broker(settings.CELERY_BROKER_URL)
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert (checks["cache"], checks["broker"]) == ("ok", "error: ConnectionError")


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch, settings):
    settings.REDIS_URL = ""

    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error: OperationalError"


# Logs --------------------------------------------------------------------------------------


def json_lines(caplog, logger):
    formatter = observability.JsonFormatter()
    return [json.loads(formatter.format(record)) for record in caplog.records if record.name == logger]


@pytest.mark.django_db
def test_one_json_line_per_request_with_its_id(client, caplog, tuesday_bus):
    caplog.set_level(logging.INFO, logger="mairie_mobile.requests")
    response = client.get("/arrets/nathalie-sarraute/")
    [line] = json_lines(caplog, "mairie_mobile.requests")
    assert line["request_id"] == response["X-Request-ID"]
    assert len(response["X-Request-ID"]) == 32
    assert line["method"] == "GET"
    assert line["route"] == "/arrets/<slug:slug>/"  # the route, not the path: no token of a link in the logs
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    assert line["user_id"] is None
    assert line["level"] == "INFO"


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "route"), [("/", "/"), ("/nulle-part/", "(unresolved)")])
def test_the_home_page_has_a_route_of_its_own(client, caplog, path, route):
    caplog.set_level(logging.INFO, logger="mairie_mobile.requests")
    client.get(path)
    [line] = json_lines(caplog, "mairie_mobile.requests")
    assert line["route"] == route


@pytest.mark.django_db
def test_the_request_id_of_the_proxy_is_kept_when_it_is_sane(client, caplog):
    caplog.set_level(logging.INFO, logger="mairie_mobile.requests")
    assert client.get("/", headers={"X-Request-ID": "lb-1234"})["X-Request-ID"] == "lb-1234"
    assert client.get("/", headers={"X-Request-ID": "<script>"})["X-Request-ID"] != "<script>"


class Lines(logging.Handler):
    """The JSON lines a logger writes, whichever thread writes them."""

    def __init__(self):
        super().__init__()
        self.setFormatter(observability.JsonFormatter())
        self.lines = []

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))


@needs_redis
@worker_test
def test_one_json_line_per_task_with_the_id_of_the_request_that_queued_it(settings):
    tasks_log, lines = logging.getLogger("mairie_mobile.tasks"), Lines()
    tasks_log.addHandler(lines)
    tasks_log.setLevel(logging.INFO)  # a test worker sets the root logger to errors only
    rid = uuid.uuid4().hex
    try:
        with queued_on_redis(settings.CELERY_BROKER_URL), worker():
            token = observability.request_id.set(rid)
            heartbeat.apply_async()
            observability.request_id.reset(token)
            wait_for(lambda: lines.lines)
    finally:
        tasks_log.removeHandler(lines)
        tasks_log.setLevel(logging.NOTSET)
    [line] = lines.lines
    assert line["task"] == "mairie_mobile.tasks.heartbeat"
    assert line["state"] == "SUCCESS"
    assert line["request_id"] == rid
    assert line["duration_ms"] >= 0


def test_errors_go_to_sentry_only_when_a_dsn_is_set():
    script = "import django; django.setup(); import sentry_sdk; print(sentry_sdk.get_client().is_active())"
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "mairie_mobile.settings"}
    off = subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True)
    on = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=env | {"SENTRY_DSN": "https://cle@sentry.example.fr/1"},
        capture_output=True,
        text=True,
    )
    assert off.stdout.strip() == "False"
    assert on.stdout.strip() == "True"


# Backups -----------------------------------------------------------------------------------


def run(*command, **kwargs):
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=300, **kwargs)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")  # the partners, which a transactional test's flush empties
def test_a_dump_restores_into_a_fresh_database_with_every_visit(agent, tmp_path):
    """The procedure of docs/deploy.md: pg_dump in the custom format, pg_restore into a new database."""
    stop = StopFactory(slug="nathalie-sarraute")
    caf = Partner.objects.get(code="caf")
    for _ in range(25):
        visit = intake.register(stop, agent, [Reason.of(caf)])
        intake.mark_left(visit, agent)
    source = connection.settings_dict
    password = f":{source['PASSWORD']}" if source["PASSWORD"] else ""
    url = f"postgresql://{source['USER']}{password}@{source['HOST']}:{source['PORT'] or 5432}/{source['NAME']}"
    restored_name = f"{source['NAME']}_restored"
    restored_url = url.rsplit("/", 1)[0] + "/" + restored_name
    dump = tmp_path / "mairie-mobile.dump"

    run("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", url)
    run("dropdb", "--if-exists", f"--maintenance-db={url}", restored_name)
    run("createdb", f"--maintenance-db={url}", restored_name)
    try:
        run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored_url}", str(dump))
        counted = run(
            sys.executable,
            "manage.py",
            "shell",
            "--verbosity=0",
            "-c",
            "from visits.models import Demand, Visit; print(Visit.objects.count(), Demand.objects.count())",
            cwd=BASE_DIR,
            env={"PATH": "/usr/bin:/bin", "DATABASE_URL": restored_url, "LOG_LEVEL": "WARNING"},
        )
        pending = run(
            sys.executable,
            "manage.py",
            "migrate",
            "--check",
            cwd=BASE_DIR,
            env={"PATH": "/usr/bin:/bin", "DATABASE_URL": restored_url},
        )
    finally:
        run("dropdb", "--if-exists", f"--maintenance-db={url}", restored_name)
    assert counted.stdout.split() == [str(Visit.objects.count()), str(Demand.objects.count())]
    assert Visit.objects.count() == 25
    assert pending.returncode == 0
