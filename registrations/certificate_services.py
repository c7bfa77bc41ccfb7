"""Certificate workflows: the only code that issues, revokes or replaces a certificate.

Every function is atomic, locks the registration row, writes an `AuditEntry` (ids and counts,
never names) and queues the "your certificate is ready" email in the outbox, in the same
transaction (sent after commit).
The database allows one valid certificate per registration, so issuing twice (a repeated admin
action, two workers on the same batch) never makes a duplicate.
"""

import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from events.models import Session
from registrations.attendance.services import attended_minutes, eligible_registration_ids, required_minutes
from registrations.certificate_models import Certificate
from registrations.certificates import build_certificate_data, render_certificate_pdf
from registrations.models import AuditEntry, Profile, Registration
from registrations.outbox import queue_certificate_email
from registrations.report_flags import refresh_report_flags

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

logger = logging.getLogger(__name__)

# Audit actions of this module (registrations.models.AuditEntry.Action should list them).
CERTIFICATES_REQUESTED = "certificates_requested"
CERTIFICATE_ISSUED = "certificate_issued"
CERTIFICATE_REVOKED = "certificate_revoked"
CERTIFICATE_REPLACED = "certificate_replaced"
CERTIFICATE_DOWNLOADED = "certificate_downloaded"

DEFAULT_BATCH_SIZE = 20


def printed_name(registration: Registration) -> str:
    """The name as the person set it on their profile, else as given when registering."""
    profile = Profile.objects.filter(user_id=registration.user_id).only("full_name").first()
    return (profile.full_name if profile else "").strip() or registration.full_name


def _lock_registration(pk: int) -> Registration:
    """The registration with its session and series, its row (and only its row) locked until commit.

    `of=("self",)` matters: a plain FOR UPDATE over the join locks the session's and the series'
    rows as well, and then every worker issuing certificates for the same session waits for the
    one before it to commit (two workers issued at the speed of one).
    """
    return Registration.objects.select_for_update(of=("self",)).select_related("session", "session__series").get(pk=pk)


def _audit(action: str, certificate: Certificate, actor, **details) -> None:
    AuditEntry.objects.create(
        action=action,
        registration=certificate.registration,
        session_id=certificate.registration.session_id,
        actor=actor,
        details={"certificate": certificate.pk, **details},
    )


def _queue_email(certificate: Certificate) -> None:
    # Through the outbox, in this transaction: the email exists exactly when the certificate does,
    # and is sent once even if a worker dies mid-send (registrations/outbox_delivery.py).
    queue_certificate_email(certificate=certificate)


def _create_certificate(registration: Registration, *, minutes: int, actor) -> Certificate:
    session = registration.session
    language = registration.language if registration.language in dict(settings.LANGUAGES) else "en"
    with translation.override(language):
        title = session.title
    certificate = Certificate(
        registration=registration,
        language=language,
        printed_name=printed_name(registration),
        printed_title=title,
        session_date=session.starts_at.astimezone(session.zoneinfo).date(),
        minutes=minutes,
        issued_by=actor,
    )
    pdf = render_certificate_pdf(build_certificate_data(certificate))
    certificate.pdf.save(f"{registration.pk}.pdf", ContentFile(pdf), save=False)
    certificate.save()
    return certificate


def issue_certificate(*, registration: Registration, actor: "AbstractBaseUser | None" = None) -> Certificate | None:
    """Issue `registration` its certificate if it attended long enough and has none yet.

    Returns the valid certificate (the existing one when there is one: repeating is harmless),
    or None when the registration is not eligible. Side effects: the stored PDF, an audit entry,
    and after commit the "your certificate is ready" email.
    """
    try:
        with transaction.atomic():
            registration = _lock_registration(registration.pk)
            existing = Certificate.objects.valid().filter(registration=registration).first()
            if existing is not None:
                return existing
            minutes = attended_minutes(registration)
            if (
                registration.status != Registration.Status.CONFIRMED
                or minutes is None
                or minutes < required_minutes(registration.session)
            ):
                return None
            certificate = _create_certificate(registration, minutes=minutes, actor=actor)
            refresh_report_flags([registration.pk])
            _audit(CERTIFICATE_ISSUED, certificate, actor)
            _queue_email(certificate)
    except IntegrityError:
        # Another worker issued it between our check and our insert (possible only without the
        # row lock, i.e. on SQLite): theirs is the certificate.
        return Certificate.objects.valid().filter(registration_id=registration.pk).first()
    return certificate


