"""Privacy services: the notice in force, consents, a person's data export, and erasure.

- `current_notice()` / `current_notice_version()`: the privacy notice version registrations ask
  consent to; `notice_to_show()` tells whether a returning person accepted an older version.
- `accept_notice()`, `withdraw_announcements_consent()`: consent records (`ConsentEvent`).
- `export_personal_data()`: everything held about a person, as a JSON-ready dict.
- `erase_person()`: the person's account and data deleted or anonymised.
- `purge_expired()`: the daily retention purge (lives in `registrations.retention`).

Every service takes keyword arguments, runs in one transaction and lists its side effects.
"""

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from events.models import Session
from registrations import anonymise, outbox
from registrations.attendance_models import Attendance
from registrations.calendar_tokens import CalendarFeedToken
from registrations.certificate_models import Certificate
from registrations.models import AuditEntry, Profile, Registration
from registrations.outbox_models import AnnouncementOptOut, OutboxMessage
from registrations.privacy_models import AccessLogEntry, ConsentEvent, PrivacyNotice
from registrations.privacy_receivers import withdrawal_channel
from registrations.retention import purge_expired  # noqa: F401 (part of this module's interface)
from registrations.services import cancel_registration

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The first version (registrations/migrations/0008_first_privacy_notice.py): the answer when the
# table is empty, e.g. in a test database flushed after its migrations ran.
FIRST_NOTICE_VERSION = "2026-11"
EXPORT_FORMAT_VERSION = 1
PERSON_ERASED = "person_erased"  # audit action of erase_person

# The registration emails (registrations/emails.py) are not stored; they are sent after these
# audit actions, so the export lists them from the audit trail.
EMAIL_AFTER_AUDIT_ACTION = {
    AuditEntry.Action.REGISTERED: "confirmed",
    AuditEntry.Action.WAITLISTED: "waitlisted",
    AuditEntry.Action.PROMOTED: "promoted",
    AuditEntry.Action.CANCELLED: "cancelled",
    AuditEntry.Action.CERTIFICATE_ISSUED: "certificate_issued",
}


# --- the notice --------------------------------------------------------------------------------


CURRENT_NOTICE_CACHE_KEY = "decoded:privacy-notice:current"
CURRENT_NOTICE_CACHE_SECONDS = 60  # a version published for a future moment takes over within a minute


def current_notice(*, now: dt.datetime | None = None) -> PrivacyNotice | None:
    """The version in force: the last one published at or before `now`.

    Before the first version's date (only in tests travelling back in time) it is the first one;
    None only when no version exists at all. Pages ask for it on every request, so the answer
    for "now" is cached briefly and dropped whenever a notice is saved or deleted.
    """
    if now is None:
        cached = cache.get(CURRENT_NOTICE_CACHE_KEY)
        if cached is not None:
            return cached or None
    notice = PrivacyNotice.objects.published(now).first() or PrivacyNotice.objects.order_by("published_at").first()
    if now is None:
        cache.set(CURRENT_NOTICE_CACHE_KEY, notice or False, CURRENT_NOTICE_CACHE_SECONDS)
    return notice


def current_notice_version(*, now: dt.datetime | None = None) -> str:
    """The version label a registration made now records (`AttendeeDetails.privacy_notice_version`)."""
    notice = current_notice(now=now)
    return notice.version if notice is not None else FIRST_NOTICE_VERSION


def last_accepted(user: "User") -> tuple[str, dt.datetime] | None:
    """The notice version the person accepted last (with a registration or on the account page), and when."""
    registration = (
        Registration.objects.filter(user=user).order_by("-privacy_consent_at").values_list(
            "privacy_notice_version", "privacy_consent_at"
        ).first()
    )
    event = (
        ConsentEvent.objects.filter(
            user=user, kind=ConsentEvent.Kind.PRIVACY_NOTICE, action=ConsentEvent.Action.GIVEN
        )
        .values_list("notice_version", "created_at")
        .first()
    )
    candidates = [row for row in (registration, event) if row is not None]
    return max(candidates, key=lambda row: row[1]) if candidates else None


def notice_to_show(user: "User", *, now: dt.datetime | None = None) -> PrivacyNotice | None:
    """The current notice when the person accepted an older version; None when up to date or never asked."""
    if not user.is_authenticated:
        return None
    accepted = last_accepted(user)
    notice = current_notice(now=now)
    if accepted is None or notice is None or accepted[0] == notice.version:
        return None
    return notice


def accept_notice(*, user: "User", now: dt.datetime | None = None) -> ConsentEvent:
    """The person read the current notice on the account page. Side effect: a ConsentEvent."""
    now = now or timezone.now()
    with transaction.atomic():
        return ConsentEvent.objects.create(
            user=user,
            kind=ConsentEvent.Kind.PRIVACY_NOTICE,
            action=ConsentEvent.Action.GIVEN,
            channel=ConsentEvent.Channel.ACCOUNT_PAGE,
            notice_version=current_notice_version(now=now),
            created_at=now,
        )


# --- the "future sessions" consent -------------------------------------------------------------


