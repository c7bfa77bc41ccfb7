"""The registration form's rate limits: allauth's sliding window, in one Redis round trip.

The end-to-end refusals (the 21st POST, the 6th code email) are in test_register_refusals.py and
run through whichever cache the suite has; these check the Redis window itself, against the
Redis server of REDIS_URL (skipped without one).
"""

import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import RequestFactory

from config.redis_cache import RedisCache
from registrations import rate_limits

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a Redis server (REDIS_URL)")


@pytest.fixture
def redis_cache():
    cache = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": f"test-rate-{uuid.uuid4().hex}"})
    yield cache
    cache.clear()


def test_hits_are_counted_over_a_sliding_window(redis_cache):
    hit = redis_cache.record_hit

    assert [hit("k", now=1000.0 + i, window=60, limit=3) for i in range(3)] == [True, True, True]
    assert hit("k", now=1010.0, window=60, limit=3) is False
    assert hit("k", now=1059.9, window=60, limit=3) is False  # the first hit is 59.9 s old
    assert hit("k", now=1060.0, window=60, limit=3) is True  # the first (1000) has left the window
    assert hit("other", now=1060.0, window=60, limit=3) is True  # keys are apart


def test_a_refused_hit_is_not_kept(redis_cache):
    hit = redis_cache.record_hit
    for second in range(2):
        assert hit("k", now=2000.0 + second, window=10, limit=2)
    for second in range(5):
        assert not hit("k", now=2005.0 + second * 0.1, window=10, limit=2)
    # Had the refusals been kept, the window would still be full at 2011.
    assert hit("k", now=2011.0, window=10, limit=2)


def test_of_hits_racing_for_the_last_places_exactly_the_limit_get_them(redis_cache):
    start = threading.Barrier(16)

    def hit(_):
        start.wait()
        return redis_cache.record_hit("k", now=4000.0, window=60, limit=5)

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(hit, range(16)))

    assert answers.count(True) == 5
    key = redis_cache.make_and_validate_key("k")
    assert redis_cache._cache.get_client(key).zcard(key) == 5  # the refused ones left nothing


def test_the_key_expires_with_its_window(redis_cache):
    redis_cache.record_hit("k", now=3000.0, window=90, limit=5)
    key = redis_cache.make_and_validate_key("k")
    ttl = redis_cache._cache.get_client(key).ttl(key)
    assert 0 < ttl <= 90


def test_consume_uses_allauths_rates_and_keys_per_account(settings, monkeypatch, redis_cache, django_user_model):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "register_signed_in": "2/m/user"}
    monkeypatch.setattr(rate_limits, "cache", redis_cache)
    request = RequestFactory().post("/")
    first, second = django_user_model(pk=101), django_user_model(pk=102)

    answers = [rate_limits.consume(request, action="register_signed_in", user=first) for _ in range(3)]

    assert answers == [True, True, False]
    assert rate_limits.consume(request, action="register_signed_in", user=second) is True
