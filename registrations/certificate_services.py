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
from registrations.attendance.services import (
    attended_minutes,
    attended_minutes_by_registration,
    eligible_registration_ids,
    required_minutes,
)
from registrations.certificate_models import Certificate, get_certificate_storage
from registrations.certificates import build_certificate_data, render_certificate_pdf
from registrations.models import AuditEntry, Profile, Registration
from registrations.outbox import queue_certificate_email, queue_certificate_emails
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
# A stored PDF that no certificate names (its step rolled back, or its worker was killed before the
# commit) is deleted by the daily purge once it is this old: no step still running can commit it.
ORPHAN_PDF_AGE = dt.timedelta(days=1)
# `issue_certificates` commits every this many certificates: one lock query, one insert, one audit
# insert and one report-flags refresh serve them all, and a worker killed mid-batch loses at most
# one step (running the batch again issues the rest).
ISSUE_STEP = 5


def printed_names(registrations: list[Registration]) -> dict[int, str]:
    """Each registration's name as printed, by id: as the person set it on their profile, else as
    given when registering (one query)."""
    profiles = dict(
        Profile.objects.filter(user_id__in={registration.user_id for registration in registrations}).values_list(
            "user_id", "full_name"
        )
    )
    return {
        registration.pk: (profiles.get(registration.user_id) or "").strip() or registration.full_name
        for registration in registrations
    }


def printed_name(registration: Registration) -> str:
    """The name as the person set it on their profile, else as given when registering."""
    return printed_names([registration])[registration.pk]


def _lock_registration(pk: int) -> Registration:
    """The registration with its session and series, its row (and only its row) locked until commit.

    `of=("self",)` matters: a plain FOR UPDATE over the join locks the session's and the series'
    rows as well, and then every worker issuing certificates for the same session waits for the
    one before it to commit (two workers issued at the speed of one).
    """
    return Registration.objects.select_for_update(of=("self",)).select_related("session", "session__series").get(pk=pk)


def _audit_entry(action: str, certificate: Certificate, actor, **details) -> AuditEntry:
    return AuditEntry(
        action=action,
        registration=certificate.registration,
        session_id=certificate.registration.session_id,
        actor=actor,
        details={"certificate": certificate.pk, **details},
    )


def _audit(action: str, certificate: Certificate, actor, **details) -> None:
    _audit_entry(action, certificate, actor, **details).save()


def _queue_email(certificate: Certificate) -> None:
    # Through the outbox, in this transaction: the email exists exactly when the certificate does,
    # and is sent once even if a worker dies mid-send (registrations/outbox_delivery.py).
    queue_certificate_email(certificate=certificate)


def _build_certificate(registration: Registration, *, minutes: int, actor, name: str) -> Certificate:
    """A new certificate of `registration`, its PDF rendered and stored; the row is not saved yet."""
    session = registration.session
    language = registration.language if registration.language in dict(settings.LANGUAGES) else "en"
    with translation.override(language):
        title = session.title
    certificate = Certificate(
        registration=registration,
        language=language,
        printed_name=name,
        printed_title=title,
        session_date=session.starts_at.astimezone(session.zoneinfo).date(),
        minutes=minutes,
        issued_by=actor,
    )
    pdf = render_certificate_pdf(build_certificate_data(certificate))
    certificate.pdf.save(f"{registration.pk}.pdf", ContentFile(pdf), save=False)
    return certificate


def _create_certificate(registration: Registration, *, minutes: int, actor) -> Certificate:
    certificate = _build_certificate(registration, minutes=minutes, actor=actor, name=printed_name(registration))
    certificate.save()
    return certificate


