"""The dashboard's tallies follow every registration, cancellation, promotion, attendance and
certificate change the services make, and agree with the rows after each (registrations/report_tallies.py)."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from registrations.anonymise import delete_certificates
from registrations.attendance.services import clear_manual_attendance, set_manual_attendance
from registrations.attendance_models import Attendance
from registrations.certificate_models import Certificate
from registrations.certificate_services import issue_certificate, revoke_certificate
from registrations.models import Registration, RegistrationTally
from registrations.privacy import erase_person
from registrations.report_flags import refresh_report_flags
from registrations.report_queries import ReportFilters, build_report, count_daily_registrations, sessions_for_report
from registrations.report_tallies import count_tallies, find_tally_differences, read_tallies, rebuild_report_tallies
from registrations.services import cancel_registration, promote_registration, register_attendee
from tests.factories import OrganiserFactory, SessionFactory, UserFactory, attendee_details

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _certificate_site(settings):
    settings.SITE_URL = "https://decoded.example"  # printed on certificates


def register(session, **details):
    return register_attendee(session=session, user=UserFactory(), details=attendee_details(**details)).registration


def figures(session):
    row = build_report(sessions_for_report(ReportFilters())).rows[0]
    assert row.session == session
    return (row.registered, row.confirmed, row.cancelled, row.attended, row.certified, row.english, row.russian)


def test_every_service_keeps_the_tallies_equal_to_the_rows():
    session = SessionFactory(capacity=2)
    organiser = OrganiserFactory()

    # Two places, then the waitlist.
    anna = register(session, language="ru", country="KZ", profession="physician")
    ben = register(session, language="en", country="GB", profession="nurse")
    carla = register(session, language="en", country="DE", profession="nurse")
    dana = register(session, language="ru", country="KZ", profession="data")
    assert (anna.status, carla.status, dana.status) == ("confirmed", "waitlisted", "waitlisted")
    assert find_tally_differences() == {}

    # Ben cancels: Carla, first in line, gets his place.
    cancel_registration(registration=ben, actor=ben.user)
    carla.refresh_from_db()
    assert carla.status == "confirmed"
    assert find_tally_differences() == {}

    # The organiser gives Dana a place beyond the capacity; a fifth person waits, then gives up.
    promote_registration(registration=dana, actor=organiser)
    eve = register(session, language="en", country="", profession="")
    cancel_registration(registration=eve, actor=eve.user)
    assert find_tally_differences() == {}

    # Attendance by hand, then taken back; a certificate issued and revoked, another deleted.
    set_manual_attendance(registration=anna, minutes=80, reason="phoned in", actor=organiser)
    set_manual_attendance(registration=carla, minutes=70, reason="phoned in", actor=organiser)
    set_manual_attendance(registration=dana, minutes=90, reason="phoned in", actor=organiser)
    clear_manual_attendance(registration=dana, actor=organiser)
    certificate = issue_certificate(registration=anna)
    assert issue_certificate(registration=carla) is not None
    assert figures(session)[4] == 2  # both certified
    revoke_certificate(certificate=certificate, reason="issued by mistake", actor=organiser)
    assert find_tally_differences() == {}
    delete_certificates(Certificate.objects.filter(registration=carla))
    assert find_tally_differences() == {}

    # A platform report for several people at once, counted in one refresh.
    for registration in (anna, dana, eve):
        Attendance.objects.create(registration=registration, source="zoom", minutes=30)
    refresh_report_flags([anna.pk, dana.pk, eve.pk])
    assert find_tally_differences() == {}

    # Dana asks to be erased: her place is cancelled, her answers stay for the statistics.
    erase_person(user=dana.user, actor=organiser)
    assert find_tally_differences() == {}

    # registered, confirmed, cancelled, attended (Anna and Carla by hand, Eve by the report; Dana's
    # report row counts as she has no manual row left), certified (none valid), English, Russian.
    assert figures(session) == (5, 2, 3, 4, 0, 3, 2)
    assert read_tallies()[(session.pk, "country", "KZ")] == (2, 2, 0)
    assert read_tallies()[(session.pk, "profession", "nurse")] == (2, 1, 0)


def test_daily_tallies_are_the_utc_day_of_registration():
    session = SessionFactory(capacity=None)
    first = register(session)
    second = register(session)
    day = first.created_at.astimezone(dt.UTC).date()
    assert second.created_at.astimezone(dt.UTC).date() == day  # the same test run, the same day

    assert count_daily_registrations(sessions_for_report(ReportFilters())) == {session.pk: {day: 2}}


def test_rebuild_counts_rows_written_around_the_services():
    session = SessionFactory(capacity=None)
    register(session, country="UZ")
    bulk = Registration.objects.get(session=session)
    bulk.pk, bulk.public_id, bulk.user, bulk.join_token_hash = None, "bulk-1", UserFactory(), None
    bulk.save()  # like a bulk load: no service, no tally
    assert list(find_tally_differences()) == [
        (session.pk, "country", "UZ"),
        (session.pk, "day", bulk.created_at.astimezone(dt.UTC).date().isoformat()),
        (session.pk, "language", "ru"),
        (session.pk, "profession", "physician"),
        (session.pk, "status", "confirmed"),
    ]

    written = rebuild_report_tallies(sessions=[session])

    assert written == 5
    assert find_tally_differences() == {}
    assert read_tallies()[(session.pk, "country", "UZ")] == (2, 0, 0)


def test_command_checks_and_rebuilds():
    session = SessionFactory(capacity=None)
    register(session)
    RegistrationTally.objects.filter(session=session, attribute="status").update(registrations=7)

    with pytest.raises(CommandError, match="1 tally differs from the registrations"):
        call_command("rebuild_report_tallies", "--check")
    call_command("rebuild_report_tallies")
    call_command("rebuild_report_tallies", "--check")

    assert find_tally_differences() == {}


def test_the_migration_counts_what_the_rebuild_counts():
    session = SessionFactory(capacity=1)
    register(session, country="KZ")
    waiting = register(session, country="AM", language="en")
    cancel_registration(registration=waiting, actor=waiting.user)
    expected = count_tallies()
    RegistrationTally.objects.all().delete()
    migration = importlib.import_module("registrations.migrations.0012_registration_tallies")

    migration.count_tallies(apps, None)

    assert read_tallies() == expected