def has_announcements_consent(user: "User") -> bool:
    """True while a registration of the person carries the "future sessions" consent (withdrawing
    clears it on every registration; agreeing again with a later registration sets it again)."""
    return Registration.objects.filter(user=user, announcements_consent=True).exists()


def withdraw_announcements_consent(
    *, user: "User", channel: str, registration: Registration | None = None, now: dt.datetime | None = None
) -> bool:
    """Withdraw the "future sessions" consent of every registration of the person.

    Goes through the notifications' one-click unsubscribe (`registrations.outbox.unsubscribe`: the
    opt-out row, waiting organiser messages dropped, audit entry) and records the withdrawal with
    its channel (`ConsentEvent.Channel`). Returns False, changing nothing, when there was no consent
    to withdraw. The email-link path needs no call here: the receiver in
    `registrations.privacy_receivers` records it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        registration = registration or Registration.objects.filter(user=user).order_by("-created_at").first()
        if registration is None or not has_announcements_consent(user):
            return False
        with withdrawal_channel(channel):
            unsubscribed = outbox.unsubscribe(registration=registration, now=now)
        if not unsubscribed:
            # Opted out before, then agreed again with a later registration: withdraw that too.
            Registration.objects.filter(user=user, announcements_consent=True).update(announcements_consent=False)
        ConsentEvent.objects.create(
            user=user,
            registration=registration,
            kind=ConsentEvent.Kind.ANNOUNCEMENTS,
            action=ConsentEvent.Action.WITHDRAWN,
            channel=channel,
            created_at=now,
        )
    return True


# --- export ------------------------------------------------------------------------------------


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _session_ref(session: Session) -> dict[str, Any]:
    return {"id": session.pk, "title": session.title, "starts_at": _iso(session.starts_at)}


def export_personal_data(*, user: "User") -> dict[str, Any]:
    """Everything the site holds about `user`, as a dict ready for `json.dumps`.

    Sections: account, email_addresses, profile, registrations (answers, consent record), consents
    (withdrawals and notices read), announcement_opt_out, attendance, certificates, emails (outbox
    messages by kind, status and date; registration emails by kind and date, from the audit
    trail), history (audit entries about their registrations), calendar_feed, sessions (signed-in
    devices: pseudonymous address, browser, dates), mfa (methods, never secrets), organiser_access
    (when organisers opened their details or data, never who). Read-only: no side effects.
    Secrets (token hashes, salts, MFA keys) are never included.
    """
    registrations = list(Registration.objects.filter(user=user).select_related("session").order_by("created_at", "pk"))
    registration_ids = [registration.pk for registration in registrations]
    profile = Profile.objects.filter(user=user).first()
    opt_out = AnnouncementOptOut.objects.filter(user=user).first()
    feed = CalendarFeedToken.objects.filter(user=user).first()
    audit = list(
        AuditEntry.objects.filter(registration_id__in=registration_ids).order_by("created_at", "pk")
    )
    return {
        "format": EXPORT_FORMAT_VERSION,
        "exported_at": _iso(timezone.now()),
        "account": {
            "email": user.email,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "profile": None
        if profile is None
        else {
            "full_name": profile.full_name,
            "organisation": profile.organisation,
            "profession": profile.profession,
            "country": profile.country.code or "",
            "language": profile.language,
            "timezone": profile.timezone,
        },
        "registrations": [
            {
                "public_id": registration.public_id,
                "session": _session_ref(registration.session),
                "status": registration.status,
                "answers": {
                    "full_name": registration.full_name,
                    "organisation": registration.organisation,
                    "profession": registration.profession,
                    "country": registration.country.code or "",
                    "language": registration.language,
                },
                "consent": {
                    "privacy_notice_version": registration.privacy_notice_version,
                    "privacy_consent_at": _iso(registration.privacy_consent_at),
                    "announcements_consent": registration.announcements_consent,
                    "announcements_consent_at": _iso(registration.announcements_consent_at),
                },
                "created_at": _iso(registration.created_at),
                "confirmed_at": _iso(registration.confirmed_at),
                "waitlisted_at": _iso(registration.waitlisted_at),
                "cancelled_at": _iso(registration.cancelled_at),
            }
            for registration in registrations
        ],
        "consents": [
            {
                "consent": event.kind,
                "action": event.action,
                "how": event.channel,
                "notice_version": event.notice_version,
                "at": _iso(event.created_at),
            }
            for event in ConsentEvent.objects.filter(user=user).order_by("created_at", "pk")
        ],
        "announcement_opt_out": None if opt_out is None else {"at": _iso(opt_out.unsubscribed_at)},
        "attendance": [
            {
                "registration": attendance.registration.public_id,
                "source": attendance.source,
                "minutes": attendance.minutes,
                "connections": attendance.connections,
                "reason": attendance.reason,
                "updated_at": _iso(attendance.updated_at),
            }
            for attendance in Attendance.objects.filter(registration_id__in=registration_ids)
            .select_related("registration")
            .order_by("registration_id", "source")
        ],
        "certificates": [
            {
                "code": certificate.grouped_code,
                "registration": certificate.registration.public_id,
                "status": certificate.status,
                "language": certificate.language,
                "printed_name": certificate.printed_name,
                "printed_title": certificate.printed_title,
                "session_date": _iso(certificate.session_date),
                "minutes": certificate.minutes,
                "issued_at": _iso(certificate.issued_at),
                "revoked_at": _iso(certificate.revoked_at),
                "has_pdf": bool(certificate.pdf),
            }
            for certificate in Certificate.objects.filter(registration_id__in=registration_ids)
            .select_related("registration")
            .order_by("issued_at", "pk")
        ],
        "emails": _emails(registration_ids, audit),
        "history": [
            {"registration": entry.registration_id and _public_id(registrations, entry.registration_id),
             "action": entry.action, "at": _iso(entry.created_at)}
            for entry in audit
        ],
        "calendar_feed": None if feed is None else {"issued_at": _iso(feed.issued_at)},
        "sessions": [
            {
                "address_pseudonym": session.ip,
                "browser": session.user_agent,
                "created_at": _iso(session.created_at),
                "last_seen_at": _iso(session.last_seen_at),
            }
            for session in UserSession.objects.filter(user=user).order_by("created_at")
        ],
        "mfa": [
            {"type": authenticator.type, "created_at": _iso(authenticator.created_at)}
            for authenticator in Authenticator.objects.filter(user=user).order_by("pk")
        ],
        "organiser_access": [
            {"what": entry.kind, "at": _iso(entry.created_at)}
            for entry in AccessLogEntry.objects.filter(
                Q(registration_id__in=registration_ids) | Q(subject=user)
            ).order_by("created_at", "pk")
        ],
    }


def _public_id(registrations: list[Registration], pk: int) -> str:
    return next(registration.public_id for registration in registrations if registration.pk == pk)


def _emails(registration_ids: list[int], audit: list[AuditEntry]) -> list[dict[str, Any]]:
    from_outbox = [
        {"kind": kind, "status": status, "at": _iso(sent_at or due_at)}
        for kind, status, sent_at, due_at in OutboxMessage.objects.filter(registration_id__in=registration_ids)
        .order_by("due_at", "pk")
        .values_list("kind", "status", "sent_at", "due_at")
    ]
    from_audit = [
        {"kind": EMAIL_AFTER_AUDIT_ACTION[entry.action], "status": "queued", "at": _iso(entry.created_at)}
        for entry in audit
        if entry.action in EMAIL_AFTER_AUDIT_ACTION
    ]
    return sorted(from_outbox + from_audit, key=lambda row: row["at"] or "")


# --- erasure -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ErasureReport:
    cancelled: int
    registrations: int
    certificates_kept: int
    certificates_deleted: int


def erase_person(
    *, user: "User", actor: "User | None", keep_certificates: bool = False, now: dt.datetime | None = None
) -> ErasureReport:
    """Delete the person's account and everything identifying them (their request, or an organiser's on it).

    Side effects, in one transaction:
    - places in sessions that have not ended are cancelled through `cancel_registration` (seats
      freed, the waitlist promoted, audited; the cancellation email is not sent: no address is left);
    - every registration anonymised (`anonymise.scrub_registrations`: name, organisation blanked;
      join, cancel and unsubscribe links revoked; attendance reasons, outbox errors and audit text
      removed); statistics (status, country, profession, language, dates) stay;
    - certificates: with `keep_certificates`, kept in the verification form only (code, name,
      session, date; PDF deleted); otherwise deleted with their PDFs (PDFs after commit);
    - profile, calendar feed token, allauth email addresses and MFA authenticators deleted; every
      session ended; the user row becomes an inactive shell without email or name;
    - an audit entry `person_erased` (counts only).
    Staff accounts cannot be erased this way (ValueError): remove their staff status first.
    """
    if user.is_staff or user.is_superuser:
        raise ValueError("Staff accounts are not erased by this service.")
    now = now or timezone.now()
    with transaction.atomic():
        active = Registration.objects.filter(user=user, session__ends_at__gt=now).active()
        cancelled = 0
        for registration in active.select_related("session"):
            cancel_registration(registration=registration, actor=actor or user, now=now)
            cancelled += 1
        registrations = Registration.objects.filter(user=user)
        count = registrations.count()
        certificates = Certificate.objects.filter(registration__user=user)
        if keep_certificates:
            kept, deleted = anonymise.drop_certificate_files(certificates), 0
            kept = certificates.count()
        else:
            kept, deleted = 0, anonymise.delete_certificates(certificates)
        anonymise.scrub_registrations(registrations)
        anonymise.anonymise_user(user)
        AuditEntry.objects.create(
            action=PERSON_ERASED,
            actor=actor if actor is not None and actor.pk != user.pk else None,
            details={"registrations": count, "certificates_kept": kept, "certificates_deleted": deleted},
        )
    return ErasureReport(cancelled=cancelled, registrations=count, certificates_kept=kept, certificates_deleted=deleted)
