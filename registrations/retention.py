"""Retention: what the system deletes, and when, without anybody having to remember.

Per series (`SeriesRetention`; defaults without a row): registrant details are kept for
`details_months` (12) after each session's end, certificates and their verification for
`certificate_years` (10). `purge_expired()` runs daily (`registrations.privacy_tasks`,
`manage.py purge_expired_personal_data`) and is idempotent. What it does, in order:

1. Sessions whose details period is over: registrations anonymised (name, organisation blanked;
   links revoked), attendance reasons removed, audit details stripped to numbers, certificate
   PDFs deleted (the certificate keeps name, session title, date and code for verification).
2. Sessions whose certificate period is over: certificates deleted (codes no longer verify).
   Certificate PDFs that no certificate names (a certificate batch that failed or was killed
   mid-step), a day after they were written: deleted.
3. People left with no registration that still holds details, or who never registered and have
   not signed in for `DEFAULT_DETAILS_MONTHS`: account anonymised (profile, email addresses, MFA,
   sessions, feed token removed). Staff accounts are never touched.
4. Access-log entries older than `settings.ACCESS_LOG_RETENTION_DAYS`, uploaded attendance
   reports older than a day, expired Django sessions and allauth user sessions unseen for longer
   than `SESSION_COOKIE_AGE`: deleted.

Statistics survive: registration rows keep session, status, country, profession, language and
timestamps.
"""

import calendar
import dataclasses
import datetime as dt
from importlib import import_module

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from events.models import Series, Session
from registrations import access_log, anonymise
from registrations.attendance_models import PendingAttendanceReport
from registrations.certificate_models import Certificate
from registrations.certificate_services import delete_orphan_certificate_files
from registrations.models import Registration
from registrations.privacy_models import (
    DEFAULT_CERTIFICATE_YEARS,
    DEFAULT_DETAILS_MONTHS,
    SeriesRetention,
    SessionPurge,
)

PENDING_REPORT_MAX_AGE = dt.timedelta(days=1)


@dataclasses.dataclass
class PurgeReport:
    sessions: int = 0
    registrations: int = 0
    certificates_deleted: int = 0
    orphan_certificate_files: int = 0
    people: int = 0
    access_log_entries: int = 0


@dataclasses.dataclass(frozen=True)
class Periods:
    details_months: int = DEFAULT_DETAILS_MONTHS
    certificate_years: int = DEFAULT_CERTIFICATE_YEARS


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """`moment` plus whole calendar months (31 January + 1 month = 28/29 February)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def periods_for(series: Series | int) -> Periods:
    series_id = series if isinstance(series, int) else series.pk
    row = SeriesRetention.objects.filter(series_id=series_id).first()
    if row is None:
        return Periods()
    return Periods(details_months=row.details_months, certificate_years=row.certificate_years)


def details_expire_at(session: Session, periods: Periods | None = None) -> dt.datetime:
    """When the session's registrant details are anonymised: `details_months` after its end."""
    periods = periods or periods_for(session.series_id)
    return add_months(session.ends_at, periods.details_months)


def certificates_expire_at(session: Session, periods: Periods | None = None) -> dt.datetime:
    """When the session's certificates stop verifying and are deleted: `certificate_years` after its end."""
    periods = periods or periods_for(session.series_id)
    return add_months(session.ends_at, 12 * periods.certificate_years)


def _all_periods() -> dict[int, Periods]:
    return {
        row.series_id: Periods(details_months=row.details_months, certificate_years=row.certificate_years)
        for row in SeriesRetention.objects.all()
    }


def _ended_sessions(now: dt.datetime, *, purged_field: str):
    return (
        Session.objects.filter(ends_at__lte=now)
        .exclude(Exists(SessionPurge.objects.filter(session=OuterRef("pk"), **{f"{purged_field}__isnull": False})))
        .order_by("ends_at")
    )


