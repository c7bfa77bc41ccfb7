"""When a session takes registrations: one place for the window rules, used by the services,
the views and the templates alike."""

import datetime as dt
import enum

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Session


class RegistrationState(enum.StrEnum):
    OPEN = "open"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"
    STARTED = "started"
    CANCELLED = "cancelled"
    UNAVAILABLE = "unavailable"  # a draft: not public at all


CLOSED_MESSAGES = {
    RegistrationState.NOT_YET_OPEN: _("Registration has not opened yet."),
    RegistrationState.CLOSED: _("Registration for this session has closed."),
    RegistrationState.STARTED: _("This session has already started, so registration is closed."),
    RegistrationState.CANCELLED: _("This session has been cancelled, so it takes no registrations."),
    RegistrationState.UNAVAILABLE: _("This session is not open for registration."),
}


def registration_state(session: Session, now: dt.datetime | None = None) -> RegistrationState:
    now = now or timezone.now()
    if session.status == Session.Status.CANCELLED:
        return RegistrationState.CANCELLED
    if session.status != Session.Status.PUBLISHED:
        return RegistrationState.UNAVAILABLE
    if now >= session.starts_at:
        return RegistrationState.STARTED
    if session.registration_opens_at and now < session.registration_opens_at:
        return RegistrationState.NOT_YET_OPEN
    if session.registration_closes_at and now >= session.registration_closes_at:
        return RegistrationState.CLOSED
    return RegistrationState.OPEN


def promotion_deadline(session: Session) -> dt.datetime:
    """After this moment the waitlist no longer moves up: a place freed this late stays free."""
    return session.starts_at - dt.timedelta(minutes=settings.REGISTRATION_PROMOTION_CUTOFF_MINUTES)


def join_window(session: Session) -> tuple[dt.datetime, dt.datetime]:
    return session.starts_at - dt.timedelta(minutes=settings.JOIN_WINDOW_OPENS_MINUTES), session.ends_at
