"""Attendance workflows: read a platform report against a session, import it, set minutes by hand,
and decide who attended long enough for a certificate.

How minutes are counted (the same for every platform):

- Rows are matched to the session's registrations by the email address of the registrant's
  account, trimmed and case-insensitive. Only confirmed registrations count; rows of cancelled
  or waitlisted registrations, of unknown addresses and without an address are listed as
  unmatched, with the reason.
- A person's connections are merged as a union of intervals, so overlapping connections (a
  second device, a rejoin before the first connection timed out) are not counted twice.
- Only time inside the session's window counts: from the scheduled start (the waiting room
  before it does not count) to the scheduled end plus `OVERRUN_MINUTES` (sessions overrun with
  questions). The result is rounded down to whole minutes and capped at the session's scheduled
  length. Reports that only give totals (plain CSV, Teams without connections) are capped too; a
  person listed twice there gets the larger figure, never the sum.
- Report timestamps are local times of the zone the organiser states (the session's by default).

A report is refused as a whole, changing nothing, when it cannot be read, when it is for
another date than the session's, when it has no usable row or when none of its rows matches a
confirmed registration.
"""

import dataclasses
import datetime as dt
import math
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext

from events.models import Session
from events.timefmt import get_babel_locale
from registrations.attendance.parsers import ParsedReport, ReportError, ReportRow, most_common_date, parse_report
from registrations.attendance_models import (
    DEFAULT_MINIMUM_PERCENT,
    Attendance,
    AttendanceImport,
    AttendanceSource,
    SessionCertificateSettings,
)
from registrations.models import AuditEntry, Registration
from registrations.report_flags import refresh_report_flags

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

OVERRUN_MINUTES = 30

# Audit actions of this module (registrations.models.AuditEntry.Action should list them).
ATTENDANCE_IMPORTED = "attendance_imported"
ATTENDANCE_SET = "attendance_set"
ATTENDANCE_CLEARED = "attendance_cleared"


@dataclasses.dataclass
class MatchedAttendance:
    registration: Registration
    name: str
    email: str
    minutes: int
    connections: int
    has_overlap: bool  # two connections overlapped: merged, not added
    lines: list[int]


@dataclasses.dataclass
class UnmatchedRow:
    line: int
    name: str
    email: str
    reason: str


@dataclasses.dataclass
class AttendancePreview:
    session: Session
    source: str
    report_zone: str
    required_minutes: int
    matched: list[MatchedAttendance]
    unmatched: list[UnmatchedRow]

    @property
    def rejoined(self) -> list[MatchedAttendance]:
        return [item for item in self.matched if item.connections > 1]

    @property
    def eligible_count(self) -> int:
        return sum(1 for item in self.matched if item.minutes >= self.required_minutes)


def required_minutes(session: Session) -> int:
    """Minutes of attendance a certificate for `session` needs (see SessionCertificateSettings)."""
    rule = SessionCertificateSettings.objects.filter(session=session).first()
    if rule is not None and rule.minimum_minutes:
        return rule.minimum_minutes
    percent = rule.minimum_percent if rule is not None else DEFAULT_MINIMUM_PERCENT
    return max(1, math.ceil(session.duration_minutes * percent / 100))


def session_window(session: Session) -> tuple[dt.datetime, dt.datetime]:
    return session.starts_at, session.ends_at + dt.timedelta(minutes=OVERRUN_MINUTES)


def merge_intervals(intervals: list[tuple[dt.datetime, dt.datetime]]) -> tuple[int, bool]:
    """Seconds covered by the union of `intervals`, and whether any two of them overlapped."""
    total, overlapped = 0, False
    current_start = current_end = None
    for start, end in sorted(intervals):
        if current_end is not None and start < current_end:
            overlapped = True
        if current_end is None or start > current_end:
            if current_end is not None:
                total += int((current_end - current_start).total_seconds())
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += int((current_end - current_start).total_seconds())
    return total, overlapped


def _format_date(value: dt.date) -> str:
    from babel.dates import format_date  # noqa: PLC0415 (babel is only needed for this message)
    from django.utils.translation import get_language  # noqa: PLC0415

    return format_date(value, "long", locale=get_babel_locale(get_language() or "en"))


def _check_date(session: Session, report: ParsedReport, zone: dt.tzinfo) -> None:
    if report.source == AttendanceSource.CSV:
        return  # minutes only: nothing says which day it is
    session_dates = {session.starts_at.astimezone(zone).date(), session.ends_at.astimezone(zone).date()}
    report_date = report.report_date or most_common_date(report)
    if report_date is not None and report_date not in session_dates:
        raise ReportError(
            gettext(
                "This report is for %(report_date)s, but the session took place on %(session_date)s "
                "(in the report's time zone). Nothing was imported."
            )
            % {"report_date": _format_date(report_date), "session_date": _format_date(min(session_dates))}
        )


