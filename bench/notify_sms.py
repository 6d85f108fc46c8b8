"""One change on a stop with 10,000 confirmed subscribers by SMS, sent by one real Celery worker
through the `file://` SMS backend, the worker killed with SIGKILL mid-way and started again:
the mail benchmark (bench/notify.py) for SMS.

Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL). Reports the time from the edit to the
last SMS, and the duplicates and losses, read from the file the backend appends to.
"""

import collections
import datetime
import json
import os
import signal
import tempfile
import time
from pathlib import Path

from django.conf import settings

from bench.notify import SUBSCRIBERS, _next_tuesday, _start_worker, _wait
from mairie_mobile.celery import app
from organisations.models import Organisation
from stops import editing
from stops.models import ClosureReason, SmsSent, Stop, Subscription, WeeklySlot, new_leave_code

KILL_AFTER = 3_000  # SMS sent before the worker is killed


def run():
    settings.NOTIFICATION_DEBOUNCE_SECONDS = 0
    app.conf.task_always_eager = False
    stop = _stop_with_subscribers()
    app.control.purge()
    folder = Path(tempfile.mkdtemp(prefix="mairie-mobile-bench-sms-"))
    outbox = folder / "sms.log"
    outbox.touch()
    deliveries = collections.Counter()
    read = {"lines": 0}

    def delivered():
        lines = outbox.read_text().splitlines()
        for line in lines[read["lines"] :]:
            if line.endswith("}"):  # a line being written is read on the next pass
                deliveries[json.loads(line)["to"]] += 1
                read["lines"] += 1
        return sum(deliveries.values())

    environment = {"SMS_URL": f"file://{outbox}", "EMAIL_URL": f"file://{folder}", "SMS_MONTHLY_BUDGET": "1000000"}
    worker = _start_worker(None, **environment)
    try:
        time.sleep(5)  # the worker connects to Redis
        started = time.perf_counter()
        editing.cancel_opening(
            stop, _next_tuesday(), ClosureReason.BREAKDOWN, "", user=None
        )  # the dispatcher is queued
        _wait(lambda: delivered() >= KILL_AFTER, "the first SMS")
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        killed_at, before_kill = delivered(), time.perf_counter() - started
        worker = _start_worker(None, **environment)  # its beat's sweeper sends again what stayed queued
        _wait(lambda: delivered() >= SUBSCRIBERS and len(deliveries) >= SUBSCRIBERS, "every SMS")
        elapsed = time.perf_counter() - started
        time.sleep(5)  # anything still in flight would land now
        delivered()
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait()
    duplicates = sum(count - 1 for count in deliveries.values() if count > 1)
    missing = SUBSCRIBERS - len(deliveries)
    counted = SmsSent.objects.filter(organisation=stop.organisation).count()
    return [
        (f"edit → {killed_at:,} SMS sent, then the worker killed with SIGKILL", before_kill),
        ("worker started again → every SMS sent (the sweeper resends the killed task's batch)", elapsed - before_kill),
        (f"edit → last of the {SUBSCRIBERS:,} SMS", elapsed),
        (
            f"SMS sent: {sum(deliveries.values()):,}; duplicates: {duplicates}; missing: {missing}; "
            f"counted against the budget: {counted:,}",
            None,
        ),
    ]


def _stop_with_subscribers():
    organisation, _created = Organisation.objects.get_or_create(
        slug="banc-sms", defaults={"name": "Banc d'essai des SMS", "departement": "75"}
    )
    SmsSent.objects.filter(organisation=organisation).delete()
    stop, _created = Stop.objects.get_or_create(
        slug="bench-sms",
        defaults={"name": "Bus – banc d'essai des SMS", "kind": "bus", "organisation": organisation},
    )
    stop.closures.all().delete()
    stop.changes.all().delete()
    if not stop.slots.exists():
        WeeklySlot.objects.create(stop=stop, weekday=1, start=datetime.time(9, 30), end=datetime.time(13))
    Subscription.objects.filter(stop=stop).delete()
    now = datetime.datetime.now(datetime.UTC)
    Subscription.objects.bulk_create(
        (
            Subscription(phone=f"+336{n:08d}", stop=stop, confirmed_at=now, leave_code=new_leave_code())
            for n in range(SUBSCRIBERS)
        ),
        batch_size=2000,
    )
    return stop
