"""Django's Redis cache, which an unreachable Redis does not break.

While Redis is down (see `mairie_mobile.faults`), each call goes to a stand-in instead:
- by default Django's DummyCache, a cache that keeps nothing: reads miss, writes are
  dropped, `add` succeeds, `incr` finds nothing. Public answers are then computed for each
  visitor, as without a cache, and never served stale from one process' memory;
- with `"WHEN_DOWN": "locmem"` in OPTIONS, a memory cache of this process: the rate limits'
  counters go on, each process counting on its own until Redis answers again.

The keys named in `"TRACKED"` (prefixes) are read at almost every request: the versions of
the schedule and of the queues and marks (stops/caching.py), and each address's count of
guessed ticket codes (visits/views/public.py). Each process keeps the values it read of them,
and which were absent, while Redis, which tracks these keys for it (`Tracked`), has not said
they changed: a cached answer is then served without a round trip to Redis.
"""

import os
import threading
import time
from collections import deque
from itertools import chain

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

from mairie_mobile.faults import RETRY_SECONDS, Outage

STAND_INS = {"dummy": DummyCache, "locmem": LocMemCache}


class KeptClients(RedisCacheClient):
    """Django's client of Redis, which makes one `redis.Redis` per pool and keeps it (a
    `redis.Redis` takes its connections from the pool: it is safe to share between threads)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


# A key tracked and known to be absent from Redis (an address that guessed no ticket code).
ABSENT = object()


class Tracked:
    """The values of some keys, kept by this process while Redis says they have not changed.

    Redis' client-side caching, broadcasting mode: a connection of this process's own asks
    Redis to track every key that starts with one of `prefixes`, and is told of each change
    to one of them, by anyone, on any server of the app (an invalidation message, read at
    the start of each `held`). A value is served from here only
    - while that connection is up, and Redis has answered a PING sent less than TRUST_SECONDS
      ago: a Redis that stopped answering (a cut network says nothing) is not trusted for
      longer, and an answer read only after a silence does not count;
    - while no outage of the server is known to this process (mairie_mobile.faults).
    Else every read goes to Redis, as without this, and what was kept is forgotten: changes
    may have been missed. A write of this process forgets its keys at once.
    """

    PING_SECONDS = 0.5
    TRUST_SECONDS = 1.5
    MAX_KEYS = 10_000
    UNANSWERED_PINGS = 12
    CHANNEL = b"__redis__:invalidate"

    _shared, _shared_lock = {}, threading.Lock()

    @classmethod
    def of(cls, cache, prefixes):
        """The one of this process for the keys of `cache` that start with `prefixes`: Django makes
        a cache object per thread, and each would open its own connection."""
        key = (cache._servers[0], cache.key_prefix, cache.version, tuple(prefixes))
        with cls._shared_lock:
            if key not in cls._shared:
                cls._shared[key] = cls(cache, prefixes)
            return cls._shared[key]

    @classmethod
    def close_all(cls):
        with cls._shared_lock:
            for tracked in cls._shared.values():
                with tracked.lock:
                    tracked._drop()
            cls._shared.clear()

    def __init__(self, cache, prefixes):
        self.cache, self.prefixes = cache, tuple(prefixes)
        self.lock = threading.Lock()
        self.values, self.names = {}, {}  # key -> value; its name in Redis -> key
        self.connection, self.pid, self.next_try = None, None, 0.0
        # When the PINGs not answered yet were sent; when the last one answered was; the last one.
        self.pings, self.answered_at, self.pinged_at = deque(), 0.0, 0.0
        self.changes = 0  # to the values, learnt from Redis, made here, or possibly missed

    def tracks(self, key):
        return key.startswith(self.prefixes)

    def held(self, keys):
        """({key: value} of `keys` kept here, the keys to read from Redis, the count of changes
        learnt so far) after reading what Redis said. A key known to be absent from Redis is in
        neither."""
        with self.lock:
            if not self._trusted():
                return {}, keys, None
            values = self.values
            held = {key: values[key] for key in keys if values.get(key, ABSENT) is not ABSENT}
            return held, [key for key in keys if key not in values], self.changes

    def keep(self, asked, found, changes):
        """Keep what Redis itself just gave for the tracked keys of `asked`: their values in `found`,
        and that the others are absent. Read after `held` read what Redis said, a change made since
        will be said at the next `held`; unless this process has learnt of a change meanwhile
        (`changes` moved on: another thread's, a connection lost), which may be of these very
        values: then none is kept."""
        with self.lock:
            if changes is None or changes != self.changes or self.connection is None:
                return
            if len(self.values) + len(asked) > self.MAX_KEYS:  # counts of many addresses, say
                self._forget_all()
            for key in asked:
                if self.tracks(key):
                    self.values[key] = found.get(key, ABSENT)
                    self.names[self.cache.make_key(key).encode()] = key

    def forget(self, keys=None):
        """Forget `keys` (None: every key), written by this process."""
        if keys is not None:
            keys = [key for key in keys if self.tracks(key)]
            if not keys:
                return
        with self.lock:
            if keys is None:
                self._forget_all()
                return
            self.changes += 1
            for key in keys:
                self.values.pop(key, None)
                self.names.pop(self.cache.make_key(key).encode(), None)

    def _forget_all(self):
        self.changes += 1
        self.values.clear()
        self.names.clear()

    def _trusted(self):
        now = time.monotonic()
        if self.pid != os.getpid():  # a new process (forked): the connection is its parent's
            self.connection, self.pid = None, os.getpid()
            self._forget_all()
        if self.cache.outage.ongoing:
            self._drop()
            return False
        if self.connection is None and (now < self.next_try or not self._connect(now)):
            return False
        try:
            while self.connection.can_read(timeout=0):
                self._read(self.connection.read_response())
            if now - self.pinged_at >= self.PING_SECONDS:
                self.connection.send_command("PING")
                self.pings.append(now)
                self.pinged_at = now
        except (redis.RedisError, OSError):
            self._drop()
            return False
        except BaseException:  # the worker stopped midway (a timeout, a signal): nothing half-read is trusted
            self._drop()
            raise
        if len(self.pings) > self.UNANSWERED_PINGS:  # a connection Redis no longer answers on
            self._drop()
            return False
        # Answered lately: a PING sent less than TRUST_SECONDS ago has had its PONG (an old PONG read
        # only now, after a silence, does not count).
        if now - self.answered_at > self.TRUST_SECONDS:
            if self.values:
                self._forget_all()  # kept, but not served: the next reads go to Redis
            return False
        return True

    def _read(self, message):
        kind = message[0]
        if kind == b"pong" and self.pings:
            self.answered_at = self.pings.popleft()
        elif kind == b"message" and message[1] == self.CHANNEL:
            if message[2] is None:  # every key (FLUSHDB, FLUSHALL)
                self._forget_all()
                return
            self.changes += 1
            for name in message[2]:
                self.values.pop(self.names.pop(name, None), None)

    def _connect(self, now):
        """Open the tracking connection: a client of its own, to which Redis sends what it tracks."""
        self.next_try = now + RETRY_SECONDS
        pool = self.cache._cache._get_connection_pool(write=False)
        connection = pool.connection_class(**{**pool.connection_kwargs, "protocol": 2})
        prefixes = [self.cache.make_key(prefix) for prefix in self.prefixes]
        try:
            connection.connect()
            connection.send_command("CLIENT", "ID")
            own = connection.read_response()
            connection.send_command(
                "CLIENT", "TRACKING", "ON", "REDIRECT", own, "BCAST", *chain(*(("PREFIX", p) for p in prefixes))
            )
            connection.read_response()
            connection.send_command("SUBSCRIBE", self.CHANNEL)
            connection.read_response()
        except (redis.RedisError, OSError):
            connection.disconnect()
            return False
        self._forget_all()  # what was kept before this connection may have changed unsaid
        self.connection, self.answered_at = connection, now
        self.pings.clear()
        return True

    def _drop(self):
        self._forget_all()
        if self.connection is not None:
            self.connection.disconnect()
            self.connection = None
            self.next_try = time.monotonic() + RETRY_SECONDS


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        when_down = options.pop("WHEN_DOWN", "dummy")
        tracked = options.pop("TRACKED", ())
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = KeptClients
        self.outage = Outage.of(self._servers[0])
        self.tracked = Tracked.of(self, tracked) if tracked else None
        # One per server and process: rate limits count in it across this process' threads.
        stand_in_options = {"MAX_ENTRIES": 10_000}
        self.stand_in = STAND_INS[when_down](
            f"while-down:{self.outage.server}", {**params, "OPTIONS": stand_in_options}
        )

    def _call(self, name, *args, **kwargs):
        """RedisCache's `name`, or the stand-in's while Redis is down."""
        return self._answer(name, *args, **kwargs)[1]

    def _answer(self, name, *args, **kwargs):
        """(whether Redis answered, RedisCache's `name` or the stand-in's while Redis is down)."""
        if not self.outage.avoid():
            try:
                with self.outage.attempt("the cache"):
                    return True, getattr(super(), name)(*args, **kwargs)
            except redis.RedisError:
                pass
        return False, getattr(self.stand_in, name)(*args, **kwargs)

    def _written(self, name, keys, *args):
        try:
            return self._call(name, *args)
        finally:
            if self.tracked is not None:
                self.tracked.forget(keys)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._written("add", [key], key, value, timeout, version)

    def get(self, key, default=None, version=None):
        if self.tracked is not None and version is None and self.tracked.tracks(key):
            return self.get_many([key]).get(key, default)
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._written("set", [key], key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._written("delete", [key], key, version)

    def get_many(self, keys, version=None):
        if self.tracked is None or version is not None:
            return self._call("get_many", keys, version)
        held, missing, changes = self.tracked.held(list(keys))
        if not missing:
            return held
        from_redis, found = self._answer("get_many", missing, version)
        if from_redis:  # not the stand-in's
            self.tracked.keep(missing, found, changes)
        return held | found

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._written("incr", [key], key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._written("set_many", list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        keys = list(keys)
        return self._written("delete_many", keys, keys, version)

    def clear(self):
        return self._written("clear", None)
