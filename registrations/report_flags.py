"""The dashboard's per-registration flags, `Registration.attended` and `has_valid_certificate`.

Stored so the dashboard counts them instead of looking every registration up in the attendance
and certificate tables. Every write of attendance or certificates calls `refresh_report_flags()`
in its transaction: the attendance services (import, manual set, clear), the certificate services
(issue, revoke, replace) and certificate deletion (`anonymise.delete_certificates`). It also moves
the registrations whose flags changed between the dashboard's tallies (registrations/report_tallies.py).

The rules, the same as the dashboard's definitions (registrations/report_queries.py):

- attended: the minutes that count are above zero: a row set by hand wins, even with 0 minutes;
  otherwise any platform report's row (`attendance.services.attended_minutes()`);
- has a valid certificate: a certificate with status "valid".
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from registrations.attendance_models import Attendance, AttendanceSource
from registrations.certificate_models import Certificate
from registrations.models import Registration
from registrations.report_tallies import count_changes, read_facts


def attended_condition(attendance_model=Attendance, *, manual: str = AttendanceSource.MANUAL) -> Exists:
    """True for a registration whose manual row is above 0 minutes, or, without one, any row is."""
    rows = attendance_model.objects.filter(registration_id=OuterRef("pk"))
    # Inside `rows`, OuterRef points at the attendance row: its registration's manual row.
    has_manual = attendance_model.objects.filter(registration_id=OuterRef("registration_id"), source=manual)
    return Exists(rows.filter(Q(source=manual) | ~Exists(has_manual), minutes__gt=0))


def certified_condition(certificate_model=Certificate, *, valid: str = Certificate.Status.VALID) -> Exists:
    return Exists(certificate_model.objects.filter(registration_id=OuterRef("pk"), status=valid))


def refresh_report_flags(registration_ids: Iterable[int] | QuerySet) -> int:
    """Recompute both flags of these registrations from their attendance and certificates, and
    adjust the dashboard's tallies by what changed.

    Locks the registrations' rows, updates them in one UPDATE, and counts the difference (three
    queries, a fourth when a flag changed); call it inside the transaction that changed attendance
    or certificates. Returns the rows updated.
    """
    if not isinstance(registration_ids, QuerySet):
        registration_ids = list(registration_ids)
        if not registration_ids:
            return 0
    registrations = Registration.objects.filter(pk__in=registration_ids)
    with transaction.atomic():
        # Locked: no other writer changes these rows between the two readings.
        before = read_facts(registrations.select_for_update())
        updated = registrations.update(attended=attended_condition(), has_valid_certificate=certified_condition())
        after = read_facts(registrations)
        changed = [pk for pk, facts in after.items() if before.get(pk) != facts]
        count_changes(before=[before[pk] for pk in changed if pk in before], after=[after[pk] for pk in changed])
    return updated
