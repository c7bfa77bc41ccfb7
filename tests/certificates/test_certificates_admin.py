import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile

from registrations.attendance.services import set_manual_attendance
from registrations.attendance_models import Attendance, PendingAttendanceReport
from registrations.certificate_models import Certificate
from registrations.certificate_services import issue_certificate
from tests.certificates.conftest import sample

pytestmark = pytest.mark.django_db

BASE = "/en/admin/registrations/sessioncertificates"


@pytest.fixture
def admin_client(client, organiser):
    client.force_login(organiser)
    return client


def upload(admin_client, session, file_name, source="zoom", zone="Europe/Copenhagen"):
    return admin_client.post(
        f"{BASE}/{session.pk}/import/",
        {"source": source, "report_zone": zone, "report": SimpleUploadedFile(file_name, sample(file_name))},
    )


def test_upload_previews_then_imports_only_on_confirm(admin_client, session_2024, registrations_2024):
    response = upload(admin_client, session_2024, "zoom_attendee_report.csv")
    preview_url = response["Location"]

    preview = admin_client.get(preview_url)

    assert preview.status_code == 200
    assert [(m.name, m.minutes, m.connections) for m in preview.context["preview"].matched] == [
        ("Aigerim Sadykova", 45, 1),
        ("John Smith", 44, 1),
        ("Анна Петрова", 70, 2),
    ]
    assert Attendance.objects.count() == 0

    confirmed = admin_client.post(preview_url)

    assert confirmed.status_code == 302
    assert Attendance.objects.filter(registration__session=session_2024).count() == 3
    assert PendingAttendanceReport.objects.count() == 0


def test_refused_upload_says_why_and_saves_nothing(admin_client, session_2024, registrations_2024):
    response = upload(admin_client, session_2024, "zoom_other_date.csv")

    followed = admin_client.get(response["Location"])

    assert [str(m) for m in get_messages(followed.wsgi_request)] == [
        "This report is for 17 July 2024, but the session took place on 18 July 2024 (in the report's time "
        "zone). Nothing was imported."
    ]
    assert Attendance.objects.count() == 0
    assert PendingAttendanceReport.objects.count() == 0


def test_another_organiser_cannot_open_my_pending_report(admin_client, client, session_2024, registrations_2024):
    from tests.factories import UserFactory  # noqa: PLC0415

    preview_url = upload(admin_client, session_2024, "zoom_attendee_report.csv")["Location"]
    other = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(other)

    assert client.get(preview_url).status_code == 404


def test_manual_attendance_form_needs_a_reason(admin_client, session_2024, registrations_2024):
    url = f"{BASE}/{session_2024.pk}/attendance/{registrations_2024['john'].pk}/"

    refused = admin_client.post(url, {"minutes": 60, "reason": ""})
    saved = admin_client.post(url, {"minutes": 60, "reason": "Joined by phone"})

    assert refused.status_code == 200
    assert saved.status_code == 302
    assert list(Attendance.objects.values_list("minutes", "source", "reason")) == [(60, "manual", "Joined by phone")]


def test_issue_from_the_progress_page_twice_gives_no_duplicates(
    admin_client, session_2024, registrations_2024, django_capture_on_commit_callbacks
):
    for name in ("anna", "aigerim"):
        set_manual_attendance(registration=registrations_2024[name], minutes=60, reason="test", actor=None)
    url = f"{BASE}/{session_2024.pk}/certificates/"

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url)
    page = admin_client.get(url)

    assert Certificate.objects.count() == 2
    assert (page.context["issued"], page.context["eligible"]) == (2, 2)


def test_revoke_in_the_admin_needs_a_reason(admin_client, session_2024, registrations_2024):
    set_manual_attendance(registration=registrations_2024["john"], minutes=60, reason="test", actor=None)
    certificate = issue_certificate(registration=registrations_2024["john"])
    url = f"/en/admin/registrations/certificate/{certificate.pk}/revoke/"

    admin_client.post(url, {"reason": ""})
    certificate.refresh_from_db()
    assert certificate.status == "valid"

    admin_client.post(url, {"reason": "Attendance report was wrong"})
    certificate.refresh_from_db()
    assert (certificate.status, certificate.reason) == ("revoked", "Attendance report was wrong")


def test_admin_pages_render(admin_client, session_2024, registrations_2024):
    set_manual_attendance(registration=registrations_2024["john"], minutes=60, reason="test", actor=None)
    certificate = issue_certificate(registration=registrations_2024["john"])

    urls = [
        f"{BASE}/",
        f"{BASE}/{session_2024.pk}/import/",
        f"{BASE}/{session_2024.pk}/attendance/",
        f"{BASE}/{session_2024.pk}/certificates/",
        "/en/admin/registrations/certificate/",
        f"/en/admin/registrations/certificate/{certificate.pk}/change/",
        f"/en/admin/registrations/certificate/{certificate.pk}/reissue/",
    ]

    assert [admin_client.get(url).status_code for url in urls] == [200] * len(urls)
