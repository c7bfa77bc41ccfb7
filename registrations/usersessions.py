"""Where a person is signed in: allauth's user-session records, refreshed at most every few minutes.

allauth.usersessions keeps a row per signed-in session: the list on the account's "sessions" page,
and what `registrations.deactivation` ends. With USERSESSIONS_TRACK_ACTIVITY its middleware
rewrites the row (last seen, address pseudonym, browser) on every request of a signed-in person:
a transaction with a SELECT and an UPDATE, so every page a signed-in person opens wrote to the
database. `UserSessionActivityMiddleware` runs allauth's middleware only when the session has no
row yet, or when its row was last seen more than `SEEN_GRANULARITY_SECONDS` ago; otherwise the
request costs one indexed SELECT. The list then shows when a session was last used to within that
granularity, and a new address or browser within it shows on the next refresh.
"""

import datetime as dt

from allauth.usersessions.middleware import UserSessionsMiddleware
from allauth.usersessions.models import UserSession
from django.http import HttpRequest
from django.utils import timezone

SEEN_GRANULARITY_SECONDS = 15 * 60


def is_seen_recently(request: HttpRequest) -> bool:
    """True when the signed-in request's session was recorded as seen within the granularity."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or session is None or not user.is_authenticated or not session.session_key:
        return False  # allauth's middleware does nothing for these
    since = timezone.now() - dt.timedelta(seconds=SEEN_GRANULARITY_SECONDS)
    return UserSession.objects.filter(session_key=session.session_key, last_seen_at__gte=since).exists()


class UserSessionActivityMiddleware:
    """allauth's `UserSessionsMiddleware`, run only when the session's record is missing or stale."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.tracking = UserSessionsMiddleware(get_response)

    def __call__(self, request: HttpRequest):
        if is_seen_recently(request):
            return self.get_response(request)
        return self.tracking(request)
