"""Proof of work on the signed-out registration form (ALTCHA, self-hosted, no third party).

The browser fetches a challenge from `/pow/challenge/` (signed by us with a key derived from
SECRET_KEY, valid `REGISTRATION_POW_MAX_AGE_SECONDS`), solves it in a Web Worker (PBKDF2-SHA-256,
`REGISTRATION_POW_COST` iterations per attempt, about a second on a phone) with the ALTCHA widget
served from our static files, and sends the solution with the form. `verify_and_consume` checks it
with the `altcha` library and accepts each challenge once: its signature is added to the shared
cache (Redis in production) until the challenge expires, so a replayed solution is refused on any
app server.

Trade-off: the widget needs JavaScript; without it the signed-out form cannot be sent, and the
form says so (people without JavaScript sign in first: the signed-in form asks for no proof of
work). Tests turn the check off with `REGISTRATION_POW_REQUIRED = False`, or solve it in Python
(`altcha.solve_challenge`).
"""

import datetime as dt
import hashlib

import altcha
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import salted_hmac

ALGORITHM = "PBKDF2/SHA-256"
USED_KEY_PREFIX = "decoded.pow.used:"


def _hmac_secret() -> str:
    return salted_hmac("decoded.registrations.pow", "altcha-challenge", algorithm="sha256").hexdigest()


def create_challenge() -> dict:
    """A fresh signed challenge, as the JSON object the widget expects."""
    expires_at = timezone.now() + dt.timedelta(seconds=settings.REGISTRATION_POW_MAX_AGE_SECONDS)
    challenge = altcha.create_challenge(
        algorithm=ALGORITHM,
        cost=settings.REGISTRATION_POW_COST,
        expires_at=expires_at,
        hmac_secret=_hmac_secret(),
    )
    return challenge.to_dict()


def verify_and_consume(payload: str) -> bool:
    """True once for a correct, unexpired solution of one of our challenges; False otherwise,
    including every later time the same challenge comes back (replay)."""
    if not payload or len(payload) > 4096:  # noqa: PLR2004 (a real payload is a few hundred bytes)
        return False
    try:
        result = altcha.verify_solution(payload, _hmac_secret())
    except (ValueError, TypeError, KeyError):
        return False
    if not result.verified:
        return False
    parsed = altcha.Payload.from_base64(payload)
    signature = parsed.challenge.signature or ""
    expires_at = parsed.challenge.parameters.expires_at or 0
    remaining = max(int(expires_at - timezone.now().timestamp()), 1)
    # cache.add is atomic on Redis and local memory: of two concurrent uses, one wins.
    used_key = USED_KEY_PREFIX + hashlib.sha256(signature.encode()).hexdigest()
    return cache.add(used_key, 1, timeout=remaining + 60)


def solve_for_tests(challenge: dict) -> str:
    """The payload a browser would send for `challenge` (tests and the CLI only)."""
    parsed = altcha.Challenge.from_dict(challenge)
    solution = altcha.solve_challenge(parsed)
    return altcha.Payload(parsed, solution).to_base64()
