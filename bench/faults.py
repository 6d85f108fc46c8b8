"""Pages and edits while Redis is down, on the 3,000-stop territory.

The app's cache, rate limits and broker are pointed at a redis-server of the benchmark's
own, which is then killed (connections refused) or hung (SIGSTOP: connections open,
replies never come). Each measure is the worst case: the request is the first of its
outage, so it pays the Redis timeout once (REDIS_TIMEOUT_SECONDS) before going without it.
"""

import datetime
import statistics
import tempfile
import time
from contextlib import contextmanager

from django.conf import settings
from django.test import Client, override_settings

from mairie_mobile.celery import app
from mairie_mobile.faults import Outage
from mairie_mobile.settings import caches
from stops import schedule
from stops.models import Closure, Stop
from tests.faults import RedisServer
from tests.workers import use_broker

REASON = "Banc d'essai"


def run(coordination, runs):
    """[(what, Redis state, median seconds, slowest seconds)]; `coordination`: a coordinator's client."""
    stop = Stop.objects.active().filter(slug__startswith="bench-").order_by("slug")[3]
    today = datetime.date.today()
    days = iter([o.date for o in schedule.openings(today, today + datetime.timedelta(days=700), [stop]) if o.is_open])
    rows = []
    with tempfile.TemporaryDirectory() as directory, queued_on_redis_of_its_own(directory) as server:
        try:
            rows += _measure("up", coordination, stop, days, runs)
            server.kill()
            rows += _measure("killed", coordination, stop, days, runs)
            server.start()
            server.pause()
            rows += _measure("hung", coordination, stop, days, runs)
            server.resume()
        finally:
            Closure.objects.filter(stop=stop, reason=REASON).delete()
    return rows


@contextmanager
def queued_on_redis_of_its_own(directory):
    """The cache, the rate limits and the broker on a redis-server of the benchmark's own."""
    server = RedisServer(directory)
    server.start()
    eager = app.conf.task_always_eager
    try:
        with override_settings(REDIS_URL=server.url, CACHES=caches(server.url)):
            app.conf.task_always_eager = False
            use_broker(server.url)
            yield server
    finally:
        app.conf.task_always_eager = eager
        use_broker(settings.CELERY_BROKER_URL)
        server.stop()


def _measure(state, coordination, stop, days, runs):
    visitor = Client()
    requests = [
        ("stop page", lambda: visitor.get(stop.get_absolute_url())),
        ("API openings of the stop, one month", lambda: visitor.get(_month_of_openings(stop))),
        ("cancel an opening (coordinator's POST)", lambda: _cancel(coordination, stop, next(days))),
    ]
    rows = []
    for name, request in requests:
        timings = []
        for _ in range(runs):
            Outage.forget_all()  # the first request of the outage: the worst case
            started = time.perf_counter()
            response = request()
            timings.append(time.perf_counter() - started)
            assert response.status_code in (200, 302), (name, state, response.status_code)
        rows.append((name, state, statistics.median(timings), max(timings)))
    return rows


def _month_of_openings(stop):
    today = datetime.date.today()
    return f"/api/v1/openings?start={today}&end={today + datetime.timedelta(days=30)}&stop={stop.slug}"


def _cancel(client, stop, day):
    return client.post(f"/coordination/arrets/{stop.slug}/annuler/{day}/", {"reason": REASON})


def report(rows):
    lines = [
        "### With Redis down",
        "",
        f"Each request is the first of its outage: it waits for Redis once ({settings.REDIS_TIMEOUT_SECONDS} s "
        "at most when hung), then goes without it.",
        "",
        "| what | Redis | median | slowest |",
        "|---|---|---:|---:|",
    ]
    lines += [
        f"| {name} | {state} | {median * 1000:.0f} ms | {slowest * 1000:.0f} ms |"
        for name, state, median, slowest in rows
    ]
    return "\n".join(lines)
