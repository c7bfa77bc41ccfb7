"""Registration workflows: the only code that changes a registration's state.

Every function is atomic, locks the session row while it counts places (so capacity holds under
concurrent requests on PostgreSQL), writes an `AuditEntry`, adjusts the dashboard's counts
(`registrations.report_tallies`) and queues its emails in the same transaction
(`registrations.task_queue`), so nothing is sent for a change that was rolled back and no change
commits without its email.
"""

import dataclasses
import datetime as dt
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_countries import countries

from events.compiled_queries import CompiledQuery
from events.models import Session
from registrations import tokens
from registrations.models import AuditEntry, Profile, Registration
from registrations.report_tallies import count_new_registration, count_status_change, tallied_registrations
from registrations.rules import CLOSED_MESSAGES, RegistrationState, promotion_deadline, registration_state
from registrations.task_queue import enqueue_with_transaction

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
    # A new waitlisted registration's place in line, counted under the lock with the decision
    # (what `waitlist_position()` would say at the commit); None otherwise.
    waitlist_position: int | None = None


# What the rules read of a locked session (`Session.registration_state`, capacity, promotion
# deadline): the lock query fetches only these, not the translated texts.
LOCKED_SESSION_FIELDS = (
    "status",
    "starts_at",
    "ends_at",
    "registration_opens_at",
    "registration_closes_at",
    "capacity",
)


# Built once per process (events/compiled_queries.py); `lock` is the statement's shape, so the test
# that switches the lock off gets its own.
_LOCKED_SESSION = CompiledQuery(
    lambda session_id, lock: (
        (Session.objects.select_for_update() if lock else Session.objects)
        .only(*LOCKED_SESSION_FIELDS)
        .filter(pk=session_id)
        .order_by()
    ),
    session_id=int,
)


def _lock_session(session: Session) -> Session:
    """The session's row read again and locked until the transaction ends (unless the lock is
    switched off), with the fields the rules read.

    Every state change runs it, under the lock: a compiled query, as Manager.raw() (which it
    replaced) cost 0.16 ms of CPU more per call in column mapping (measured, 1,000 calls), and
    the ORM's only()/select_for_update()/get() more again. On databases without row locks
    (SQLite, which locks the whole database on write) Django leaves FOR UPDATE out.
    """
    locked = _LOCKED_SESSION.first(session_id=session.pk, lock=settings.REGISTRATION_LOCK_SESSION_ROW)
    if locked is None:
        raise Session.DoesNotExist
    return locked


def _count_places(session_id: int, *, waitlisted_before: dt.datetime | None = None) -> tuple[int, int]:
    """The session's confirmed registrations that this transaction sees, and (with
    `waitlisted_before`) its waitlisted ones waitlisted before that moment (0 without it).

    Written out: a registration counts twice (see `register_attendee`), and the ORM's count()
    cost about 0.3 ms of CPU more each time (measured); the second figure, the new registration's
    place in line, comes with the count that decides instead of a query after the commit. Same
    statement on PostgreSQL and SQLite."""
    meta = Registration._meta
    quote = connection.ops.quote_name
    table, session = quote(meta.db_table), quote(meta.get_field("session").column)
    status, waitlisted_at = quote(meta.get_field("status").column), quote(meta.get_field("waitlisted_at").column)
    confirmed, waitlisted = Registration.Status.CONFIRMED.value, Registration.Status.WAITLISTED.value
    if waitlisted_before is None:
        sql = f"SELECT COUNT(*), 0 FROM {table} WHERE {session} = %s AND {status} = %s"  # noqa: S608 (names)
        params = [session_id, confirmed]
    else:
        sql = (
            f"SELECT COALESCE(SUM(CASE WHEN {status} = %s THEN 1 ELSE 0 END), 0), "  # noqa: S608 (names, not values)
            f"COALESCE(SUM(CASE WHEN {status} = %s AND {waitlisted_at} < %s THEN 1 ELSE 0 END), 0) "
            f"FROM {table} WHERE {session} = %s AND {status} IN (%s, %s)"
        )
        moment = connection.ops.adapt_datetimefield_value(waitlisted_before)  # as the column stores it
        params = [confirmed, waitlisted, moment, session_id, confirmed, waitlisted]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        count, ahead = cursor.fetchone()
    return count, ahead


