"""One change on a stop with 10,000 confirmed subscribers, mailed by one real Celery worker
to a local SMTP sink, the worker killed with SIGKILL mid-way and started again; the sending
it would have taken next is lost with it (taken from the queue by a process killed at once).

Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL). Reports the time from the edit
to the last mail, the mails sent, missing and duplicated (delivery is at least once: a mail the
SMTP server had accepted when the worker was killed may go twice, no other), and the peak
memory of the worker's processes.
"""

import collections
import contextlib
import datetime
import math
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
from tests.workers import taken_by_a_killed_worker

SUBSCRIBERS = 10_000
KILL_AFTER = 3_000  # mails delivered before the worker is killed
TIMEOUT = 15 * 60


def run():
    settings.NOTIFICATION_DEBOUNCE_SECONDS = 0
    app.conf.task_always_eager = False
    stop = _stop_with_subscribers()
    app.control.purge()
    sink, controller, port = start_sink()
    deliveries = []  # the recipient of each mail, in the order the sink accepted them

    def delivered():
        for envelope in sink.messages[len(deliveries) :]:
            deliveries.extend(envelope.rcpt_tos)
        return len(deliveries)

    def everyone_told():
        delivered()
        return len(set(deliveries)) >= SUBSCRIBERS

    worker = _start_worker(port)
    usage = WorkerUsage()
    try:
        time.sleep(5)  # the worker connects to Redis
        started = time.perf_counter()
        day = _next_tuesday()
        editing.cancel_opening(stop, day, ClosureReason.BREAKDOWN, "", user=None)  # committed: the dispatcher is queued
        _wait(lambda: usage.sample(worker) or delivered() >= KILL_AFTER, "the first mails")
        usage.sample(worker, every=0)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        # The worst of kills: the worker had just taken its next sending, which goes with it.
        lost = taken_by_a_killed_worker(settings.CELERY_BROKER_URL)
        before_kill = time.perf_counter() - started
        time.sleep(0.5)  # a mail whose data was all sent before the kill is taken in by now
        accepted_before_kill = delivered()
        worker = _start_worker(port)  # its beat's sweeper sends again what the killed worker held
        _wait(lambda: usage.sample(worker) or everyone_told(), "every mail")
        elapsed = time.perf_counter() - started
        time.sleep(5)  # anything still in flight would land now
        delivered()
        usage.sample(worker, every=0)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait()
        controller.stop()
    return [
        (
            f"edit → {accepted_before_kill:,} mails delivered, then the worker killed with SIGKILL "
            f"and its next task lost ({lost})",
            before_kill,
        ),
        (
            "worker started again → every mail delivered (the sweeper resends what the killed worker held, "
            "its marker the lost task's)",
            elapsed - before_kill,
        ),
        (f"edit → last of the {SUBSCRIBERS:,} mails", elapsed),
        (_deliveries_row(deliveries, accepted_before_kill), None),
        *usage.rows(),
    ]


def _deliveries_row(deliveries, accepted_before_kill):
    """Sent, missing, duplicates, and whether each duplicate's first copy was accepted by the
    SMTP server before the kill (the only duplicates at-least-once delivery allows)."""
    counts = collections.Counter(deliveries)
    duplicates = [address for address, count in counts.items() if count > 1]
    before_kill = set(deliveries[:accepted_before_kill])
    allowed = sum(counts[address] - 1 for address in duplicates if address in before_kill)
    extra = sum(counts[address] - 1 for address in duplicates)
    return (
        f"mails sent: {len(deliveries):,}; missing: {SUBSCRIBERS - len(counts)}; duplicates: {extra} "
        f"({allowed} of them accepted by the SMTP server before the kill, {extra - allowed} after)"
    )


class WorkerUsage:
    """What a worker's processes (its main process, its beat and its pool) use, read from /proc
    while they live: each one's CPU time and peak resident set (VmHWM), and the peak of their
    proportional sets added up (PSS: the pages a fork shares counted once), for each worker started."""

    MEMORY_LIMIT_MB = 300

    def __init__(self):
        self.cpu, self.peaks, self.together = {}, {}, {}
        self.sampled_at = -math.inf

    def sample(self, worker, every=1.0):
        """Read /proc once `every` seconds at most: reading it holds up the SMTP sink, in this process."""
        if time.monotonic() - self.sampled_at < every:
            return
        self.sampled_at = time.monotonic()
        together = 0
        for pid in _worker_processes(worker.pid):
            with contextlib.suppress(OSError, IndexError):
                # The fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
                ticks = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:13]
                self.cpu[pid] = sum(int(tick) for tick in ticks) / os.sysconf("SC_CLK_TCK")
                self.peaks[pid] = max(self.peaks.get(pid, 0), _kilobytes(f"/proc/{pid}/status", "VmHWM:"))
                together += _kilobytes(f"/proc/{pid}/smaps_rollup", "Pss:")
        self.together[worker.pid] = max(self.together.get(worker.pid, 0), together)

    def rows(self):
        largest = max(self.peaks.values(), default=0) / 1024
        together = max(self.together.values(), default=0) / 1024
        verdict = "met" if max(largest, together) <= self.MEMORY_LIMIT_MB else "NOT met"
        return [
            ("the workers' CPU time (both, each process; read until the kill)", sum(self.cpu.values())),
            (
                f"worker's peak memory: {largest:.0f} MB resident for its largest process (VmHWM), "
                f"{together:.0f} MB for its processes together (PSS); goal ≤ {self.MEMORY_LIMIT_MB} MB: {verdict}",
                None,
            ),
        ]


def _kilobytes(path, field):
    return int(Path(path).read_text().split(field)[1].split()[0])


def _worker_processes(pid):
    """A worker's main process and its children (its beat and its pool)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:  # it has ended
        return []
    return [pid, *(int(child) for child in children)]


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
