"""allauth's rate limits (settings.ACCOUNT_RATE_LIMITS) for the registration form, in one cache
round trip when the cache is Redis.

allauth's `ratelimit.consume()` keeps each key's hits as a list in the cache behind a lock of its
own: four round trips per check (add the lock, read, write, delete the lock), 6 % of a
registration's CPU in the rush (py-spy over bench/rush_profile.py). With Redis
(config/redis_cache.py) the same sliding window is one MULTI/EXEC on a sorted set. The rates,
their parsing and the keys (per address, account or given key) are allauth's; the keys get our
prefix, because the stored form differs from allauth's list. Other caches (local memory in
development and tests) go through allauth's own `consume()`.
"""

import time

from allauth.core import ratelimit
from allauth.core.internal.ratelimit import get_cache_key, get_rates
from django.core.cache import cache

KEY_PREFIX = "decoded:"
ALLAUTH_APP = "allauth.account"  # where allauth's public consume() reads the rates


def consume(request, *, action: str, user=None, key: str | None = None) -> bool:
    """Consume one attempt of `action`; False once one of its rates is used up (nothing is kept then)."""
    record_hit = getattr(cache, "record_hit", None)
    if record_hit is None:
        return ratelimit.consume(request, action=action, user=user, key=key)
    now = time.time()
    for rate in get_rates(app=ALLAUTH_APP, action=action):
        cache_key = get_cache_key(request, app=ALLAUTH_APP, action=action, rate=rate, key=key, user=user)
        if not record_hit(KEY_PREFIX + cache_key, now=now, window=rate.duration, limit=rate.amount):
            return False
    return True
