"""Where a person is signed in: allauth's user-session records, refreshed at most every few minutes.

allauth.usersessions keeps a row per signed-in session: the list on the account's "sessions" page,
and what `registrations.deactivation` ends. With USERSESSIONS_TRACK_ACTIVITY its middleware
rewrites the row (last seen, address pseudonym, browser) on every request of a signed-in person:
a transaction with a SELECT and an UPDATE, so every page a signed-in person opens wrote to the
database. `UserSessionActivityMiddleware` runs allauth's middleware only when the session's row
was last written more than `SEEN_GRANULARITY_SECONDS` ago (or never). When the row was written is
noted in the session itself (`SEEN_AT_SESSION_KEY`, at sign-in and at every refresh), so most
requests cost no query at all; a session without the note (signed in before it existed) asks
the row, one indexed SELECT. The list then shows when a session was last used to within that
granularity, and a new address or browser within it shows on the next refresh; a row deleted
while its session lives on (allauth deletes both together) comes back within it too.

Receiver: `note_seen_at_sign_in`, of allauth's `user_logged_in` (every sign-in here goes through
allauth; arguments `sender`, `request`, `user`, `response`, …), connected after allauth's own
receiver, which makes the row. A sign-in outside allauth (Django's `login()` in a shell or a
test) makes no row and no note: the next request makes both.
"""

import datetime as dt
import time

from allauth.account.signals import user_logged_in
from allauth.usersessions.middleware import UserSessionsMiddleware
from allauth.usersessions.models import UserSession
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

SEEN_GRANULARITY_SECONDS = 15 * 60
# Unix time at which this session's row was last written (by allauth, at sign-in or by the
# middleware below).
SEEN_AT_SESSION_KEY = "decoded_usersession_seen_at"


def is_seen_recently(request: HttpRequest) -> bool:
    """True when the signed-in request's session was recorded as seen within the granularity."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or session is None or not user.is_authenticated or not session.session_key:
        return False  # allauth's middleware does nothing for these
    seen_at = session.get(SEEN_AT_SESSION_KEY)
    if isinstance(seen_at, int | float) and not isinstance(seen_at, bool):
        return 0 <= time.time() - seen_at < SEEN_GRANULARITY_SECONDS
    since = timezone.now() - dt.timedelta(seconds=SEEN_GRANULARITY_SECONDS)
    return UserSession.objects.filter(session_key=session.session_key, last_seen_at__gte=since).exists()


def note_seen(request: HttpRequest) -> None:
    """Note in the session that its row was written now (the session is saved with the response)."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SEEN_AT_SESSION_KEY] = time.time()


@receiver(user_logged_in, dispatch_uid="decoded-note-usersession-seen-at-sign-in")
def note_seen_at_sign_in(sender, request=None, **kwargs) -> None:
    """allauth's own `user_logged_in` receiver has just made the session's row: note it."""
    if request is not None:
        note_seen(request)


class UserSessionActivityMiddleware:
    """allauth's `UserSessionsMiddleware`, run only when the session's record is missing or stale."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.tracking = UserSessionsMiddleware(self._note_and_respond)

    def __call__(self, request: HttpRequest):
        if is_seen_recently(request):
            return self.get_response(request)
        return self.tracking(request)

    def _note_and_respond(self, request: HttpRequest):
        # allauth's middleware has just written the row, when somebody is signed in (its conditions).
        if request.user.is_authenticated and request.session.session_key:
            note_seen(request)
        return self.get_response(request)