def _issue(registration_ids: list[int], *, actor) -> dict[int, Certificate | None]:
    """Issue, in one transaction, a certificate to each of these registrations that attended long
    enough and holds no valid one. Returns by registration id the valid certificate (new or
    existing), or None for one not eligible; an id of no registration is left out.

    Locks the registrations' rows in id order (two workers given the same ids wait for each other,
    then find the certificates, and never deadlock). Reads the existing certificates, the names
    and the attendance; writes the new certificates, their audit entries, report flags and
    outbox emails, each in one statement whatever the number of registrations. Any error rolls
    the whole step back, stored PDFs apart.
    """
    with transaction.atomic():
        registrations = list(
            Registration.objects.select_for_update(of=("self",))
            .select_related("session", "session__series")
            .filter(pk__in=registration_ids)
            .order_by("pk")
        )
        results: dict[int, Certificate | None] = {
            certificate.registration_id: certificate
            for certificate in Certificate.objects.valid().filter(registration__in=registrations)
        }
        pending = [registration for registration in registrations if registration.pk not in results]
        names = printed_names(pending) if pending else {}
        attended = attended_minutes_by_registration([registration.pk for registration in pending]) if pending else {}
        needed: dict[int, int] = {}  # required minutes by session
        new: list[Certificate] = []
        for registration in pending:
            minutes = attended.get(registration.pk)
            if registration.session_id not in needed:
                needed[registration.session_id] = required_minutes(registration.session)
            if (
                registration.status != Registration.Status.CONFIRMED
                or minutes is None
                or minutes < needed[registration.session_id]
            ):
                results[registration.pk] = None
                continue
            certificate = _build_certificate(registration, minutes=minutes, actor=actor, name=names[registration.pk])
            new.append(certificate)
            results[registration.pk] = certificate
        if new:
            Certificate.objects.bulk_create(new)
            refresh_report_flags([certificate.registration_id for certificate in new])
            AuditEntry.objects.bulk_create(_audit_entry(CERTIFICATE_ISSUED, certificate, actor) for certificate in new)
            # Through the outbox, in this transaction: see `_queue_email`.
            queue_certificate_emails(certificates=new)
    return results


def issue_certificate(*, registration: Registration, actor: "AbstractBaseUser | None" = None) -> Certificate | None:
    """Issue `registration` its certificate if it attended long enough and has none yet.

    Returns the valid certificate (the existing one when there is one: repeating is harmless),
    or None when the registration is not eligible. Side effects: the stored PDF, an audit entry,
    and after commit the "your certificate is ready" email.
    """
    try:
        results = _issue([registration.pk], actor=actor)
    except IntegrityError:
        # Another worker issued it between our check and our insert (possible only without the
        # row lock, i.e. on SQLite): theirs is the certificate.
        return Certificate.objects.valid().filter(registration_id=registration.pk).first()
    if registration.pk not in results:
        raise Registration.DoesNotExist(f"No registration {registration.pk}.")
    return results[registration.pk]


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
    """Issue certificates to these registrations, `ISSUE_STEP` to a transaction; returns how many
    of them hold a valid certificate afterwards.

    One failure does not stop the others: a step that fails is repeated one registration at a
    time, and a registration that fails alone is logged (its id only) and skipped. The first error
    is raised at the end so the task shows as failed and the organiser can repeat.
    """
    ids = sorted(set(registration_ids))
    valid, first_error = 0, None
    for start in range(0, len(ids), ISSUE_STEP):
        step = ids[start : start + ISSUE_STEP]
        try:
            results = _issue(step, actor=actor)
        except Exception:  # repeated one registration at a time just below, where errors are logged
            results = {}
            for registration_id in step:
                try:
                    results.update(_issue([registration_id], actor=actor))
                except IntegrityError:  # issued meanwhile by another worker (SQLite: no row locks)
                    results[registration_id] = (
                        Certificate.objects.valid().filter(registration_id=registration_id).first()
                    )
                except Exception as error:
                    logger.exception("Certificate for registration %s failed", registration_id)
                    first_error = first_error or error
        valid += sum(1 for certificate in results.values() if certificate is not None)
    if first_error is not None:
        raise first_error
    return valid


def delete_orphan_certificate_files(*, now: dt.datetime | None = None) -> int:
    """Delete the stored certificate PDFs that no certificate names, once `ORPHAN_PDF_AGE` old.

    A step's PDFs are stored before its transaction commits, so a step that fails or a worker
    killed mid-step leaves up to `ISSUE_STEP` files behind, each with a person's name on it. Run
    daily by `registrations.retention.purge_expired`; one query per session folder. Returns how many.
    """
    storage = get_certificate_storage()
    cutoff = (now or timezone.now()) - ORPHAN_PDF_AGE
    try:
        folders, _files = storage.listdir("certificates")
    except FileNotFoundError:  # nothing issued yet
        return 0
    deleted = 0
    for folder in folders:
        _folders, files = storage.listdir(f"certificates/{folder}")
        names = {f"certificates/{folder}/{name}" for name in files if name.endswith(".pdf")}
        named = set(Certificate.objects.filter(pdf__in=names).values_list("pdf", flat=True)) if names else set()
        for name in sorted(names - named):
            if storage.get_modified_time(name) < cutoff:
                storage.delete(name)
                deleted += 1
    return deleted
