"""A real Celery worker, in a thread of the test, on the real Redis."""

import time
from contextlib import contextmanager

from celery.contrib.testing.worker import start_worker

from mairie_mobile.celery import app


def use_broker(url):
    """Point Celery at another broker: its connection and producer pools are looked up again."""
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def worker():
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def wait_for(condition, timeout=30):
    """Poll until `condition()` holds: the worker lives in another thread."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("the worker did not finish in time")


@contextmanager
def queued_on_redis(broker_url, purge=True):
    """Tasks go through the broker (not run where they are queued), its queues emptied of other tests' tasks."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    use_broker(broker_url)
    if purge:
        app.control.purge()
    try:
        yield app
    finally:
        app.conf.task_always_eager = eager
        use_broker(broker_url)
