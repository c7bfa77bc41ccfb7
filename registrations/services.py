"""Registration workflows: the only code that changes a registration's state.

Every function is atomic, locks the session row while it counts places (so capacity holds under
concurrent requests on PostgreSQL), writes an `AuditEntry`, adjusts the dashboard's counts
(`registrations.report_tallies`) and queues its emails with `transaction.on_commit`, so nothing is
sent for a change that was rolled back.
"""

import dataclasses
import datetime as dt
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from events.models import Session
from registrations import tokens
from registrations.models import AuditEntry, Profile, Registration
from registrations.report_tallies import count_new_registration, count_status_change
from registrations.rules import CLOSED_MESSAGES, RegistrationState, promotion_deadline, registration_state

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class RegistrationClosedError(Exception):
    """The session takes no registrations now; `state` says why, `message` says it to a person."""

    def __init__(self, state: RegistrationState) -> None:
        self.state = state
        self.message = CLOSED_MESSAGES[state]
        super().__init__(str(self.message))


@dataclasses.dataclass(frozen=True)
class AttendeeDetails:
    full_name: str
    organisation: str
    profession: str
    country: str
    language: str
    announcements_consent: bool
    privacy_notice_version: str


@dataclasses.dataclass(frozen=True)
class RegistrationOutcome:
    registration: Registration
    created: bool  # False when the person already had an active registration (a repeated POST)


def _lock_session(session: Session) -> Session:
    queryset = Session.objects.all()
    if settings.REGISTRATION_LOCK_SESSION_ROW:
        queryset = queryset.select_for_update()
    return queryset.get(pk=session.pk)


def _has_free_place(session: Session) -> bool:
    if session.capacity is None:
        return True
    return Registration.objects.filter(session=session).confirmed().count() < session.capacity


def _queue_email(registration: Registration, kind: str) -> None:
    from registrations.tasks import send_registration_email  # noqa: PLC0415 (tasks import services' models)

    registration_id = registration.pk
    transaction.on_commit(lambda: send_registration_email.enqueue(registration_id=registration_id, kind=kind))


def _audit(*, action: str, registration: Registration, actor, **details) -> None:
    AuditEntry.objects.create(
        action=action, registration=registration, session_id=registration.session_id, actor=actor, details=details
    )


def save_profile_details(*, user: "AbstractBaseUser", details: AttendeeDetails) -> Profile:
    """Remember the answers on the person's profile so the next registration is one click."""
    profile, _created = Profile.objects.get_or_create(user=user)
    profile.full_name = details.full_name
    profile.organisation = details.organisation
    profile.profession = details.profession
    profile.country = details.country
    profile.language = details.language
    profile.full_clean()
    profile.save()
    return profile


def register_attendee(
    *,
    session: Session,
    user: "AbstractBaseUser",
    details: AttendeeDetails,
    now: dt.datetime | None = None,
) -> RegistrationOutcome:
    """Give `user` a place in `session`: confirmed while places remain, otherwise waitlisted.

    Raises RegistrationClosedError when the session takes no registrations. A person who already
    holds an active registration gets it back unchanged (`created=False`) and no second email.
    Side effects: saves the answers on the profile, writes an audit entry, and after commit queues
    the confirmation or waitlist email (with the calendar invite, for a confirmed place).
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_session(session)
        state = registration_state(locked, now)
        if state != RegistrationState.OPEN:
            raise RegistrationClosedError(state)
        existing = Registration.objects.active().filter(session=locked, user=user).first()
        if existing is not None:
            return RegistrationOutcome(registration=existing, created=False)

        confirmed = _has_free_place(locked)
        registration = Registration(
            session=locked,
            user=user,
            status=Registration.Status.CONFIRMED if confirmed else Registration.Status.WAITLISTED,
            full_name=details.full_name,
            organisation=details.organisation,
            profession=details.profession,
            country=details.country,
            language=details.language,
            privacy_notice_version=details.privacy_notice_version,
            privacy_consent_at=now,
            announcements_consent=details.announcements_consent,
            announcements_consent_at=now if details.announcements_consent else None,
            confirmed_at=now if confirmed else None,
            waitlisted_at=None if confirmed else now,
        )
        registration.join_token_hash = tokens.digest(registration.join_token)
        registration.full_clean(exclude=["session", "user"])
        try:
            with transaction.atomic():
                registration.save()
        except IntegrityError:
            # A concurrent request of the same person won (only possible without the row lock,
            # e.g. on SQLite): theirs is the registration.
            existing = Registration.objects.active().get(session=locked, user=user)
            return RegistrationOutcome(registration=existing, created=False)
        count_new_registration(registration)

        save_profile_details(user=user, details=details)
        _audit(
            action=AuditEntry.Action.REGISTERED if confirmed else AuditEntry.Action.WAITLISTED,
            registration=registration,
            actor=user,
        )
        _queue_email(registration, "confirmed" if confirmed else "waitlisted")
    return RegistrationOutcome(registration=registration, created=True)


def cancel_registration(
    *, registration: Registration, actor: "AbstractBaseUser | None", now: dt.datetime | None = None
) -> Registration:
    """Cancel a confirmed or waitlisted registration (by its owner or an organiser).

    Revokes its join and cancel links, frees the place and, when it was a confirmed place, offers
    it to the first person on the waitlist (unless the promotion deadline has passed). Cancelling a
    cancelled registration changes nothing. Side effects: audit entry; after commit, the
    cancellation email (with the calendar cancellation) and any promotion email.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked_session = _lock_session(registration.session)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if not registration.is_active:
            return registration
        previous = registration.status
        was_confirmed = previous == Registration.Status.CONFIRMED
        registration.status = Registration.Status.CANCELLED
        registration.cancelled_at = now
        registration.join_token_hash = None
        registration.token_salt = secrets.token_hex(16)
        registration.save(update_fields=["status", "cancelled_at", "join_token_hash", "token_salt"])
        count_status_change(registration, previous=previous)
        _audit(
            action=AuditEntry.Action.CANCELLED,
            registration=registration,
            actor=actor,
            by_organiser=actor is not None and actor.pk != registration.user_id,
            was_confirmed=was_confirmed,
        )
        _queue_email(registration, "cancelled")
        if was_confirmed:
            _promote(locked_session, actor=None, now=now)
    return registration


