"""The dashboard's stored flags follow every attendance and certificate change made by the services."""

import pytest

from registrations.anonymise import delete_certificates
from registrations.attendance.services import clear_manual_attendance, set_manual_attendance
from registrations.attendance_models import Attendance
from registrations.certificate_models import Certificate
from registrations.certificate_services import issue_certificate, reissue_certificate, revoke_certificate
from registrations.models import Registration
from registrations.report_flags import refresh_report_flags
from tests.certificates.conftest import make_registration

pytestmark = pytest.mark.django_db(transaction=True)


def flags(registration):
    return tuple(Registration.objects.filter(pk=registration.pk).values_list("attended", "has_valid_certificate")[0])


def test_manual_attendance_overrides_reports_and_clearing_restores_them(session_2024):
    john = make_registration(session_2024, email="john@nhs.example", full_name="John Smith")
    Attendance.objects.create(registration=john, source="zoom", minutes=50)
    refresh_report_flags([john.pk])
    assert flags(john) == (True, False)

    set_manual_attendance(registration=john, minutes=0, reason="was not there", actor=None)
    assert flags(john) == (False, False)

    clear_manual_attendance(registration=john, actor=None)
    assert flags(john) == (True, False)


def test_certificate_issue_replace_revoke_and_delete(session_2024):
    john = make_registration(session_2024, email="john@nhs.example", full_name="John Smith")
    set_manual_attendance(registration=john, minutes=80, reason="phoned in", actor=None)

    certificate = issue_certificate(registration=john)
    assert flags(john) == (True, True)

    new = reissue_certificate(certificate=certificate, reason="name corrected", actor=None)
    assert flags(john) == (True, True)

    revoke_certificate(certificate=new, reason="issued by mistake", actor=None)
    assert flags(john) == (True, False)

    again = issue_certificate(registration=john)
    assert flags(john) == (True, True)
    delete_certificates(Certificate.objects.filter(pk=again.pk))
    assert flags(john) == (True, False)


def test_a_manual_row_of_another_person_does_not_count(session_2024):
    """Attendance ids and registration ids differ: the manual-row check must follow registration_id."""
    people = [make_registration(session_2024, email=f"p{i}@nhs.example", full_name=f"P {i}") for i in range(4)]
    # Offset attendance ids from registration ids, then give only the last person a manual 0.
    for person in people:
        Attendance.objects.create(registration=person, source="zoom", minutes=50)
    set_manual_attendance(registration=people[-1], minutes=0, reason="was not there", actor=None)

    refresh_report_flags([person.pk for person in people])

    assert [flags(person) for person in people] == [(True, False), (True, False), (True, False), (False, False)]
