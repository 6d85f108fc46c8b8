"""A real Celery worker, in a thread of the test, on the real Redis; and a worker killed as it takes a task."""

import subprocess
import sys
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


# A consumer that takes the next task of the queue as a worker takes it (not acknowledged yet), says
# which, and waits to be killed.
_TAKE_ONE = """
import sys, time
from kombu import Connection
with Connection(sys.argv[1]) as connection:
    message = connection.SimpleQueue("celery").get(timeout=10)
    print(message.headers["task"], flush=True)
    time.sleep(60)
"""


def taken_by_a_killed_worker(broker_url):
    """The next task of the queue taken by a process then killed with SIGKILL before it acknowledged
    it: Redis keeps it aside, for no worker, until its visibility timeout (an hour). Returns its name."""
    process = subprocess.Popen([sys.executable, "-c", _TAKE_ONE, broker_url], stdout=subprocess.PIPE, text=True)
    try:
        return process.stdout.readline().strip()
    finally:
        process.kill()
        process.wait()
        process.stdout.close()
