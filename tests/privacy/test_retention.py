"""Retention with time travel: the daily purge before, at and after each boundary, run twice,
with statistics unchanged."""

import datetime as dt
import os

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count

from registrations import privacy, retention
from registrations.certificate_models import Certificate
from registrations.models import AuditEntry, Registration
from registrations.privacy_models import AccessLogEntry, SeriesRetention
from tests.factories import SessionFactory, UserFactory
from tests.privacy.conftest import find_text, give_certificate, make_registration

# Transactional: certificate files are deleted after commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

END = dt.datetime(2024, 7, 18, 12, 30, tzinfo=dt.UTC)
DETAILS_DUE = dt.datetime(2025, 7, 18, 12, 30, tzinfo=dt.UTC)  # 12 months after the end
CERTIFICATES_DUE = dt.datetime(2034, 7, 18, 12, 30, tzinfo=dt.UTC)  # 10 years after the end
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def session_2024(db):
    session = SessionFactory(starts_at=END - dt.timedelta(minutes=90), ends_at=END)
    people = [("Anna Petrova", "RU", "confirmed"), ("John Smith", "GB", "confirmed"),
              ("Aigerim Sadykova", "KZ", "cancelled"), ("Ivan Ivanov", "RU", "waitlisted")]
    for name, country, status in people:
        user = UserFactory(email=f"{name.split()[0].lower()}@health.example")
        registration = make_registration(session, user, full_name=name, country=country, status=status)
        AuditEntry.objects.create(action="certificate_revoked", registration=registration, session=session,
                                  details={"reason": f"typo in {name}", "rows": 1})
    give_certificate(Registration.objects.get(full_name="Anna Petrova"), name="Anna Petrova")
    return session


def _statistics(session):
    registrations = Registration.objects.filter(session=session)
    return (
        sorted(registrations.values_list("status").annotate(n=Count("pk"))),
        sorted(registrations.values_list("country").annotate(n=Count("pk"))),
        sorted(registrations.values_list("profession", "language").annotate(n=Count("pk"))),
    )


def _purge(moment):
    with time_machine.travel(moment, tick=False):
        return privacy.purge_expired()


def test_details_are_kept_until_the_boundary(session_2024):
    report = _purge(DETAILS_DUE - SECOND)

    assert report.registrations == 0
    assert find_text("Anna Petrova") != []
    assert find_text("anna@health.example") != []


@pytest.mark.parametrize("moment", [DETAILS_DUE, DETAILS_DUE + dt.timedelta(days=3)])
def test_details_are_anonymised_at_and_after_the_boundary(session_2024, moment):
    certificate = Certificate.objects.get()
    pdf_path = certificate.pdf.path

    report = _purge(moment)

    assert (report.sessions, report.registrations, report.people) == (1, 4, 4)
    for needle in ("Anna Petrova", "John Smith", "Ivan Ivanov", "anna@health.example", "john@health.example"):
        assert find_text(needle) in ([], ["registrations.Certificate.printed_name"]), needle
    certificate.refresh_from_db()
    assert (certificate.printed_name, certificate.pdf.name, certificate.status) == ("Anna Petrova", "", "valid")
    assert not os.path.exists(pdf_path)
    assert list(AuditEntry.objects.values_list("details", flat=True)) == [{"rows": 1}] * 4


def test_purge_leaves_statistics_unchanged_and_is_idempotent(session_2024):
    before = _statistics(session_2024)

    first = _purge(DETAILS_DUE)
    second = _purge(DETAILS_DUE + SECOND)

    assert _statistics(session_2024) == before
    assert (first.registrations, second.registrations, second.people, second.sessions) == (4, 0, 0, 0)


def test_certificates_verify_until_their_boundary_then_are_deleted(session_2024):
    _purge(CERTIFICATES_DUE - SECOND)
    assert Certificate.objects.count() == 1

    report = _purge(CERTIFICATES_DUE)

    assert report.certificates_deleted == 1
    assert Certificate.objects.count() == 0
    assert find_text("Anna Petrova") == []
    assert _purge(CERTIFICATES_DUE + SECOND).certificates_deleted == 0


def test_series_periods_are_read_from_its_settings(session_2024):
    SeriesRetention.objects.create(series=session_2024.series, details_months=3, certificate_years=2)

    assert retention.details_expire_at(session_2024) == dt.datetime(2024, 10, 18, 12, 30, tzinfo=dt.UTC)
    assert retention.certificates_expire_at(session_2024) == dt.datetime(2026, 7, 18, 12, 30, tzinfo=dt.UTC)
    assert _purge(dt.datetime(2024, 10, 18, 12, 30, tzinfo=dt.UTC)).registrations == 4


def test_a_person_with_a_later_session_keeps_their_account(session_2024):
    anna = Registration.objects.get(full_name="Anna Petrova").user
    later = SessionFactory(starts_at=DETAILS_DUE, ends_at=DETAILS_DUE + dt.timedelta(hours=1))
    make_registration(later, anna, full_name="Anna Petrova")

    _purge(DETAILS_DUE)

    anna.refresh_from_db()
    assert (anna.email, anna.is_active) == ("anna@health.example", True)


def test_access_log_is_kept_for_the_configured_days(settings, db):
    settings.ACCESS_LOG_RETENTION_DAYS = 30
    AccessLogEntry.objects.create(kind="export", created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    assert _purge(dt.datetime(2026, 1, 31, tzinfo=dt.UTC)).access_log_entries == 0
    assert _purge(dt.datetime(2026, 1, 31, 0, 0, 1, tzinfo=dt.UTC)).access_log_entries == 1


def test_management_command_runs_the_purge(session_2024, capsys):
    with time_machine.travel(DETAILS_DUE, tick=False):
        call_command("purge_expired_personal_data")

    assert "registrations 4" in capsys.readouterr().out
    assert Registration.objects.filter(full_name="").count() == 4


def test_daily_task_runs_the_purge(session_2024):
    from registrations.privacy_tasks import privacy_daily_purge  # noqa: PLC0415

    with time_machine.travel(DETAILS_DUE, tick=False):
        result = privacy_daily_purge.enqueue()

    assert result.return_value["registrations"] == 4