def _predict_confirmed(session_id: int) -> int:
    """The session's confirmed places for the prediction before the lock: its dashboard tally
    (one indexed row, kept in the same transactions as the registrations), not a count of the
    rows, which grows with them (1,000 index entries and their heap rows in a full rush, twice per
    registration with the decisive count). A stale tally costs a second write, never a place:
    the decision under the lock counts the rows."""
    return tallied_registrations(session_id, Registration.Status.CONFIRMED.value)


class _MispredictedError(Exception):
    """The place decision under the lock differs from the one predicted before it."""


def _queue_email(registration: Registration, kind: str) -> None:
    from registrations.tasks import send_registration_email  # noqa: PLC0415 (tasks import services' models)

    # In this transaction: a registration never commits without its email (registrations/task_queue.py).
    enqueue_with_transaction(send_registration_email, registration_id=registration.pk, kind=kind)


def _audit(*, action: str, registration: Registration, actor, **details) -> None:
    AuditEntry.objects.create(
        action=action, registration=registration, session_id=registration.session_id, actor=actor, details=details
    )


def _full_clean(instance: Registration | Profile, *, exclude: list[str], **options) -> None:
    """`full_clean()`, with the country code looked up in django-countries' table instead of
    Django's choice check, which walks all 250 countries (about 1 ms a field, measured)."""
    instance.full_clean(exclude=[*exclude, "country"], **options)
    code = instance.country.code
    if code and countries.alpha2(code) != code:
        field = instance._meta.get_field("country")
        raise ValidationError(
            {"country": ValidationError(field.error_messages["invalid_choice"], "invalid_choice", {"value": code})}
        )


PROFILE_ANSWER_FIELDS = ["full_name", "organisation", "profession", "country", "language"]


def save_profile_details(*, user: "AbstractBaseUser", details: AttendeeDetails) -> None:
    """Remember the answers on the person's profile so the next registration is one click.

    One statement: an insert, or an update of the answers of the existing profile (its time zone,
    set on the account page only, is kept).
    """
    profile = Profile(
        user=user,
        full_name=details.full_name,
        organisation=details.organisation,
        profession=details.profession,
        country=details.country,
        language=details.language,
    )
    # The user is the caller's and the upsert below is keyed on it: nothing to look up first.
    _full_clean(profile, exclude=["user"], validate_unique=False)
    Profile.objects.bulk_create(
        [profile], update_conflicts=True, unique_fields=["user"], update_fields=PROFILE_ANSWER_FIELDS
    )