def purge_session_details(*, session: Session, now: dt.datetime) -> int:
    """Anonymise one session's registrant details (step 1 above). Returns the registrations changed."""
    with transaction.atomic():
        registrations = Registration.objects.filter(session=session)
        changed = anonymise.scrub_registrations(registrations)
        anonymise.drop_certificate_files(Certificate.objects.filter(registration__session=session))
        SessionPurge.objects.update_or_create(session=session, defaults={"details_purged_at": now})
    return changed


def purge_session_certificates(*, session: Session, now: dt.datetime) -> int:
    """Delete one session's certificates (step 2 above). Returns how many."""
    with transaction.atomic():
        deleted = anonymise.delete_certificates(Certificate.objects.filter(registration__session=session))
        SessionPurge.objects.update_or_create(session=session, defaults={"certificates_purged_at": now})
    return deleted


def people_to_anonymise(now: dt.datetime):
    """Non-staff accounts that hold nothing worth keeping any more (step 3 above)."""
    holds_details = Registration.objects.filter(user=OuterRef("pk")).exclude(
        Exists(SessionPurge.objects.filter(session=OuterRef("session"), details_purged_at__isnull=False))
    )
    has_registrations = Registration.objects.filter(user=OuterRef("pk"))
    quiet_since = add_months(now, -DEFAULT_DETAILS_MONTHS)
    never_registered_and_quiet = ~Exists(has_registrations) & Q(date_joined__lt=quiet_since) & (
        Q(last_login__isnull=True) | Q(last_login__lt=quiet_since)
    )
    return (
        User.objects.filter(is_staff=False, is_superuser=False)
        .exclude(username__startswith=anonymise.ERASED_USERNAME_PREFIX, is_active=False)
        .filter((Exists(has_registrations) & ~Exists(holds_details)) | never_registered_and_quiet)
    )


def purge_expired(*, now: dt.datetime | None = None) -> PurgeReport:
    """Anonymise and delete everything whose retention period is over (see the module docstring).

    Idempotent: a second run at the same moment changes nothing. Each session is purged in its own
    transaction, so a failure leaves the others done. Side effects: database updates and deletions;
    certificate PDFs deleted after commit; no emails.
    """
    now = now or timezone.now()
    report = PurgeReport()
    periods = _all_periods()
    for session in _ended_sessions(now, purged_field="details_purged_at").only("pk", "ends_at", "series_id"):
        if details_expire_at(session, periods.get(session.series_id, Periods())) <= now:
            report.registrations += purge_session_details(session=session, now=now)
            report.sessions += 1
    for session in _ended_sessions(now, purged_field="certificates_purged_at").only("pk", "ends_at", "series_id"):
        if certificates_expire_at(session, periods.get(session.series_id, Periods())) <= now:
            report.certificates_deleted += purge_session_certificates(session=session, now=now)
    report.orphan_certificate_files = delete_orphan_certificate_files(now=now)
    for user in people_to_anonymise(now).iterator():
        with transaction.atomic():
            anonymise.anonymise_user(user)
        report.people += 1
    report.access_log_entries = access_log.purge_access_log(now=now)
    PendingAttendanceReport.objects.filter(created_at__lt=now - PENDING_REPORT_MAX_AGE).delete()
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    UserSession.objects.filter(last_seen_at__lt=now - dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)).delete()
    return report


@dataclasses.dataclass(frozen=True)
class ScheduledPurge:
    session: Session
    details_at: dt.datetime
    certificates_at: dt.datetime
    details_done: bool
    certificates_done: bool


def upcoming_purges(sessions) -> list[ScheduledPurge]:
    """For each session: when its details and its certificates are (or were) purged."""
    periods = _all_periods()
    done = {row.session_id: row for row in SessionPurge.objects.filter(session__in=[s.pk for s in sessions])}
    result = []
    for session in sessions:
        session_periods = periods.get(session.series_id, Periods())
        mark = done.get(session.pk)
        result.append(
            ScheduledPurge(
                session=session,
                details_at=details_expire_at(session, session_periods),
                certificates_at=certificates_expire_at(session, session_periods),
                details_done=bool(mark and mark.details_purged_at),
                certificates_done=bool(mark and mark.certificates_purged_at),
            )
        )
    return result
