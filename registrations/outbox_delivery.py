"""Sending the outbox: claim due rows, send each once, retry temporary failures with backoff.

Claiming is one short transaction: due rows are read with `SELECT … FOR UPDATE SKIP LOCKED` on
PostgreSQL (so two workers never pick the same row and never wait for each other), then moved to
"sending" with a random claim token and a lease. The SMTP conversation happens outside any
transaction; afterwards the row is marked sent (or rescheduled, or failed) only if it still
carries this worker's claim token.

After a crash mid-send the lease runs out and another worker sends the row again: delivery is
at-least-once in that one window (between the SMTP server accepting the message and the row
being marked sent), and the retried message carries the same Message-ID, so mail systems can
drop the duplicate. Everywhere else it is exactly once.

On SQLite (development) there is no row locking, but writes are serialised and the claim
`UPDATE … WHERE status = 'pending'` only moves rows nobody else claimed, so a second worker
finds them gone.
"""

import dataclasses
import datetime as dt
import logging
import secrets
import smtplib

from django.conf import settings
from django.core.mail import mailers
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from events.models import Session
from registrations.models import Registration
from registrations.notification_emails import DeliveryBatch, build_outbox_email
from registrations.outbox import plan_automatic_follow_ups, plan_reminders, reminder_offsets, reminder_stale_at
from registrations.outbox_models import OutboxMessage

logger = logging.getLogger(__name__)

Kind = OutboxMessage.Kind
Status = OutboxMessage.Status

DEFAULT_LEASE_SECONDS = 600  # far longer than an SMTP send (timeout 20 s); renewed while a batch is sent
MAX_ATTEMPTS = 5
BACKOFF_FIRST = dt.timedelta(minutes=1)  # then ×4: 1, 4, 16, 64 minutes
BACKOFF_FACTOR = 4
BATCH_SIZE = 100
ERROR_MAX_LENGTH = 1000


@dataclasses.dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    planned: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.skipped


