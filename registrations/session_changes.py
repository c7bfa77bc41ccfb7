"""Telling registrants that a session changed: new calendar SEQUENCE, updated invites, cancellations.

The admin calls `notify_session_changed` after saving a session, with the names of the fields that
changed. Only changes a calendar entry depends on count (time, zone, status, join details): they
raise `Session.sequence` and queue, through the outbox (registrations/outbox.py), a notice to every
confirmed and waitlisted registrant: confirmed ones get a new REQUEST (same UID, higher SEQUENCE)
or, when the session is cancelled, a CANCEL; waitlisted ones the news without an invite (they have
no calendar entry). Each in the registrant's language. A moved session's reminders are re-planned.

`cancel_session` is the one path to cancel a session; `preview_session_change` tells organisers
who would be told before they save.
"""

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone, translation
from django.utils.translation import gettext

from events.models import Session
from registrations import emails
from registrations.invites import CalendarEmailMessage, build_calendar_invite
from registrations.models import AuditEntry, Registration

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# The fields a calendar entry depends on. A join URL change alters no invite text (invites carry
# the personal /j/ link), but the issue asks for a new SEQUENCE so calendars show "updated".
CALENDAR_FIELDS = frozenset({"starts_at", "ends_at", "timezone", "status", "join_url"})


def notify_session_changed(*, session: Session, changed: set[str], now: dt.datetime | None = None) -> int | None:
    """Raise the session's SEQUENCE and queue change notices when `changed` matters to calendars.

    Returns the new sequence, or None when nothing calendar-relevant changed (then nothing is
    written or sent). Atomic: the increment is a single `F()` update, safe against concurrent
    saves. Side effects: re-plans the reminders when the start moved (`outbox.replan_reminders`);
    for a public session, one outbox notice per confirmed and waitlisted registrant, slot
    "seq<sequence>" (a notice whose sequence is no longer current is skipped when its turn comes:
    the newer one carries the current details); for a cancelled session, the waiting reminders,
    follow-ups and organiser messages are dropped. Nothing is sent for a draft.
    """
    from registrations import outbox  # noqa: PLC0415 (outbox imports the email builders here)

    if not set(changed) & CALENDAR_FIELDS:
        return None
    with transaction.atomic():
        Session.objects.filter(pk=session.pk).update(sequence=F("sequence") + 1, updated_at=timezone.now())
        session.refresh_from_db(fields=["sequence", "updated_at", "status"])
        if "starts_at" in changed:
            outbox.replan_reminders(session=session, now=now)
        if session.is_public:
            outbox.queue_change_notices(session=session, now=now)
    return session.sequence


@dataclasses.dataclass(frozen=True)
class ChangePreview:
    """Who a change would be told to, for the organisers' confirmation page."""

    confirmed: int
    waitlisted: int
    by_language: dict[str, int]
    sample: list[Registration]

    @property
    def total(self) -> int:
        return self.confirmed + self.waitlisted


PREVIEW_SAMPLE = 20


def preview_session_change(*, session: Session) -> ChangePreview:
    """Counts (by status and language) and the first registrants a change notice would reach."""
    registrations = Registration.objects.filter(session=session).active()
    by_status = dict(registrations.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    by_language = dict(registrations.values_list("language").annotate(n=Count("pk")).values_list("language", "n"))
    sample = list(registrations.select_related("user").order_by("created_at", "pk")[:PREVIEW_SAMPLE])
    return ChangePreview(
        confirmed=by_status.get(Registration.Status.CONFIRMED, 0),
        waitlisted=by_status.get(Registration.Status.WAITLISTED, 0),
        by_language=by_language,
        sample=sample,
    )


def cancel_session(
    *, session: Session, actor: "AbstractBaseUser | None", note: str = "", note_ru: str = "",
    now: dt.datetime | None = None,
) -> int:
    """Cancel a published session and tell every confirmed and waitlisted registrant.

    `note` (and its Russian version) becomes the session's cancellation note, shown on its page
    and in the notice. Raises `ValidationError` unless the session is published. Registrations
    stay as they are (the history of who registered is kept). Side effects: status, note and
    SEQUENCE saved atomically, audit entry, waiting reminders/follow-ups/organiser messages
    dropped, one "session cancelled" notice per active registration (CANCEL invite for confirmed
    places). Returns the number of people told.
    """
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if locked.status != Session.Status.PUBLISHED:
            raise ValidationError(gettext("Only a published session can be cancelled."), code="not_published")
        locked.status = Session.Status.CANCELLED
        fields = ["status", "updated_at"]
        if note:
            locked.cancellation_note_en = note
            fields.append("cancellation_note_en")
        if note_ru:
            locked.cancellation_note_ru = note_ru
            fields.append("cancellation_note_ru")
        locked.save(update_fields=fields)
        notify_session_changed(session=locked, changed={"status"}, now=now)
        told = Registration.objects.filter(session=locked).active().count()
        AuditEntry.objects.create(
            action="session_cancelled", session=locked, actor=actor, details={"told": told}
        )
    session.refresh_from_db()
    return told


def session_change_kind(session: Session) -> str:
    return "session_cancelled" if session.is_cancelled else "session_updated"


def build_session_change_email(*, registration: Registration, now: dt.datetime | None = None) -> CalendarEmailMessage:
    """The "session updated" or "session cancelled" email with its invite, in the registrant's language."""
    session = registration.session
    kind = session_change_kind(session)
    with translation.override(registration.language):
        context = {**emails.base_context(registration), **emails.place_links(registration)}
        subject, text, html = emails.render_parts(f"calendar/emails/{kind}", context)
    message = emails.new_message(registration=registration, subject=subject, text=text, html=html)
    if registration.status == Registration.Status.CONFIRMED:
        # A waitlisted person has no calendar entry to update or remove.
        message.attach_calendar(build_calendar_invite(registration, kind, now=now))
    return message


def send_session_change_email(*, registration: Registration) -> None:
    build_session_change_email(registration=registration).send()


