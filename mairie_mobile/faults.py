"""Redis is an accelerator and a mailbox, never a single point of failure (DESIGN.md, "Faults").

The cache, the rate limits' counters and the Celery broker all live on Redis. Each client of
a Redis server in this process shares one `Outage` of that server: the first failure starts
it; while it lasts nobody waits for the server, except one caller every RETRY_SECONDS whose
try ends the outage when it succeeds. So a dead or hung Redis costs a request at most one
timeout, not one per cache call. An outage is logged when it starts, at most once a minute
while it lasts, and when it ends: not once per request.
"""

import logging
import threading
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

from kombu.exceptions import OperationalError
from redis import RedisError

log = logging.getLogger(__name__)

RETRY_SECONDS = 5
LOG_EVERY_SECONDS = 60
# kombu wraps the transport's connection errors in OperationalError; some pass through.
BROKER_ERRORS = (OperationalError, RedisError, OSError)


class Outage:
    """What this process knows of a Redis server being unreachable."""

    _servers = {}
    _lock = threading.Lock()

    def __init__(self, server):
        self.server = server
        self.since = None  # time.time() of the first failure; None while the server answers
        self.next_try = 0.0
        self.logged_at = None

    @classmethod
    def of(cls, url):
        """The outage record of the server at `url` (the cache and the broker may share one)."""
        parts = urlsplit(url)
        server = parts.netloc.rpartition("@")[2] or parts.path or url
        with cls._lock:
            return cls._servers.setdefault(server, cls(server))

    @property
    def ongoing(self):
        return self.since is not None

    def avoid(self):
        """True while the server is down and no try is due: the caller goes without it.
        When a try is due, this caller makes it and the others keep away meanwhile."""
        if self.since is None:
            return False
        now = time.time()
        if now < self.next_try:
            return True
        self.next_try = now + RETRY_SECONDS
        return False

    @contextmanager
    def attempt(self, client, errors=(RedisError,)):
        """Around one call to the server: one of `errors` starts or prolongs the outage (and is
        raised again); anything else, an error of the caller's included, means the server answered."""
        try:
            yield
        except errors as error:
            self.failed(client, error)
            raise
        except Exception:
            self.answered()
            raise
        self.answered()

    def failed(self, client, error):
        now = time.time()
        if self.since is None:
            self.since = now
        self.next_try = now + RETRY_SECONDS
        if self.logged_at is None or now - self.logged_at >= LOG_EVERY_SECONDS:
            self.logged_at = now
            log.error(
                "Redis %s unreachable for %s for %d s, going without it: %s: %s",
                self.server,
                client,
                now - self.since,
                type(error).__name__,
                error,
            )

    def answered(self):
        if self.since is not None:
            log.warning("Redis %s answers again after %d s", self.server, time.time() - self.since)
            self.since, self.logged_at = None, None

    @classmethod
    def forget_all(cls):
        """Every server reachable, as far as this process knows: the next call tries it (tests, benchmarks)."""
        with cls._lock:
            for outage in cls._servers.values():
                outage.since, outage.next_try, outage.logged_at = None, 0.0, None


def publish(task, **options):
    """Queue `task` unless its broker is known to be down; True when it was queued.

    Never retried and never raised: the caller has saved its work, and the sweeper queues
    what could not be (beat runs it every 15 seconds once the broker is back). Without a
    broker (`make run` without Redis) the task runs here and now, and its errors are its own.
    """
    if task.app.conf.task_always_eager:
        task.apply_async(**options)
        return True
    outage = Outage.of(task.app.conf.broker_url)
    if outage.avoid():
        return False
    try:
        with outage.attempt("the Celery broker", BROKER_ERRORS):
            task.apply_async(retry=False, **options)
    except BROKER_ERRORS:
        return False
    return True
