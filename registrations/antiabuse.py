"""Anti-abuse for the registration form, without third-party services.

Three checks, each answered with the same 429 page (templates/429.html) and no change at all:
a honeypot field people never see, a minimum fill time carried by a signed timestamp, and rate
limits with allauth's rates (settings.ACCOUNT_RATE_LIMITS, the shared cache; registrations/rate_limits.py):
"register" per IP address (signed out) or "register_signed_in" per account, and "register_code"
per email address.
"""

import time

from django.conf import settings
from django.core import signing
from django.shortcuts import render

from registrations import rate_limits

FORM_STAMP_SALT = "decoded.registrations.form-started"
# A form older than this is stale: its stamp is replaced and the person sends it again.
FORM_STAMP_MAX_AGE_SECONDS = 12 * 60 * 60
RETRY_AFTER_SECONDS = 60


def make_form_stamp(shown_at: float | None = None) -> str:
    """A signed record of when the form was shown (now, or at the Unix time `shown_at`); the
    minimum fill time is measured from it."""
    return signing.dumps(time.time() if shown_at is None else shown_at, salt=FORM_STAMP_SALT)


def read_form_stamp(value: str) -> float | None:
    """Seconds since the form was shown, or None when the stamp is missing or forged."""
    try:
        shown_at = signing.loads(value or "", salt=FORM_STAMP_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(shown_at, int | float) or isinstance(shown_at, bool):
        return None
    return time.time() - shown_at


def is_filled_too_fast(value: str) -> bool:
    """True when the form came back sooner than people can fill it, or with a forged stamp."""
    age = read_form_stamp(value)
    return age is None or age < settings.REGISTRATION_MIN_FILL_SECONDS


def is_stale(value: str) -> bool:
    """True for a genuine stamp of a form left open too long (it is shown again, freshly stamped)."""
    age = read_form_stamp(value)
    return age is not None and age > FORM_STAMP_MAX_AGE_SECONDS


def normalise_email(email: str) -> str:
    return email.strip().lower()


def allow_register_post(request) -> bool:
    """Consume one registration attempt; False once the limit is reached.

    Signed out, attempts count per IP address ("register"). Signed in, per account
    ("register_signed_in"): colleagues behind one hospital's address, all reached by the same
    announcement, must not use up each other's attempts.
    """
    if request.user.is_authenticated:
        return rate_limits.consume(request, action="register_signed_in", user=request.user)
    return rate_limits.consume(request, action="register")


def allow_code_email(request, email: str) -> bool:
    """Consume one sign-in code email to this address; False once the limit is reached."""
    return rate_limits.consume(request, action="register_code", key=normalise_email(email))


def too_many_requests(request):
    """The 429 page, in the page's language, naming no person and no address."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