def register_attendee(
    *,
    session: Session,
    user: "AbstractBaseUser",
    details: AttendeeDetails,
    now: dt.datetime | None = None,
    confirmed_estimate: int | None = None,
) -> RegistrationOutcome:
    """Give `user` a place in `session`: confirmed while places remain, otherwise waitlisted.

    Raises RegistrationClosedError when the session takes no registrations. A person who already
    holds an active registration gets it back unchanged (`created=False`) and no second email.
    Side effects: saves the answers on the profile, writes an audit entry, and queues the
    confirmation or waitlist email (with the calendar invite, for a confirmed place), sent after commit.

    The session row stays locked from the count to the commit, and every registration of the
    session waits for it: so it is taken last. The profile, the registration, its audit entry and
    its email are written first, as the outcome the tally predicts; the lock, the count that
    decides, the tallies and the commit follow. When the decision differs from the prediction (a
    place freed or taken meanwhile: near the last place, or after a cancellation) the transaction
    is rolled back and run again in the plain order, locked first. No savepoint: it would cost two
    statements on every registration (one of them under the lock) to spare the rare retry one.
    `confirmed_estimate` is the session's confirmed tally when the caller read it with the session
    row (the register view does); it only shapes the prediction, and when None it is read here.
    """
    now = now or timezone.now()
    registration = Registration(
        session=session,
        user=user,
        status=Registration.Status.CONFIRMED,  # or waitlisted: see _write_registration()
        full_name=details.full_name,
        organisation=details.organisation,
        profession=details.profession,
        country=details.country,
        language=details.language,
        privacy_notice_version=details.privacy_notice_version,
        privacy_consent_at=now,
        announcements_consent=details.announcements_consent,
        announcements_consent_at=now if details.announcements_consent else None,
    )
    registration.join_token_hash = tokens.digest(registration.join_token)
    # The database enforces the uniques (random ids and tokens; one active registration per person,
    # see below) and the status check: asking it first would only add queries.
    _full_clean(registration, exclude=["session", "user"], validate_unique=False, validate_constraints=False)
    try:
        try:
            with transaction.atomic():
                save_profile_details(user=user, details=details)
                predicted = session.capacity is None or (
                    _predict_confirmed(session.pk) if confirmed_estimate is None else confirmed_estimate
                ) < session.capacity
                _write_registration(registration, confirmed=predicted, now=now)
                confirmed, ahead = _decide_locked(session, now, counting_self=predicted)
                if confirmed != predicted:
                    raise _MispredictedError
                count_new_registration(registration)
        except _MispredictedError:
            # All of it rolled back (the row lock with it): again in the plain order, locked first.
            registration.pk, registration._state.adding = None, True
            with transaction.atomic():
                save_profile_details(user=user, details=details)
                confirmed, ahead = _decide_locked(session, now, counting_self=False)
                _write_registration(registration, confirmed=confirmed, now=now)
                count_new_registration(registration)
    except IntegrityError:
        # The person already holds an active registration (a repeated POST, or a concurrent one
        # that won): the constraint refused the second, and everything above was rolled back.
        existing = Registration.objects.active().filter(session=session, user=user).first()
        if existing is None:
            raise
        return RegistrationOutcome(registration=existing, created=False)
    return RegistrationOutcome(
        registration=registration, created=True, waitlist_position=None if confirmed else ahead + 1
    )


def _decide_locked(session: Session, now: dt.datetime, *, counting_self: bool) -> tuple[bool, int]:
    """Lock the session row; whether the new registration has a place, and how many people
    waitlisted before `now` are ahead of it (raises RegistrationClosedError when the session
    takes no registrations). `counting_self`: the new registration is already written as
    confirmed in this transaction, so the count includes it."""
    locked = _lock_session(session)
    state = registration_state(locked, now)
    if state != RegistrationState.OPEN:
        raise RegistrationClosedError(state)
    if locked.capacity is None:
        return True, 0
    confirmed, ahead = _count_places(locked.pk, waitlisted_before=now)
    return confirmed - (1 if counting_self else 0) < locked.capacity, ahead


def _write_registration(registration: Registration, *, confirmed: bool, now: dt.datetime) -> None:
    """Insert the new registration with its outcome, its audit entry and its email."""
    if confirmed:
        registration.status, registration.confirmed_at, registration.waitlisted_at = (
            Registration.Status.CONFIRMED,
            now,
            None,
        )
    else:
        registration.status, registration.confirmed_at, registration.waitlisted_at = (
            Registration.Status.WAITLISTED,
            None,
            now,
        )
    registration.save()
    _audit(
        action=AuditEntry.Action.REGISTERED if confirmed else AuditEntry.Action.WAITLISTED,
        registration=registration,
        actor=registration.user,
    )
    _queue_email(registration, "confirmed" if confirmed else "waitlisted")


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
