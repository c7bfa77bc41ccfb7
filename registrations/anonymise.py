"""The scrubbing steps shared by erasure (`registrations.privacy.erase_person`) and the daily
retention purge (`registrations.retention.purge_expired`).

Each step blanks personal fields in bulk and keeps what statistics need: a registration keeps its
session, status, country, profession, language and timestamps, so counts per session, status and
country are the same before and after. Every step is idempotent (running it twice changes nothing
the second time). Call them inside a transaction; file deletions are deferred to after commit.
"""

import secrets
from collections.abc import Iterable

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q, QuerySet

from registrations.attendance_models import Attendance
from registrations.calendar_tokens import CalendarFeedToken
from registrations.certificate_models import Certificate
from registrations.models import AuditEntry, Profile, Registration
from registrations.outbox_models import OutboxMessage
from registrations.report_flags import refresh_report_flags

# What a manual attendance row's reason becomes (the database wants one for manual rows).
REMOVED_REASON = "—"
ERASED_USERNAME_PREFIX = "erased-"


def _delete_files_after_commit(names: Iterable[str]) -> None:
    from registrations.certificate_models import get_certificate_storage  # noqa: PLC0415 (storage read lazily)

    names = [name for name in names if name]
    if not names:
        return
    storage = get_certificate_storage()

    def delete() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


def strip_audit_details(entries: QuerySet[AuditEntry]) -> int:
    """Keep only numbers and yes/no values in the entries' details (counts, flags); drop text."""
    changed = 0
    for entry in entries.only("pk", "details").iterator():
        kept = {
            key: value
            for key, value in (entry.details or {}).items()
            if isinstance(value, bool | int | float)
        }
        if kept != entry.details:
            AuditEntry.objects.filter(pk=entry.pk).update(details=kept)
            changed += 1
    return changed


def scrub_registrations(registrations: QuerySet[Registration]) -> int:
    """Blank the registrations' personal answers and revoke their links; returns how many changed.

    Kept: session, status, profession, country, language, consent versions and every timestamp.
    Blanked: full name and organisation. Revoked: join, cancel and unsubscribe-by-token links
    (new salt, no join hash). Their attendance keeps its minutes (statistics) but loses the
    organiser's free-text reason; their outbox rows lose any error text and those still waiting are
    dropped; their audit entries keep only numbers and flags; admin history shows no name.
    """
    ids = list(registrations.values_list("pk", flat=True))
    if not ids:
        return 0
    changed = Registration.objects.filter(pk__in=ids).exclude(full_name="", organisation="", join_token_hash=None)
    count = 0
    for pk in changed.values_list("pk", flat=True):
        # One salt per row: a shared salt would make every revoked link derivable from another.
        Registration.objects.filter(pk=pk).update(
            full_name="", organisation="", join_token_hash=None, token_salt=secrets.token_hex(16)
        )
        count += 1
    Attendance.objects.filter(registration_id__in=ids).exclude(reason="").exclude(reason=REMOVED_REASON).update(
        reason=REMOVED_REASON
    )
    OutboxMessage.objects.filter(registration_id__in=ids).exclude(last_error="").update(last_error="")
    OutboxMessage.objects.filter(registration_id__in=ids, status=OutboxMessage.Status.PENDING).update(
        status=OutboxMessage.Status.SKIPPED, skip_reason="personal_data_removed"
    )
    strip_audit_details(AuditEntry.objects.filter(registration_id__in=ids))
    _scrub_admin_history(Registration, ids)
    return count


def drop_certificate_files(certificates: QuerySet[Certificate]) -> int:
    """Delete the certificates' PDFs (after commit) and keep only what verification shows.

    What stays: code, status, language, name and session title as printed, session date. The
    minutes attended and the organiser's reason are blanked (not shown by verification).
    """
    rows = list(certificates.exclude(pdf="", minutes=0, reason="").values_list("pk", "pdf"))
    if not rows:
        return 0
    Certificate.objects.filter(pk__in=[pk for pk, _pdf in rows]).update(pdf="", minutes=0, reason="")
    _delete_files_after_commit(name for _pk, name in rows)
    strip_audit_details(AuditEntry.objects.filter(registration__certificates__pk__in=[pk for pk, _pdf in rows]))
    return len(rows)


def delete_certificates(certificates: QuerySet[Certificate]) -> int:
    """Delete the certificates and their PDFs: their codes no longer verify."""
    rows = list(certificates.values_list("pk", "pdf", "registration_id"))
    if not rows:
        return 0
    ids = [pk for pk, _pdf, _registration_id in rows]
    # A replaced certificate points at its successor (PROTECT): unlink before deleting.
    Certificate.objects.filter(pk__in=ids).update(replaced_by=None)
    Certificate.objects.filter(replaced_by_id__in=ids).update(replaced_by=None)
    Certificate.objects.filter(pk__in=ids).delete()
    refresh_report_flags({registration_id for _pk, _pdf, registration_id in rows})
    _delete_files_after_commit(name for _pk, name, _registration_id in rows)
    return len(rows)


def end_user_sessions(user: User) -> int:
    """Sign the person out everywhere: end each allauth user session and its Django session."""
    sessions = list(UserSession.objects.filter(user=user))
    for session in sessions:
        session.end()
    return len(sessions)


def anonymise_user(user: User) -> None:
    """Turn the account into an empty shell that keeps the anonymised registrations together.

    Deletes the profile, the calendar feed token, allauth's email addresses and MFA
    authenticators, ends every session; the user row gets a random username, no email, no name,
    no usable password and is deactivated (it can never sign in again). Idempotent.
    """
    _scrub_admin_history(Profile, list(Profile.objects.filter(user=user).values_list("pk", flat=True)))
    Profile.objects.filter(user=user).delete()
    CalendarFeedToken.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    end_user_sessions(user)
    _scrub_admin_history(User, [user.pk])
    if user.username.startswith(ERASED_USERNAME_PREFIX) and not user.email and not user.is_active:
        return
    user.username = f"{ERASED_USERNAME_PREFIX}{secrets.token_hex(8)}"
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()


def is_anonymised(user: User) -> bool:
    return user.username.startswith(ERASED_USERNAME_PREFIX) and not user.is_active


def _scrub_admin_history(model, ids: list[int]) -> None:
    """Blank the object names Django's admin history kept for these rows (their __str__ can be a name)."""
    if not ids:
        return
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    concrete = ContentType.objects.get_for_model(model)
    LogEntry.objects.filter(
        Q(content_type=content_type) | Q(content_type=concrete), object_id__in=[str(pk) for pk in ids]
    ).exclude(object_repr="", change_message="").update(object_repr="", change_message="")
