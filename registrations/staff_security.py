"""Organisers' sessions: MFA required and used, short lifetimes.

`StaffSecurityMiddleware` runs after allauth's middleware, for signed-in staff only:

- Lifetime: a staff session ends after `STAFF_SESSION_IDLE_SECONDS` without a request (30 minutes)
  and `STAFF_SESSION_MAX_SECONDS` after sign-in (8 hours), whatever the activity. The middleware
  signs the person out (the request then goes on as anonymous: the admin sends them to sign in
  again); the session store's own expiry is set to the idle limit as well, so an abandoned
  session also dies in the store and in the cookie.
- The admin (`/<lang>/admin/…`): a staff member without an authenticator (TOTP or WebAuthn) is
  sent to set one up (allauth.mfa, which then shows the recovery codes once); one who has MFA but
  did not use it in this session is sent to allauth's MFA re-authentication and comes back.
  "Used" means allauth recorded method "mfa" in the session's authentication records: the MFA
  step of a sign-in (by code or password) or a re-authentication with MFA.

The admin login itself goes through allauth (config/urls.py wraps it in `secure_admin_login`), so
a POST of a username and password to the old admin login signs nobody in.
"""

import time

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

SESSION_STARTED_KEY = "decoded_staff_session_started"
SESSION_LAST_SEEN_KEY = "decoded_staff_session_last_seen"
# The last-seen stamp is written at most this often, so a burst of admin requests (each
# changelist loads its own scripts and pages) does not rewrite the session row every time.
LAST_SEEN_GRANULARITY_SECONDS = 30
MFA_METHOD = "mfa"
SECOND_FACTOR_TYPES = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def admin_prefixes() -> tuple[str, ...]:
    """The admin's URL prefix in every site language (`/en/admin/`, `/ru/admin/`)."""
    prefixes = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            prefixes.append(reverse("admin:index"))
    return tuple(prefixes)


def is_admin_path(path: str) -> bool:
    return path.startswith(admin_prefixes())


def has_used_mfa(request: HttpRequest) -> bool:
    """Whether the signed-in user passed an MFA step (sign-in or re-authentication) in this session."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == MFA_METHOD for record in records)


def signed_in_at(request: HttpRequest) -> float:
    """When this session was signed in: allauth's first authentication record, else first seen."""
    records = get_authentication_records(request, request.user)
    times = [record["at"] for record in records if isinstance(record.get("at"), int | float)]
    return min(times) if times else time.time()


def is_session_expired(request: HttpRequest, *, now: float) -> bool:
    """True when the staff session was idle too long or is older than the absolute limit."""
    session = request.session
    started = session.get(SESSION_STARTED_KEY)
    last_seen = session.get(SESSION_LAST_SEEN_KEY)
    if started is None or last_seen is None:
        return False
    return now - last_seen > settings.STAFF_SESSION_IDLE_SECONDS or now - started > settings.STAFF_SESSION_MAX_SECONDS


def touch_session(request: HttpRequest, *, now: float) -> None:
    """Record activity; the store's and the cookie's expiry follow the idle limit."""
    session = request.session
    if SESSION_STARTED_KEY not in session:
        session[SESSION_STARTED_KEY] = signed_in_at(request)
    last_seen = session.get(SESSION_LAST_SEEN_KEY)
    if last_seen is None or now - last_seen >= LAST_SEEN_GRANULARITY_SECONDS:
        session[SESSION_LAST_SEEN_KEY] = now
        session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)


def _redirect_with_next(urlname: str, request: HttpRequest) -> HttpResponseRedirect:
    target = reverse(urlname)
    if request.method == "GET":
        target = f"{target}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}"
    return HttpResponseRedirect(target)


class StaffSecurityMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            now = time.time()
            if is_session_expired(request, now=now):
                logout(request)
            else:
                touch_session(request, now=now)
                if is_admin_path(request.path_info):
                    if not is_mfa_enabled(user, SECOND_FACTOR_TYPES):
                        # allauth's setup page; recovery codes are generated with it and shown once.
                        return HttpResponseRedirect(reverse("mfa_activate_totp"))
                    if not has_used_mfa(request):
                        return _redirect_with_next("mfa_reauthenticate", request)
        return self.get_response(request)
