"""The dashboard's demo data: enough to tell a story, and the same on a second run."""

import datetime as dt

import pytest

from events.demo import load_demo
from registrations.attendance_models import Attendance
from registrations.certificate_models import Certificate
from registrations.dashboard_demo import PAST_SESSIONS, load_dashboard_demo
from registrations.models import Registration

pytestmark = pytest.mark.django_db


def _snapshot():
    return sorted(
        Registration.objects.values_list(
            "session__slug",
            "user__username",
            "status",
            "language",
            "country",
            "created_at",
            "confirmed_at",
            "waitlisted_at",
            "cancelled_at",
            "public_id",
        )
    )


def test_demo_fills_past_sessions_and_is_idempotent():
    today = dt.date(2026, 11, 28)
    result = load_demo(today=today)

    first = load_dashboard_demo(sessions=result.sessions, today=today)
    snapshot = _snapshot()
    counts = (Attendance.objects.count(), Certificate.objects.count())
    second = load_dashboard_demo(sessions=result.sessions, today=today)

    assert len(first.sessions) == len(PAST_SESSIONS)
    assert first.registrations > 5000
    assert second.registrations == 0
    assert _snapshot() == snapshot
    assert (Attendance.objects.count(), Certificate.objects.count()) == counts
    usernames = set(Registration.objects.values_list("user__username", flat=True))
    assert all(name.endswith("@example.invalid") for name in usernames)
    statuses = set(Registration.objects.values_list("status", flat=True))
    assert statuses == {"confirmed", "waitlisted", "cancelled"}
    promoted = Registration.objects.filter(waitlisted_at__isnull=False, confirmed_at__isnull=False)
    assert all(r.waitlisted_at < r.confirmed_at < r.session.starts_at for r in promoted.select_related("session"))
