"""Registration rules around a session: what to say when it takes no registrations, when the
waitlist stops moving, when join links open. The window itself is `Session.registration_state`."""

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from events.models import RegistrationState, Session

CLOSED_MESSAGES = {
    RegistrationState.NOT_YET_OPEN: _("Registration has not opened yet."),
    RegistrationState.CLOSED: _("Registration for this session has closed."),
    RegistrationState.STARTED: _("This session has already started, so registration is closed."),
    RegistrationState.CANCELLED: _("This session has been cancelled, so it takes no registrations."),
    RegistrationState.UNAVAILABLE: _("This session is not open for registration."),
}


def registration_state(session: Session, now: dt.datetime | None = None) -> RegistrationState:
    return session.registration_state(now)


def promotion_deadline(session: Session) -> dt.datetime:
    """After this moment the waitlist no longer moves up: a place freed this late stays free."""
    return session.starts_at - dt.timedelta(minutes=settings.REGISTRATION_PROMOTION_CUTOFF_MINUTES)


def join_window(session: Session) -> tuple[dt.datetime, dt.datetime]:
    return session.starts_at - dt.timedelta(minutes=settings.JOIN_WINDOW_OPENS_MINUTES), session.ends_at
