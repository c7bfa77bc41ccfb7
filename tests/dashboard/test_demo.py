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


# The moment the demo is built as of. Open sessions gain registrations with the clock (about 35
# a day), so a test on the real clock could see a plan move between two runs.
NOW = dt.datetime(2026, 11, 28, 15, 30, tzinfo=dt.UTC)


def test_demo_fills_past_sessions_and_is_idempotent():
    today = NOW.date()
    result = load_demo(today=today)

    first = load_dashboard_demo(sessions=result.sessions, now=NOW)
    snapshot = _snapshot()
    counts = (Attendance.objects.count(), Certificate.objects.count())
    second = load_dashboard_demo(sessions=result.sessions, now=NOW)

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


def _who_registered_when(sessions):
    return set(Registration.objects.filter(session__in=sessions).values_list("session__slug", "user_id", "created_at"))


def test_a_later_run_only_adds_registrants_to_the_open_sessions():
    result = load_demo(today=NOW.date())
    load_dashboard_demo(sessions=result.sessions, now=NOW)
    past_slugs = {data["slug"] for data in PAST_SESSIONS}
    past_before = [row for row in _snapshot() if row[0] in past_slugs]
    open_sessions = [
        session
        for session in result.sessions
        if session.registration_opens_at and session.registration_opens_at < NOW < session.starts_at
    ]
    open_before = _who_registered_when(open_sessions)

    later = load_dashboard_demo(sessions=result.sessions, now=NOW + dt.timedelta(hours=6))

    # Six hours bring the open sessions more registrants: the same people as before and then some,
    # as a real crowd would; the past sessions stay as they were.
    open_after = _who_registered_when(open_sessions)
    assert open_sessions
    assert open_before < open_after
    assert all(created_at >= NOW for _slug, _user, created_at in open_after - open_before)
    assert later.registrations > 0
    assert [row for row in _snapshot() if row[0] in past_slugs] == past_before