def _registrations_by_email(session: Session) -> dict[str, Registration]:
    """Each address's registration for the session; an active one wins over a cancelled one."""
    found: dict[str, Registration] = {}
    for registration in Registration.objects.filter(session=session).select_related("user").order_by("-pk"):
        email = registration.user.email.strip().lower()
        if email and (email not in found or found[email].status == Registration.Status.CANCELLED):
            found[email] = registration
    return found


def _unmatched_reason(registration: Registration | None) -> str:
    if registration is None:
        return gettext("No registration for this session with this email address.")
    if registration.status == Registration.Status.CANCELLED:
        return gettext("The registration was cancelled.")
    return gettext("The person was on the waiting list.")


def _is_usable(row: ReportRow) -> bool:
    has_time = (row.joined_at is not None and row.left_at is not None) or row.minutes is not None
    return bool(row.email) and has_time


def read_report(*, session: Session, source: str, content: bytes, zone: str) -> AttendancePreview:
    """Parse and match a report without saving anything: what `import_attendance_report` would do.

    Raises ReportError (with a message for the organiser) when the report must be refused.
    """
    if source not in {choice.value for choice in AttendanceSource if choice != AttendanceSource.MANUAL}:
        raise ValueError(source)
    tz = zoneinfo.ZoneInfo(zone)
    report = parse_report(source=source, content=content, zone=tz)
    if not any(_is_usable(row) for row in report.rows):
        raise ReportError(gettext("The report has no row with both an email address and a time. Nothing was imported."))
    _check_date(session, report, tz)

    by_email = _registrations_by_email(session)
    window_start, window_end = session_window(session)
    cap = session.duration_minutes
    rows_by_email: dict[str, list[ReportRow]] = defaultdict(list)
    unmatched: list[UnmatchedRow] = []
    for row in report.rows:
        if not _is_usable(row):
            unmatched.append(UnmatchedRow(row.line, row.name, row.email, gettext("No email address or no time.")))
            continue
        registration = by_email.get(row.email)
        if registration is None or registration.status != Registration.Status.CONFIRMED:
            unmatched.append(UnmatchedRow(row.line, row.name, row.email, _unmatched_reason(registration)))
            continue
        if row.joined_at and (row.left_at <= window_start or row.joined_at >= window_end):
            unmatched.append(
                UnmatchedRow(row.line, row.name, row.email, gettext("Connected outside the session's time."))
            )
            continue
        rows_by_email[row.email].append(row)

    matched = []
    for email, rows in rows_by_email.items():
        intervals = [
            (max(row.joined_at, window_start), min(row.left_at, window_end)) for row in rows if row.joined_at
        ]
        if intervals:
            seconds, has_overlap = merge_intervals(intervals)
            minutes = seconds // 60
        else:
            minutes, has_overlap = max(row.minutes for row in rows), False
        matched.append(
            MatchedAttendance(
                registration=by_email[email],
                name=rows[0].name,
                email=email,
                minutes=min(minutes, cap),
                connections=len(rows),
                has_overlap=has_overlap,
                lines=[row.line for row in rows],
            )
        )
    if not matched:
        raise ReportError(
            gettext("None of the rows matches a confirmed registration of this session. Nothing was imported.")
        )
    matched.sort(key=lambda item: (item.name.casefold(), item.email))
    return AttendancePreview(
        session=session,
        source=source,
        report_zone=zone,
        required_minutes=required_minutes(session),
        matched=matched,
        unmatched=unmatched,
    )


def import_attendance_report(
    *, session: Session, source: str, content: bytes, zone: str, actor: "AbstractBaseUser | None"
) -> AttendanceImport:
    """Replace the session's attendance from `source` with what the report says.

    Refuses the report as a whole (ReportError, nothing changed) like `read_report`. Side effects:
    deletes the session's earlier rows of this source, creates one Attendance per matched
    registration and an AttendanceImport record, and writes an audit entry (counts only).
    Manual attendance is kept: it overrides any report.
    """
    preview = read_report(session=session, source=source, content=content, zone=zone)
    with transaction.atomic():
        Session.objects.select_for_update().get(pk=session.pk)
        earlier = Attendance.objects.filter(registration__session=session, source=source)
        touched = set(earlier.values_list("registration_id", flat=True))
        earlier.delete()
        record = AttendanceImport.objects.create(
            session=session,
            source=source,
            report_zone=zone,
            imported_by=actor,
            matched_count=len(preview.matched),
            unmatched_count=len(preview.unmatched),
        )
        Attendance.objects.bulk_create(
            Attendance(
                registration=item.registration,
                source=source,
                minutes=item.minutes,
                connections=min(item.connections, 32767),
                report=record,
            )
            for item in preview.matched
        )
        refresh_report_flags(touched | {item.registration.pk for item in preview.matched})
        AuditEntry.objects.create(
            action=ATTENDANCE_IMPORTED,
            session=session,
            actor=actor,
            details={
                "source": source,
                "zone": zone,
                "matched": len(preview.matched),
                "unmatched": len(preview.unmatched),
                "import": record.pk,
            },
        )
    return record