def request_certificates(*, session: Session, actor: "AbstractBaseUser | None", batch_size: int | None = None) -> int:
    """Queue background tasks issuing certificates to everyone eligible who has none yet.

    Returns how many registrations were queued. Safe to repeat: each task re-checks and the
    database refuses a second valid certificate. Side effect: an audit entry with the counts.
    """
    from registrations.certificate_tasks import issue_certificates_batch  # noqa: PLC0415 (tasks import this module)

    size = batch_size or getattr(settings, "CERTIFICATE_TASK_BATCH_SIZE", DEFAULT_BATCH_SIZE)
    eligible = eligible_registration_ids(session)
    done = set(
        Certificate.objects.valid().filter(registration_id__in=eligible).values_list("registration_id", flat=True)
    )
    pending = [registration_id for registration_id in eligible if registration_id not in done]
    actor_id = actor.pk if actor is not None else None
    with transaction.atomic():
        AuditEntry.objects.create(
            action=CERTIFICATES_REQUESTED,
            session=session,
            actor=actor,
            details={"eligible": len(eligible), "queued": len(pending)},
        )
        for start in range(0, len(pending), size):
            batch = pending[start : start + size]
            transaction.on_commit(
                lambda batch=batch: issue_certificates_batch.enqueue(registration_ids=batch, actor_id=actor_id)
            )
    return len(pending)


def certificate_progress(session: Session) -> tuple[int, int]:
    """(issued, eligible): how many eligible registrations hold a valid certificate."""
    eligible = eligible_registration_ids(session)
    issued = Certificate.objects.valid().filter(registration_id__in=eligible).count()
    return issued, len(eligible)


def revoke_certificate(
    *, certificate: Certificate, reason: str, actor: "AbstractBaseUser | None", now: dt.datetime | None = None
) -> Certificate:
    """Revoke a valid certificate; its code then verifies as "revoked". Side effect: audit entry.

    Revoking a certificate that is not valid changes nothing. The reason is kept on the
    certificate for organisers; the public page never shows it.
    """
    reason = reason.strip()
    if not reason:
        raise ValueError("A reason is required.")
    with transaction.atomic():
        Registration.objects.select_for_update().filter(pk=certificate.registration_id).first()
        certificate = Certificate.objects.select_related("registration").get(pk=certificate.pk)
        if not certificate.is_valid:
            return certificate
        certificate.status = Certificate.Status.REVOKED
        certificate.revoked_at = now or timezone.now()
        certificate.reason = reason
        certificate.save(update_fields=["status", "revoked_at", "reason"])
        refresh_report_flags([certificate.registration_id])
        _audit(CERTIFICATE_REVOKED, certificate, actor)
    return certificate


def reissue_certificate(
    *, certificate: Certificate, reason: str, actor: "AbstractBaseUser | None", now: dt.datetime | None = None
) -> Certificate:
    """Replace a valid certificate by a new one with the current name (e.g. after a correction).

    The old code then verifies as "replaced"; the new one has a new code and PDF. The minutes
    are the registration's current attendance (the old figure when none is recorded any more).
    Side effects: audit entries for both, and the email for the new certificate after commit.
    """
    reason = reason.strip()
    if not reason:
        raise ValueError("A reason is required.")
    with transaction.atomic():
        registration = _lock_registration(certificate.registration_id)
        old = Certificate.objects.get(pk=certificate.pk)
        if not old.is_valid:
            raise ValueError("Only a valid certificate can be replaced.")
        old.status = Certificate.Status.REPLACED
        old.revoked_at = now or timezone.now()
        old.reason = reason
        old.save(update_fields=["status", "revoked_at", "reason"])
        minutes = attended_minutes(registration)
        new = _create_certificate(registration, minutes=minutes if minutes is not None else old.minutes, actor=actor)
        old.replaced_by = new
        old.save(update_fields=["replaced_by"])
        refresh_report_flags([registration.pk])
        _audit(CERTIFICATE_REPLACED, old, actor, replaced_by=new.pk)
        _audit(CERTIFICATE_ISSUED, new, actor, replaces=old.pk)
        _queue_email(new)
    return new


def record_certificate_download(*, certificate: Certificate, actor: "AbstractBaseUser") -> None:
    """Audit an organiser opening someone else's certificate (access to personal data)."""
    _audit(CERTIFICATE_DOWNLOADED, certificate, actor)


def issue_certificates(*, registration_ids: list[int], actor: "AbstractBaseUser | None" = None) -> int:
    """Issue certificates to these registrations one by one; returns how many are now valid.

    One failure (logged with the registration id only) does not stop the others; the first
    error is raised at the end so the task shows as failed and the organiser can repeat.
    """
    issued, first_error = 0, None
    for registration in Registration.objects.filter(pk__in=registration_ids).only("pk"):
        try:
            if issue_certificate(registration=registration, actor=actor) is not None:
                issued += 1
        except Exception as error:
            logger.exception("Certificate for registration %s failed", registration.pk)
            first_error = first_error or error
    if first_error is not None:
        raise first_error
    return issued
