"""One change on a stop with 10,000 confirmed subscribers, mailed by one real Celery worker
to a local SMTP sink, the worker killed with SIGKILL mid-way and started again.

Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL). Reports the time from the edit
to the last mail, and the duplicates (there must be none) and losses.
"""

import collections
import datetime
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings

from bench.environment import production_env
from mairie_mobile.celery import app
from organisations.models import Organisation
from stops import editing
from stops.models import ClosureReason, Stop, Subscription, WeeklySlot
from tests.smtp import start_sink

SUBSCRIBERS = 10_000
KILL_AFTER = 3_000  # mails delivered before the worker is killed
TIMEOUT = 15 * 60


def run():
    settings.NOTIFICATION_DEBOUNCE_SECONDS = 0
    app.conf.task_always_eager = False
    stop = _stop_with_subscribers()
    app.control.purge()
    sink, controller, port = start_sink()
    deliveries = collections.Counter()

    def delivered():
        for envelope in sink.messages[sum(deliveries.values()) :]:
            deliveries.update(envelope.rcpt_tos)
        return sum(deliveries.values())

    worker = _start_worker(port)
    try:
        time.sleep(5)  # the worker connects to Redis
        started = time.perf_counter()
        day = _next_tuesday()
        editing.cancel_opening(stop, day, ClosureReason.BREAKDOWN, "", user=None)  # committed: the dispatcher is queued
        _wait(lambda: delivered() >= KILL_AFTER, "the first mails")
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        killed_at, before_kill = delivered(), time.perf_counter() - started
        worker = _start_worker(port)  # its beat's sweeper sends again what stayed queued
        _wait(lambda: delivered() >= SUBSCRIBERS and len(deliveries) >= SUBSCRIBERS, "every mail")
        elapsed = time.perf_counter() - started
        time.sleep(5)  # anything still in flight would land now
        delivered()
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait()
        controller.stop()
    duplicates = sum(count - 1 for count in deliveries.values() if count > 1)
    missing = SUBSCRIBERS - len(deliveries)
    return [
        (f"edit → {killed_at:,} mails delivered, then the worker killed with SIGKILL", before_kill),
        (
            "worker started again → every mail delivered (the sweeper resends the killed task's batch)",
            elapsed - before_kill,
        ),
        (f"edit → last of the {SUBSCRIBERS:,} mails", elapsed),
        (f"mails delivered: {sum(deliveries.values()):,}; duplicates: {duplicates}; missing: {missing}", None),
    ]


def _stop_with_subscribers():
    """A stop of an organisation of its own, apart from the territory's (bench.generate)."""
    organisation, _created = Organisation.objects.get_or_create(
        slug="banc-courriels", defaults={"name": "Banc d'essai des courriels", "departement": "75"}
    )
    stop, _created = Stop.objects.get_or_create(
        slug="bench-notifications",
        defaults={"name": "Bus – banc d'essai des courriels", "kind": "bus", "organisation": organisation},
    )
    stop.closures.all().delete()
    stop.changes.all().delete()
    if not stop.slots.exists():
        WeeklySlot.objects.create(stop=stop, weekday=1, start=datetime.time(9, 30), end=datetime.time(13))
    Subscription.objects.filter(stop=stop).delete()
    now = datetime.datetime.now(datetime.UTC)
    Subscription.objects.bulk_create(
        (Subscription(email=f"abonne{n:05d}@example.org", stop=stop, confirmed_at=now) for n in range(SUBSCRIBERS)),
        batch_size=2000,
    )
    return stop


def _next_tuesday():
    today = datetime.date.today()
    return today + datetime.timedelta(days=(1 - today.weekday()) % 7 or 7)


def _start_worker(port, **environment):
    """A worker mailing to the SMTP sink on `port` (or as `environment` says: EMAIL_URL, SMS_URL…)."""
    environment = {"EMAIL_URL": f"smtp://127.0.0.1:{port}"} | environment
    env = production_env(NOTIFICATION_DEBOUNCE_SECONDS="0", ALLOWED_HOSTS="localhost", **environment)
    schedule = Path(tempfile.gettempdir()) / "mairie-mobile-bench-beat"
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A", "mairie_mobile", "worker", "--beat", "--schedule", str(schedule),
        "--concurrency", "1", "--loglevel", "WARNING",
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, start_new_session=True)


def _wait(condition, what):
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.2)
