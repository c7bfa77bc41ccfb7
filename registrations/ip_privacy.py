"""No IP address is stored in clear: allauth's user sessions get a pseudonym instead.

allauth.usersessions keeps an `ip` per signed-in session (with USERSESSIONS_TRACK_ACTIVITY, the
last one seen). Before such a row is saved, `pseudonymise_ip()` replaces the address with a keyed
hash of it, written as an IPv6 unique-local address (fd00::/8, so the column's validation still
holds; the receiver in `registrations.privacy_receivers` does it). The key is a random salt of
the day (UTC), kept only in the shared cache for two days (and, that day, for a few minutes at a
time in each web process's memory), never in the database or a log: once it has expired, nobody
(us included) can tell which address a stored pseudonym came from, or link two days' pseudonyms.

The same hash is stable for a day and keeps a client's /64 IPv6 network apart from others, so it
also suits rate limits (allauth truncates IPv6 addresses to /64: the hash sits in the first 64
bits). allauth's rate-limit counters live in the cache, keyed by the address allauth's adapter
returns, and expire with their window; see the report of issue 8 for the adapter change that
makes those keys pseudonymous as well.
"""

import datetime as dt
import hashlib
import hmac
import ipaddress
import secrets
import time

from django.core.cache import cache
from django.utils import timezone

PSEUDONYM_NETWORK = ipaddress.IPv6Network("fd00::/8")
SALT_CACHE_TIMEOUT = 2 * 24 * 60 * 60


# Each process keeps the day's salt for a few minutes rather than asking the cache twice per
# request (rate limits and user sessions ask on every signed-in POST). Only the current day's is
# kept, so a salt leaves a process's memory when the day ends, and long before the cache's copy
# expires; re-reading every few minutes lets processes agree again after a cache flush.
SALT_MEMO_SECONDS = 300
_salt_memo: dict[dt.date, tuple[bytes, float]] = {}


def _salt_of(day: dt.date) -> bytes:
    memo = _salt_memo.get(day)
    if memo is not None and time.monotonic() < memo[1]:
        return memo[0]
    key = f"decoded:ip-salt:{day.isoformat()}"
    cache.add(key, secrets.token_hex(32), timeout=SALT_CACHE_TIMEOUT)
    # Another process may have won the race to add it: read what is there.
    stored = cache.get(key)
    if stored is None:  # the cache kept nothing (evicted at once, a dummy cache): a one-off salt
        return bytes.fromhex(secrets.token_hex(32))
    _salt_memo.clear()
    _salt_memo[day] = (bytes.fromhex(stored), time.monotonic() + SALT_MEMO_SECONDS)
    return _salt_memo[day][0]


def is_pseudonym(value: str) -> bool:
    try:
        return ipaddress.ip_address(value) in PSEUDONYM_NETWORK
    except ValueError:
        return False


def pseudonymise_ip(value: str, *, now: dt.datetime | None = None) -> str:
    """A pseudonym of the address `value` for today (UTC): an address in fd00::/8.

    An IPv6 address is reduced to its /64 network first (one household, one pseudonym). Values that
    are already pseudonyms are returned unchanged; values that are no address become "fd00::".
    """
    if is_pseudonym(value):
        return value
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return str(PSEUDONYM_NETWORK.network_address)
    if isinstance(address, ipaddress.IPv6Address):
        address = ipaddress.IPv6Network(f"{address}/64", strict=False).network_address
    day = (now or timezone.now()).astimezone(dt.UTC).date()
    digest = hmac.new(_salt_of(day), address.packed, hashlib.sha256).digest()
    return str(ipaddress.IPv6Address(b"\xfd" + digest[:7] + bytes(8)))
