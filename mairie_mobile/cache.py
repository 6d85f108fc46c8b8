"""Django's Redis cache, which an unreachable Redis does not break.

While Redis is down (see `mairie_mobile.faults`), each call goes to a stand-in instead:
- by default Django's DummyCache, a cache that keeps nothing: reads miss, writes are
  dropped, `add` succeeds, `incr` finds nothing. Public answers are then computed for each
  visitor, as without a cache, and never served stale from one process' memory;
- with `"WHEN_DOWN": "locmem"` in OPTIONS, a memory cache of this process: the rate limits'
  counters go on, each process counting on its own until Redis answers again.
"""

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

from mairie_mobile.faults import Outage

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


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        when_down = options.pop("WHEN_DOWN", "dummy")
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = KeptClients
        self.outage = Outage.of(self._servers[0])
        # One per server and process: rate limits count in it across this process' threads.
        stand_in_options = {"MAX_ENTRIES": 10_000}
        self.stand_in = STAND_INS[when_down](
            f"while-down:{self.outage.server}", {**params, "OPTIONS": stand_in_options}
        )

    def _call(self, name, *args, **kwargs):
        """RedisCache's `name`, or the stand-in's while Redis is down."""
        if not self.outage.avoid():
            try:
                with self.outage.attempt("the cache"):
                    return getattr(super(), name)(*args, **kwargs)
            except redis.RedisError:
                pass
        return getattr(self.stand_in, name)(*args, **kwargs)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)

    def clear(self):
        return self._call("clear")
