"""The security tests run with every gate on, whatever the rest of the suite switches off, and
share a few attacker's helpers: staff with MFA, TOTP codes, a solved proof of work."""

import time

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.models import EmailAddress
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value

STAFF_MIDDLEWARE = "registrations.staff_security.StaffSecurityMiddleware"
# allauth's own key (allauth/account/internal/flows/login.py) naming whose records these are.
RECORDS_USER_KEY = "account_authentication_methods_user"


@pytest.fixture(autouse=True)
def _security_gates_on(settings):
    if STAFF_MIDDLEWARE not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        middleware.insert(middleware.index("django.middleware.clickjacking.XFrameOptionsMiddleware"), STAFF_MIDDLEWARE)
        settings.MIDDLEWARE = middleware
    settings.REGISTRATION_POW_REQUIRED = True
    # One PBKDF2 iteration per attempt: solving in Python stays fast, the protocol is the same.
    settings.REGISTRATION_POW_COST = 1


# allauth checks a TOTP code against the current 30-second period only (no tolerance): a code made
# in the last moments of a period may be checked in the next one.
TOTP_PERIOD_SECONDS = 30
TOTP_MARGIN_SECONDS = 3


def totp_code(secret: str, *, offset: int = 0) -> str:
    """The current TOTP code of `secret` (`offset` periods later), made at least
    `TOTP_MARGIN_SECONDS` before its period ends: closer to the end, it waits for the next period."""
    remaining = TOTP_PERIOD_SECONDS - time.time() % TOTP_PERIOD_SECONDS
    if remaining < TOTP_MARGIN_SECONDS:
        time.sleep(remaining + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // TOTP_PERIOD_SECONDS + offset))


def give_mfa(user) -> tuple[str, list[str]]:
    """Enrol `user` in TOTP (through allauth's own API, so the adapter encrypts the secret) and
    recovery codes; returns the secret and the codes."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    codes = RecoveryCodes.activate(user).get_unused_codes()
    return secret, codes


def verify_email(user) -> None:
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})


def sign_in_with_mfa_used(client, user) -> None:
    """Signed in, with allauth's record of an MFA step in this session (as after the real flow)."""
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "code", "at": time.time(), "email": user.email},
        {"method": "mfa", "at": time.time(), "type": "totp"},
    ]
    session[RECORDS_USER_KEY] = str(user.pk)
    session.save()