def lease() -> dt.timedelta:
    """How long a claim holds before another worker may take the rows (NOTIFICATIONS_LEASE_SECONDS)."""
    return dt.timedelta(seconds=getattr(settings, "NOTIFICATIONS_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt: 1, 4, 16, 64 minutes."""
    return BACKOFF_FIRST * BACKOFF_FACTOR ** max(attempts - 1, 0)


def claim_due_messages(*, limit: int = BATCH_SIZE, now: dt.datetime | None = None) -> tuple[str, list[OutboxMessage]]:
    """Claim up to `limit` due rows for this worker; returns (claim token, rows with what sending needs)."""
    now = now or timezone.now()
    token = secrets.token_hex(16)
    with transaction.atomic():
        candidates = OutboxMessage.objects.claimable(now).order_by("due_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if not ids:
            return token, []
        OutboxMessage.objects.filter(pk__in=ids).claimable(now).update(
            status=Status.SENDING, claim_token=token, claimed_until=now + lease(), attempts=F("attempts") + 1
        )
    rows = list(
        OutboxMessage.objects.filter(claim_token=token, status=Status.SENDING)
        .select_related(
            "registration", "registration__user", "registration__user__profile", "organiser_message", "certificate"
        )
        .order_by("due_at", "pk")
    )
    return token, rows


def skip_reason(  # noqa: PLR0911 (one return per reason reads best)
    message: OutboxMessage, now: dt.datetime, offsets_cache: dict[int, list[int]]
) -> str:
    """Why a claimed message no longer applies ("" when it should be sent)."""
    registration = message.registration
    session = registration.session
    if message.kind == Kind.CERTIFICATE:
        return "" if message.certificate.is_valid else "certificate_not_valid"
    if message.kind in {Kind.SESSION_UPDATED, Kind.SESSION_CANCELLED}:
        if registration.status == Registration.Status.CANCELLED:
            return "registration_cancelled"
        if message.slot != f"seq{session.sequence}":
            return "superseded"  # a newer change notice carries the current details
        return ""
    if session.is_cancelled:
        return "session_cancelled"
    if registration.status == Registration.Status.CANCELLED:
        return "registration_cancelled"
    if message.kind == Kind.REMINDER:
        if registration.status != Registration.Status.CONFIRMED or session.status != Session.Status.PUBLISHED:
            return "not_confirmed"
        if session.series_id not in offsets_cache:
            offsets_cache[session.series_id] = reminder_offsets(session.series)
        offsets = offsets_cache[session.series_id]
        if now >= reminder_stale_at(session, message.offset_minutes or 0, offsets or [message.offset_minutes or 0]):
            return "too_late"
    return ""


def _is_permanent(error: Exception) -> bool:
    """A refusal that repeating will not change: every recipient rejected with a 5xx code."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)  # noqa: PLR2004 (SMTP permanent codes)
    return False


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH]


def _finish(message: OutboxMessage, token: str, **values) -> None:
    OutboxMessage.objects.filter(pk=message.pk, claim_token=token).update(claimed_until=None, **values)


def _renew_claim(token: str, now: dt.datetime) -> tuple[set[int], dt.datetime]:
    """Extend the lease of the rows this claim still holds; returns their ids and the next renewal time.

    A row whose lease ran out (a slow or hanging SMTP server) may have been claimed by another
    worker meanwhile: it then carries that worker's token and is left to it, never sent twice.
    """
    held = OutboxMessage.objects.filter(claim_token=token, status=Status.SENDING)
    held.update(claimed_until=now + lease())
    return set(held.values_list("pk", flat=True)), now + lease() / 2


def send_claimed(token: str, rows: list[OutboxMessage], *, report: DispatchReport) -> None:
    """Send claimed rows over one mail connection; each row is finished on its own.

    Half-way through the lease, the claim is renewed for the rows not yet sent, and a row another
    worker took over in between is skipped (it is that worker's to send).
    """
    batch = DeliveryBatch.load(rows)
    offsets_cache: dict[int, list[int]] = {}
    alias = getattr(settings, "NOTIFICATIONS_MAILER", "default")
    mailer = mailers[alias]
    held = {message.pk for message in rows}
    renew_at = min((m.claimed_until for m in rows if m.claimed_until), default=timezone.now()) - lease() / 2
    try:
        for message in rows:
            now = timezone.now()
            if now >= renew_at:
                held, renew_at = _renew_claim(token, now)
            if message.pk not in held:
                continue
            reason = skip_reason(message, now, offsets_cache)
            if reason:
                _finish(message, token, status=Status.SKIPPED, skip_reason=reason)
                report.skipped += 1
                continue
            try:
                email = build_outbox_email(message, batch)
                mailer.send_messages([email])
            except Exception as error:
                _record_failure(message, token, error, now=now, report=report)
                mailer.close()  # a broken SMTP session must not fail the next message
                continue
            _finish(message, token, status=Status.SENT, sent_at=now, last_error="")
            report.sent += 1
    finally:
        mailer.close()


def _record_failure(message: OutboxMessage, token: str, error: Exception, *, now, report: DispatchReport) -> None:
    # The row id only: SMTP errors can quote the recipient's address, which is not logged.
    logger.warning("outbox message %s: attempt %s failed (%s)", message.pk, message.attempts, type(error).__name__)
    if _is_permanent(error) or message.attempts >= MAX_ATTEMPTS:
        _finish(message, token, status=Status.FAILED, last_error=_describe(error))
        report.failed += 1
    else:
        _finish(
            message, token, status=Status.PENDING, due_at=now + backoff(message.attempts),
            last_error=_describe(error), claim_token="",
        )
        report.retried += 1


def dispatch_due_messages(
    *, limit: int | None = None, batch_size: int = BATCH_SIZE, plan: bool = True
) -> DispatchReport:
    """Plan what is due (reminders, automatic follow-ups), then send every due message.

    Safe to run in any number of processes at once. Stops when nothing is due, or after `limit`
    messages. Returns what happened.
    """
    report = DispatchReport()
    if plan:
        report.planned = plan_reminders() + plan_automatic_follow_ups()
    while limit is None or report.handled < limit:
        size = batch_size if limit is None else min(batch_size, limit - report.handled)
        token, rows = claim_due_messages(limit=size)
        if not rows:
            break
        send_claimed(token, rows, report=report)
    return report


def retry_message(*, message: OutboxMessage) -> bool:
    """An organiser sends a failed message again: it becomes due now with a fresh set of attempts."""
    return bool(
        OutboxMessage.objects.filter(pk=message.pk, status=Status.FAILED).update(
            status=Status.PENDING, due_at=timezone.now(), attempts=0, claim_token=""
        )
    )