def promote_from_waitlist(
    *, session: Session, actor: "AbstractBaseUser | None" = None, now: dt.datetime | None = None
) -> list[Registration]:
    """Fill free places from the waitlist, first come first served (e.g. after a capacity raise).

    Does nothing after the promotion deadline or when the session takes no registrations.
    Returns the promoted registrations. Side effects: an audit entry and a "you have a place"
    email (with the calendar invite) per promoted person.
    """
    now = now or timezone.now()
    with transaction.atomic():
        return _promote(_lock_session(session), actor=actor, now=now)


def promote_registration(
    *, registration: Registration, actor: "AbstractBaseUser", now: dt.datetime | None = None
) -> Registration:
    """An organiser gives a waitlisted person a place, even beyond capacity (their decision).

    Nothing changes for a registration that is not waitlisted, or when the session is cancelled or
    has started (a place there is worth nothing). Side effects: audit entry and the promotion email
    after commit.
    """
    now = now or timezone.now()
    with transaction.atomic():
        session = _lock_session(registration.session)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status != Registration.Status.WAITLISTED:
            return registration
        if registration_state(session, now) in {RegistrationState.CANCELLED, RegistrationState.STARTED}:
            return registration
        _confirm(registration, actor=actor, now=now, by_organiser=True)
    return registration


def _promote(session: Session, *, actor, now: dt.datetime) -> list[Registration]:
    if registration_state(session, now) not in {RegistrationState.OPEN, RegistrationState.CLOSED}:
        return []
    if now >= promotion_deadline(session):
        return []
    waiting = Registration.objects.filter(session=session).waiting_order().select_for_update()
    if session.capacity is None:
        candidates = list(waiting)
    else:
        free = session.capacity - Registration.objects.filter(session=session).confirmed().count()
        candidates = list(waiting[: max(free, 0)])
    for registration in candidates:
        _confirm(registration, actor=actor, now=now, by_organiser=False)
    return candidates


def _confirm(registration: Registration, *, actor, now: dt.datetime, by_organiser: bool) -> None:
    previous = registration.status
    registration.status = Registration.Status.CONFIRMED
    registration.confirmed_at = now
    registration.save(update_fields=["status", "confirmed_at"])
    count_status_change(registration, previous=previous)
    _audit(action=AuditEntry.Action.PROMOTED, registration=registration, actor=actor, by_organiser=by_organiser)
    _queue_email(registration, "promoted")


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first in line; None unless waitlisted."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    ahead = (
        Registration.objects.filter(session_id=registration.session_id)
        .waitlisted()
        .filter(waitlisted_at__lt=registration.waitlisted_at)
        .count()
    )
    return ahead + 1


def find_by_join_token(token: str) -> Registration | None:
    """The registration a join link belongs to, or None (unknown, malformed or revoked)."""
    if not tokens.is_well_formed(token):
        return None
    return (
        Registration.objects.select_related("session", "session__series")
        .filter(join_token_hash=tokens.digest(token))
        .first()
    )


def record_export(*, session: Session, actor: "AbstractBaseUser", row_count: int) -> None:
    """Audit an organiser's CSV export of a session's registrations (never the data itself)."""
    AuditEntry.objects.create(
        action=AuditEntry.Action.EXPORTED, session=session, actor=actor, details={"rows": row_count}
    )
