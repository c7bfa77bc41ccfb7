"""The dashboard's numbers against a data set small enough to count by hand."""

import datetime as dt

import pytest

from registrations.report_queries import (
    OTHER,
    BreakdownRow,
    ReportFilters,
    build_cumulative_curve,
    build_report,
    count_daily_registrations,
    sessions_for_report,
)
from tests.dashboard.conftest import attend, certify, make_registration
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_set(past_session):
    """Session A (capacity 10) with eight registrations of every kind; session B with six."""
    a = past_session
    before = a.starts_at - dt.timedelta(days=3)
    r1 = make_registration(a, at=before, language="en", country="KZ", profession="physician")
    attend(r1, 60)
    certify(r1)
    r2 = make_registration(a, at=before, country="KZ", profession="physician")
    attend(r2, 30)
    attend(r2, 0, source="manual")  # the organiser's decision wins: not attended
    r3 = make_registration(
        a,
        at=before,
        country="KZ",
        profession="nurse",
        waitlisted_at=before,
        confirmed_at=before + dt.timedelta(days=1),
    )  # promoted from the waitlist
    attend(r3, 45, source="manual")
    make_registration(a, at=before, status="waitlisted", language="en", country="DE", profession="nurse")  # r4
    make_registration(
        a,
        at=before,
        status="cancelled",
        waitlisted_at=before,
        country="DE",
        profession="student",
        cancelled_at=before + dt.timedelta(days=1),
    )  # r5: left the waitlist before the start
    make_registration(
        a,
        at=before,
        status="cancelled",
        waitlisted_at=before,
        country="FR",
        profession="student",
        cancelled_at=a.starts_at + dt.timedelta(minutes=5),
    )  # r6: still waiting at the start
    r7 = make_registration(a, at=before - dt.timedelta(days=1), status="cancelled", language="en", country="KZ")
    attend(r7, 0)
    r8 = make_registration(a, at=before, country="KZ", profession="physician")
    attend(r8, 50)
    certify(r8, status="revoked")

    b = SessionFactory(starts_at=a.starts_at + dt.timedelta(days=7), ends_at=a.ends_at + dt.timedelta(days=7))
    for index in range(6):
        registration = make_registration(
            b, at=b.starts_at - dt.timedelta(days=index), language="en", country="UZ", profession="data"
        )
        if index < 5:
            attend(registration, 40)
    return a, b


def test_session_rows_count_each_stage_by_hand(data_set):
    a, b = data_set

    rows = build_report(sessions_for_report(ReportFilters())).rows

    figures = [
        (
            row.session,
            row.registered,
            row.confirmed,
            row.cancelled,
            row.attended,
            row.certified,
            row.english,
            row.russian,
            row.waiting_at_start,
            row.promoted,
        )
        for row in rows
    ]
    assert figures == [
        (a, 8, 4, 3, 3, 1, 3, 5, 2, 1),
        (b, 6, 6, 0, 5, 0, 6, 0, 0, 0),
    ]
    assert rows[0].attendance_rate == 3 / 4
    assert rows[0].russian_share == 5 / 8


def test_breakdowns_merge_small_cells_into_other(data_set):
    breakdowns = build_report(sessions_for_report(ReportFilters())).breakdowns

    # KZ has 5 registrations but only 3 attended: a small cell, so all of KZ goes to "other";
    # DE (2) and FR (1) are small too. UZ (6 registered, 5 attended) is shown.
    assert breakdowns["country"].rows == [
        BreakdownRow(key="UZ", registered=6, attended=5),
        BreakdownRow(key=OTHER, registered=8, attended=3),
    ]
    assert breakdowns["country"].merged_small == 3
    assert breakdowns["profession"].rows == [
        BreakdownRow(key="data", registered=6, attended=5),
        BreakdownRow(key=OTHER, registered=8, attended=3),
    ]
    assert breakdowns["profession"].merged_small == 3


def test_filters_choose_sessions_by_series_and_date(data_set):
    a, b = data_set

    only_a = sessions_for_report(ReportFilters(date_to=a.starts_at.date()))
    only_b = sessions_for_report(ReportFilters(date_from=b.starts_at.date(), series=b.series))

    assert list(only_a) == [a]
    assert list(only_b) == [b]


def test_daily_registrations_and_cumulative_curve(data_set):
    a, _b = data_set
    day = (a.starts_at - dt.timedelta(days=3)).date()

    daily = count_daily_registrations(sessions_for_report(ReportFilters(date_to=a.starts_at.date())))

    assert daily == {a.pk: {day - dt.timedelta(days=1): 1, day: 7}}
    opened = a.registration_opens_at.date()
    assert build_cumulative_curve(daily[a.pk], opened) == [((day - opened).days - 1, 1), ((day - opened).days, 8)]
