"""The Redis cache backend of production (config/redis_cache.py), against the local Redis server."""

import pytest

from config.redis_cache import RedisCache

# A database no other test or process of this project uses; emptied before and after.
LOCATION = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_cache():
    cache = RedisCache(LOCATION, {"KEY_PREFIX": "test-redis-cache"})
    cache.clear()
    yield cache
    cache.clear()
    cache.close()


def test_redis_cache_keeps_one_client_per_connection_pool(redis_cache):
    reader = redis_cache._cache.get_client("a")
    writer = redis_cache._cache.get_client("b", write=True)

    # One server: reads and writes share the pool, hence the client.
    assert reader is writer
    assert redis_cache._cache.get_client("c") is reader


def test_redis_cache_behaves_as_djangos(redis_cache):
    redis_cache.set("title", "Расшифровка данных", 60)
    redis_cache.set_many({"one": 1, "two": [2]}, 60)

    assert redis_cache.get("title") == "Расшифровка данных"
    assert redis_cache.get_many(["one", "two", "missing"]) == {"one": 1, "two": [2]}
    assert redis_cache.add("title", "other", 60) is False
    assert redis_cache.incr("one") == 2
    redis_cache.delete("title")
    assert redis_cache.get("title", "gone") == "gone"