def set_manual_attendance(
    *, registration: Registration, minutes: int, reason: str, actor: "AbstractBaseUser | None"
) -> Attendance:
    """Record an organiser's decision on a registration's minutes; it overrides every report.

    `reason` is required. Minutes are capped at the session's length. Side effect: audit entry
    with the old and new minutes (the reason stays on the attendance row).
    """
    reason = reason.strip()
    if not reason:
        raise ValueError("A reason is required.")
    if minutes < 0:
        raise ValueError("Minutes cannot be negative.")
    with transaction.atomic():
        # Only the registration's row: a plain FOR UPDATE over the join would lock the session's too,
        # and hold up everyone registering for or cancelling it until this commits.
        registration = (
            Registration.objects.select_for_update(of=("self",)).select_related("session").get(pk=registration.pk)
        )
        previous = attended_minutes(registration)
        attendance, _created = Attendance.objects.update_or_create(
            registration=registration,
            source=AttendanceSource.MANUAL,
            defaults={
                "minutes": min(minutes, registration.session.duration_minutes),
                "reason": reason,
                "set_by": actor,
                "connections": 1,
            },
        )
        refresh_report_flags([registration.pk])
        AuditEntry.objects.create(
            action=ATTENDANCE_SET,
            registration=registration,
            session_id=registration.session_id,
            actor=actor,
            details={"minutes": attendance.minutes, "previous_minutes": previous},
        )
    return attendance


def clear_manual_attendance(*, registration: Registration, actor: "AbstractBaseUser | None") -> None:
    """Remove the organiser's figure, so the reports count again. Side effect: audit entry."""
    with transaction.atomic():
        deleted, _detail = Attendance.objects.filter(registration=registration, source=AttendanceSource.MANUAL).delete()
        if deleted:
            refresh_report_flags([registration.pk])
            AuditEntry.objects.create(
                action=ATTENDANCE_CLEARED, registration=registration, session_id=registration.session_id, actor=actor
            )


def _effective(rows: list[Attendance]) -> Attendance | None:
    manual = [row for row in rows if row.source == AttendanceSource.MANUAL]
    if manual:
        return manual[0]
    return max(rows, key=lambda row: row.minutes, default=None)


def attended_minutes(registration: Registration) -> int | None:
    """The minutes that count for `registration` (manual first, else the best report), or None."""
    return attended_minutes_by_registration([registration.pk]).get(registration.pk)


def attended_minutes_by_registration(registration_ids: Iterable[int]) -> dict[int, int]:
    """`attended_minutes()` of each of these registrations that has any attendance (one query)."""
    rows: dict[int, list[Attendance]] = defaultdict(list)
    for row in Attendance.objects.filter(registration_id__in=registration_ids):
        rows[row.registration_id].append(row)
    return {registration_id: _effective(items).minutes for registration_id, items in rows.items()}


def attendance_by_registration(session: Session) -> dict[int, Attendance]:
    """For each registration of the session with any attendance, the row that counts."""
    rows: dict[int, list[Attendance]] = defaultdict(list)
    for row in Attendance.objects.filter(registration__session=session).select_related("set_by"):
        rows[row.registration_id].append(row)
    return {registration_id: _effective(items) for registration_id, items in rows.items()}


def eligible_registration_ids(session: Session) -> list[int]:
    """Confirmed registrations of the session that attended at least `required_minutes`."""
    needed = required_minutes(session)
    confirmed = set(Registration.objects.filter(session=session).confirmed().values_list("pk", flat=True))
    return sorted(
        registration_id
        for registration_id, row in attendance_by_registration(session).items()
        if registration_id in confirmed and row.minutes >= needed
    )


def is_eligible(registration: Registration) -> bool:
    minutes = attended_minutes(registration)
    return (
        registration.status == Registration.Status.CONFIRMED
        and minutes is not None
        and minutes >= required_minutes(registration.session)
    )
