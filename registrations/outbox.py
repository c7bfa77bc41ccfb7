"""Planning the outbox: which registrant gets which message, and when.

Every function here only writes `OutboxMessage` rows (and the bookkeeping of
`SessionNotificationSettings`); sending is `registrations.outbox_delivery`'s job. Planning is
idempotent: rows are inserted with the unique key (registration, kind, slot) and conflicts are
ignored, so a worker may plan the same reminders every minute and each exists once.

- Reminders are planned by `plan_reminders()` (run by the dispatcher before each send round) for
  confirmed registrations that were confirmed before the reminder's moment: a person who registers
  after the 24-hour moment gets only the 1-hour reminder.
- Follow-ups: `plan_follow_ups()` when an organiser marks the recording available, or
  `plan_automatic_follow_ups()` a set time after the end (series settings).
- Change notices: `queue_change_notices()` from `registrations.session_changes`.
- Organiser messages: `queue_organiser_message()`.
- Certificate emails: `queue_certificate_email()` from `registrations.certificate_services`, in the
  transaction that issues the certificate, so a certificate never exists without its email.
"""

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from events.models import Series, Session
from registrations.models import AuditEntry, Registration
from registrations.outbox_models import (
    DEFAULT_REMINDER_OFFSETS,
    AnnouncementOptOut,
    OrganiserMessage,
    OutboxMessage,
    SeriesNotificationSettings,
    SessionNotificationSettings,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from registrations.certificate_models import Certificate

Kind = OutboxMessage.Kind
Status = OutboxMessage.Status

BULK_BATCH = 1000
# A session moved by more than this gets its reminders again; a smaller move keeps what was sent.
REPEAT_REMINDERS_AFTER_MOVE = dt.timedelta(days=1)
# Automatic follow-ups are not planned for sessions that ended longer ago than their delay plus
# this (e.g. when the feature is switched on, old sessions must not suddenly get follow-ups).
AUTOMATIC_FOLLOW_UP_WINDOW = dt.timedelta(days=7)
FOLLOW_UP_SLOT = "follow-up"

# Audit actions of this module (registrations.models.AuditEntry.Action could list them).
SESSION_CANCELLED = "session_cancelled"
FOLLOW_UPS_QUEUED = "follow_ups_queued"
ORGANISER_MESSAGE_QUEUED = "organiser_message_queued"
UNSUBSCRIBED = "unsubscribed"


# --- settings --------------------------------------------------------------------------------


def reminder_offsets(series: Series) -> list[int]:
    """The series' reminder offsets in minutes, largest first (defaults: a day and an hour)."""
    row = SeriesNotificationSettings.objects.filter(series=series).first()
    return row.offsets if row else sorted(DEFAULT_REMINDER_OFFSETS, reverse=True)


def follow_up_delay(series: Series) -> dt.timedelta | None:
    row = SeriesNotificationSettings.objects.filter(series=series).first()
    if row is None:
        return dt.timedelta(hours=SeriesNotificationSettings._meta.get_field("follow_up_delay_hours").default)
    return None if row.follow_up_delay_hours is None else dt.timedelta(hours=row.follow_up_delay_hours)


def session_settings(session: Session, *, lock: bool = False) -> SessionNotificationSettings:
    """The session's notification row, created on first use; locked when `lock` (inside a transaction)."""
    row, _created = SessionNotificationSettings.objects.get_or_create(session=session)
    if lock:
        row = SessionNotificationSettings.objects.select_for_update().get(pk=row.pk)
    return row


def reminder_slot(round_: int, offset: int) -> str:
    return f"r{round_}:{offset}"


def reminder_stale_at(session: Session, offset: int, offsets: list[int]) -> dt.datetime:
    """When a reminder no longer makes sense: at the next smaller reminder's moment, or at the start.

    So a worker that was down for a day does not send the 24-hour and the 1-hour reminder at once.
    """
    smaller = [o for o in offsets if o < offset]
    return session.starts_at - dt.timedelta(minutes=max(smaller)) if smaller else session.starts_at


# --- attendance (loosely coupled: the attendance app may not exist yet) ----------------------


def attended_filter() -> Q | None:
    """A filter on Registration for "attended": the counting attendance row has minutes > 0.

    The row that counts is the organiser's manual one when there is one, else any platform row
    (see registrations.attendance.services). None when attendance is not installed: then nobody
    counts as attended, and everyone gets the version for people who could not attend.
    """
    try:
        attendance = apps.get_model("registrations", "Attendance")
    except LookupError:
        return None
    manual = attendance.objects.filter(registration=OuterRef("pk"), source="manual")
    return Exists(manual.filter(minutes__gt=0)) | (
        ~Exists(manual) & Exists(attendance.objects.filter(registration=OuterRef("pk"), minutes__gt=0))
    )


def attended_registration_ids(registration_ids: Iterable[int]) -> set[int]:
    condition = attended_filter()
    if condition is None:
        return set()
    registrations = Registration.objects.filter(pk__in=list(registration_ids)).filter(condition)
    return set(registrations.values_list("pk", flat=True))


# --- inserting rows ------------------------------------------------------------------------------


def _insert(rows: list[OutboxMessage]) -> int:
    """Insert rows, ignoring those whose (registration, kind, slot) exists. Returns the rows offered."""
    for start in range(0, len(rows), BULK_BATCH):
        OutboxMessage.objects.bulk_create(rows[start : start + BULK_BATCH], ignore_conflicts=True)
    return len(rows)


def _not_planned(queryset: QuerySet[Registration], *, kind: str, slot: str) -> QuerySet[Registration]:
    return queryset.exclude(
        Exists(OutboxMessage.objects.filter(registration=OuterRef("pk"), kind=kind, slot=slot))
    )


def _dispatch_after_commit() -> None:
    from registrations.notification_tasks import queue_dispatch  # noqa: PLC0415 (tasks import this module)

    transaction.on_commit(queue_dispatch)


# --- reminders ---------------------------------------------------------------------------------


def plan_reminders(*, now: dt.datetime | None = None) -> int:
    """Plan every missing reminder of upcoming published sessions. Returns how many rows were offered.

    A reminder is planned for each confirmed registration confirmed before its moment, as long as
    the reminder is not stale yet. Reads a handful of queries per session and offset, none per
    registration once everything is planned.
    """
    now = now or timezone.now()
    planned = 0
    sessions = Session.objects.filter(status=Session.Status.PUBLISHED, starts_at__gt=now).select_related("series")
    for session in sessions:
        offsets = reminder_offsets(session.series)
        if not offsets:
            continue
        settings_row = session_settings(session)
        if settings_row.reminders_anchor_at is None:
            SessionNotificationSettings.objects.filter(pk=settings_row.pk, reminders_anchor_at=None).update(
                reminders_anchor_at=session.starts_at
            )
        for offset in offsets:
            if now >= reminder_stale_at(session, offset, offsets):
                continue
            moment = session.starts_at - dt.timedelta(minutes=offset)
            slot = reminder_slot(settings_row.reminder_round, offset)
            candidates = _not_planned(
                Registration.objects.filter(session=session).confirmed().filter(confirmed_at__lte=moment),
                kind=Kind.REMINDER,
                slot=slot,
            ).values_list("pk", flat=True)
            planned += _insert(
                [
                    OutboxMessage(
                        kind=Kind.REMINDER,
                        registration_id=registration_id,
                        session=session,
                        slot=slot,
                        offset_minutes=offset,
                        due_at=moment,
                    )
                    for registration_id in candidates
                ]
            )
    return planned


def replan_reminders(*, session: Session, now: dt.datetime | None = None) -> None:
    """Re-plan a rescheduled session's reminders (call inside the transaction that saved the new time).

    Measured against the start the current reminders were planned for: within a day, waiting
    reminders move to the new moments and those already sent are not repeated; more than a day
    away, the waiting ones are dropped and a new round starts, so every reminder is sent again for
    the new time (planned by the next `plan_reminders()`).
    """
    now = now or timezone.now()
    row = session_settings(session, lock=True)
    waiting = OutboxMessage.objects.filter(session=session, kind=Kind.REMINDER, status=Status.PENDING)
    if row.reminders_anchor_at is not None and abs(session.starts_at - row.reminders_anchor_at) > (
        REPEAT_REMINDERS_AFTER_MOVE
    ):
        waiting.update(status=Status.SKIPPED, skip_reason="rescheduled")
        row.reminder_round += 1
        row.reminders_anchor_at = session.starts_at
        row.save(update_fields=["reminder_round", "reminders_anchor_at"])
        return
    if row.reminders_anchor_at is None:
        row.reminders_anchor_at = session.starts_at
        row.save(update_fields=["reminders_anchor_at"])
    for offset in set(waiting.values_list("offset_minutes", flat=True)):
        waiting.filter(offset_minutes=offset).update(due_at=session.starts_at - dt.timedelta(minutes=offset))


# --- follow-ups --------------------------------------------------------------------------------


def plan_follow_ups(
    *, session: Session, actor: "AbstractBaseUser | None" = None, now: dt.datetime | None = None
) -> int:
    """Queue the after-the-session email for every active registration, due now. Returns how many are new.

    Confirmed and waitlisted registrants get it; whether someone attended is decided when the
    email is rendered, so attendance imported in the meantime still counts. Repeating this adds
    only registrations that have none yet. Does nothing for a cancelled session or before its end.
    Side effects: marks the session's follow-ups queued, audit entry, dispatch after commit.
    """
    now = now or timezone.now()
    if session.is_cancelled or session.ends_at > now:
        return 0
    with transaction.atomic():
        row = session_settings(session, lock=True)
        ids = list(
            _not_planned(
                Registration.objects.filter(session=session).active(), kind=Kind.FOLLOW_UP, slot=FOLLOW_UP_SLOT
            ).values_list("pk", flat=True)
        )
        _insert(
            [
                OutboxMessage(kind=Kind.FOLLOW_UP, registration_id=pk, session=session, slot=FOLLOW_UP_SLOT, due_at=now)
                for pk in ids
            ]
        )
        if row.follow_ups_queued_at is None:
            row.follow_ups_queued_at = now
            row.save(update_fields=["follow_ups_queued_at"])
        AuditEntry.objects.create(action=FOLLOW_UPS_QUEUED, session=session, actor=actor, details={"count": len(ids)})
        _dispatch_after_commit()
    return len(ids)


def plan_automatic_follow_ups(*, now: dt.datetime | None = None) -> int:
    """Queue follow-ups of sessions whose series' delay after the end has passed (once per session)."""
    now = now or timezone.now()
    queued = 0
    # Sessions that ended within the last 60 days; each series' own delay is checked below.
    candidates = (
        Session.objects.filter(
            status=Session.Status.PUBLISHED, ends_at__lte=now, ends_at__gt=now - dt.timedelta(days=60)
        )
        .exclude(notification_settings__follow_ups_queued_at__isnull=False)
        .select_related("series")
    )
    for session in candidates:
        delay = follow_up_delay(session.series)
        if delay is None or not (session.ends_at + delay <= now < session.ends_at + delay + AUTOMATIC_FOLLOW_UP_WINDOW):
            continue
        queued += plan_follow_ups(session=session, now=now)
    return queued


# --- change notices ----------------------------------------------------------------------------


def change_notice_recipients(session: Session) -> QuerySet[Registration]:
    """Who is told about a change of time, platform or a cancellation: confirmed and waitlisted."""
    return Registration.objects.filter(session=session).active()


def queue_change_notices(*, session: Session, now: dt.datetime | None = None) -> int:
    """Queue the "session updated" or "session cancelled" notice of the session's current SEQUENCE.

    Call inside the transaction that raised `Session.sequence`. For a cancelled session, every
    waiting reminder, follow-up and organiser message of the session is dropped as well.
    Returns the number of notices queued. Dispatches after commit.
    """
    now = now or timezone.now()
    kind = Kind.SESSION_CANCELLED if session.is_cancelled else Kind.SESSION_UPDATED
    if session.is_cancelled:
        OutboxMessage.objects.filter(session=session, status=Status.PENDING).exclude(
            kind__in=[Kind.SESSION_UPDATED, Kind.SESSION_CANCELLED]
        ).update(status=Status.SKIPPED, skip_reason="session_cancelled")
    slot = f"seq{session.sequence}"
    ids = list(change_notice_recipients(session).values_list("pk", flat=True))
    _insert(
        [OutboxMessage(kind=kind, registration_id=pk, session=session, slot=slot, due_at=now) for pk in ids]
    )
    _dispatch_after_commit()
    return len(ids)


# --- organiser messages ------------------------------------------------------------------------


def audience_queryset(session: Session, audience: str) -> QuerySet[Registration]:
    """The registrations an organiser message of `audience` goes to, without people who unsubscribed."""
    registrations = Registration.objects.filter(session=session)
    match audience:
        case OrganiserMessage.Audience.CONFIRMED:
            registrations = registrations.confirmed()
        case OrganiserMessage.Audience.WAITLISTED:
            registrations = registrations.waitlisted()
        case OrganiserMessage.Audience.ATTENDED | OrganiserMessage.Audience.NOT_ATTENDED:
            registrations = registrations.confirmed()
            condition = attended_filter()
            if condition is None:
                if audience == OrganiserMessage.Audience.ATTENDED:
                    registrations = registrations.none()
            else:
                registrations = registrations.filter(
                    condition if audience == OrganiserMessage.Audience.ATTENDED else ~condition
                )
        case _:
            raise ValueError(audience)
    return registrations.exclude(Exists(AnnouncementOptOut.objects.filter(user=OuterRef("user"))))


def queue_organiser_message(
    *, message: OrganiserMessage, actor: "AbstractBaseUser | None", now: dt.datetime | None = None
) -> int:
    """Send a saved organiser message to its audience (through the outbox). Returns the recipients.

    Sending the same message twice adds nobody: each registration gets it once. Side effects:
    records when and to how many it was sent, audit entry, dispatch after commit.
    """
    now = now or timezone.now()
    with transaction.atomic():
        message = OrganiserMessage.objects.select_for_update().get(pk=message.pk)
        slot = f"m{message.pk}"
        ids = list(
            _not_planned(
                audience_queryset(message.session, message.audience), kind=Kind.ORGANISER_MESSAGE, slot=slot
            ).values_list("pk", flat=True)
        )
        _insert(
            [
                OutboxMessage(
                    kind=Kind.ORGANISER_MESSAGE,
                    registration_id=pk,
                    session_id=message.session_id,
                    organiser_message=message,
                    slot=slot,
                    due_at=now,
                )
                for pk in ids
            ]
        )
        message.queued_at = message.queued_at or now
        message.recipient_count += len(ids)
        message.save(update_fields=["queued_at", "recipient_count"])
        AuditEntry.objects.create(
            action=ORGANISER_MESSAGE_QUEUED,
            session_id=message.session_id,
            actor=actor,
            details={"message": message.pk, "audience": message.audience, "count": len(ids)},
        )
        _dispatch_after_commit()
    return len(ids)


# --- certificate emails ------------------------------------------------------------------------


def queue_certificate_email(*, certificate: "Certificate", now: dt.datetime | None = None) -> None:
    """Queue the "your certificate is ready" email of a new certificate (call inside its transaction).

    Sent by the outbox like every other email: once, retried after SMTP failures, skipped if the
    certificate is no longer valid when its turn comes. Dispatches after commit.
    """
    queue_certificate_emails(certificates=[certificate], now=now)


def queue_certificate_emails(*, certificates: "list[Certificate]", now: dt.datetime | None = None) -> None:
    """`queue_certificate_email()` for several new certificates: one insert, one dispatch after commit."""
    due_at = now or timezone.now()
    _insert(
        [
            OutboxMessage(
                kind=Kind.CERTIFICATE,
                registration=certificate.registration,
                session_id=certificate.registration.session_id,
                certificate=certificate,
                slot=f"c{certificate.pk}",
                due_at=due_at,
            )
            for certificate in certificates
        ]
    )
    if certificates:
        _dispatch_after_commit()


# --- unsubscribing -----------------------------------------------------------------------------


def unsubscribe(*, registration: Registration, now: dt.datetime | None = None) -> bool:
    """One-click unsubscribe: no more announcements or organiser messages for this person.

    Withdraws `announcements_consent` on all the person's registrations, records when (an
    `AnnouncementOptOut`), drops their waiting organiser messages and writes an audit entry.
    Reminders and change notices still come: they are part of the place they hold. Returns False
    when the person had already unsubscribed (then nothing changes).
    """
    now = now or timezone.now()
    with transaction.atomic():
        _row, created = AnnouncementOptOut.objects.get_or_create(
            user_id=registration.user_id, defaults={"registration": registration}
        )
        if not created:
            return False
        Registration.objects.filter(user_id=registration.user_id, announcements_consent=True).update(
            announcements_consent=False
        )
        OutboxMessage.objects.filter(
            registration__user_id=registration.user_id, kind=Kind.ORGANISER_MESSAGE, status=Status.PENDING
        ).update(status=Status.SKIPPED, skip_reason="unsubscribed")
        AuditEntry.objects.create(
            action=UNSUBSCRIBED, registration=registration, session_id=registration.session_id, actor=None,
            details={"at": now.isoformat()},
        )
    return True
