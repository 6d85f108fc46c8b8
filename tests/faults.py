"""Faults made for real: a redis-server of the test's own, which the test kills, pauses and starts again."""

import os
import shutil
import signal
import socket
import subprocess
import time
from contextlib import contextmanager

import pytest
import redis

from mairie_mobile.settings import caches


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    def __init__(self, directory):
        executable = shutil.which("redis-server")
        if executable is None:
            message = "redis-server est introuvable : apt-get install -y redis-server"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        self.command = [executable, "--bind", "127.0.0.1", "--port", str(free_port()), "--save", "", "--dir", directory]
        self.command += ["--appendonly", "no"]
        self.url = f"redis://127.0.0.1:{self.command[4]}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client().ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def kill(self):
        """Gone at once, as a crashed server or a closed port: connections are refused."""
        self.process.kill()
        self.process.wait()

    def pause(self):
        """Hung, as a server that stopped answering: connections open, replies never come."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.resume()
            self.kill()

    @contextmanager
    def full(self):
        """No room for another client (Redis' maxclients reached): each new connection is refused
        with an error. Yields the count of connections refused since."""
        held = redis.Redis.from_url(self.url, socket_timeout=5, single_connection_client=True)
        refused_before = held.info("stats")["rejected_connections"]
        held.config_set("maxclients", 1)
        try:
            yield lambda: held.info("stats")["rejected_connections"] - refused_before
        finally:
            held.config_set("maxclients", 10_000)
            held.close()

    def client(self):
        return redis.Redis.from_url(self.url, socket_timeout=5)

    def connections_received(self):
        """Connections opened so far, but for this count's own."""
        return self.client().info("stats")["total_connections_received"] - 1

    def calls(self, *commands):
        """How many times the server has run `commands` (lower case: "get", "mget"...)."""
        stats = self.client().info("commandstats")
        return sum(stats.get(f"cmdstat_{command}", {}).get("calls", 0) for command in commands)

    def commands_processed(self):
        """Commands run so far, but for the handshake of each connection and these counts' own."""
        stats = self.client().info("commandstats")
        return sum(stat["calls"] for name, stat in stats.items() if name not in ("cmdstat_hello", "cmdstat_info"))


def use_redis(settings, url):
    """The cache and the rate limits' counters on the Redis at `url`, as REDIS_URL sets them."""
    settings.REDIS_URL = url
    settings.CACHES = caches(url)
