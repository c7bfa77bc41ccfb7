"""Django's Redis cache backend, keeping one redis-py client per connection pool.

Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` for every cache operation.
redis-py's constructor fills a table of about 170 response callbacks each time: measured here,
0.6 ms of CPU per `cache.get()`, more than the network round trip, and most of the cost of a
page served from the cache (bench/results/latest.md). A `redis.Redis` is safe to share between
threads (it borrows a connection from its pool for each command), and each thread already gets
its own cache object (`django.core.cache.caches` is thread-local), so one client per pool is
kept instead. Everything else, serialisation included, is Django's.
"""

import math
import secrets

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


# KEYS[1]: the sorted set of hit times. ARGV: now, the window's start, this hit's member, the
# limit, the window in whole seconds. 1 when the hit is recorded, 0 when refused.
_RECORD_HIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
        self._scripts = {}  # per redis-py client (one per connection pool)

    def record_hit(self, key: str, *, now: float, window: float, limit: int) -> bool:
        """One hit of a sliding-window rate limit kept at `key`, in one round trip: recorded, and
        True, while fewer than `limit` hits lie in the last `window` seconds; else False, and the
        refused hit is not kept (allauth's rule, registrations/rate_limits.py).

        The hits are a sorted set of their times, trimmed, counted, added to and given the window
        as its lifetime by one Lua script, which Redis runs atomically: of hits racing for the
        last place, exactly one gets it. One command for redis-py to pack and one reply to read:
        0.19-0.21 ms of CPU a hit, where the MULTI/EXEC pipeline of four commands it replaced cost
        0.26-0.31 ms (5,000 hits each, alternating, on a slow machine)."""
        redis_key = self.make_and_validate_key(key)
        client = self._cache.get_client(redis_key, write=True)
        script = self._scripts.get(id(client))
        if script is None:
            script = self._scripts[id(client)] = client.register_script(_RECORD_HIT)
        member = f"{now!r}:{secrets.token_hex(4)}"
        return script(keys=[redis_key], args=[now, now - window, member, limit, math.ceil(window)]) == 1
