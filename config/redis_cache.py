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


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def record_hit(self, key: str, *, now: float, window: float, limit: int) -> bool:
        """One hit of a sliding-window rate limit kept at `key`, in one round trip: recorded, and
        True, while fewer than `limit` hits lie in the last `window` seconds; else False, and the
        refused hit is not kept (allauth's rule, registrations/rate_limits.py).

        The hits are a sorted set of their times, trimmed, added to, counted and given the
        window as its lifetime in one MULTI/EXEC. Two hits racing for the last place may both be
        refused (stricter, never looser)."""
        redis_key = self.make_and_validate_key(key)
        client = self._cache.get_client(redis_key, write=True)
        member = f"{now!r}:{secrets.token_hex(4)}"
        pipeline = client.pipeline()
        pipeline.zremrangebyscore(redis_key, "-inf", now - window)
        pipeline.zadd(redis_key, {member: now})
        pipeline.zcard(redis_key)
        pipeline.expire(redis_key, math.ceil(window))
        _trimmed, _added, count, _expires = pipeline.execute()
        if count > limit:
            client.zrem(redis_key, member)
            return False
        return True
