"""The access log: each organiser view of registrant lists and details, each export and each
attendance import is recorded (who, when, which session, how many rows), never the data."""

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from registrations.attendance_models import PendingAttendanceReport
from registrations.privacy_models import AccessLogEntry
from tests.factories import SessionFactory, UserFactory
from tests.privacy.conftest import make_registration, sign_in_to_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def session_with_two(db):
    session = SessionFactory()
    for name in ("Anna Petrova", "John Smith"):
        make_registration(session, UserFactory(), full_name=name)
    return session


@pytest.fixture
def admin_client(client, superuser):
    sign_in_to_admin(client, superuser)
    return client


def _log():
    return list(AccessLogEntry.objects.order_by("pk").values_list("kind", "session_id", "rows", "actor__username"))


def test_registrant_list_is_logged_with_session_and_rows_not_the_search(admin_client, session_with_two):
    admin_client.get(f"/en/admin/registrations/registration/?session__id__exact={session_with_two.pk}&q=Anna")

    assert _log() == [("registrant_list", session_with_two.pk, 1, "root")]
    assert [field.name for field in AccessLogEntry._meta.concrete_fields] == [
        "id", "created_at", "actor", "kind", "session", "registration", "subject", "rows",
    ]


def test_registrant_detail_is_logged(admin_client, session_with_two):
    registration = session_with_two.registrations.first()

    admin_client.get(f"/ru/admin/registrations/registration/{registration.pk}/change/")

    assert _log() == [("registrant_detail", session_with_two.pk, 1, "root")]
    assert AccessLogEntry.objects.get().registration == registration


def test_export_is_logged_with_its_row_count(admin_client, session_with_two):
    admin_client.get(f"/en/admin/registrations/registration/export/{session_with_two.pk}/")

    assert _log() == [("export", session_with_two.pk, 2, "root")]


def test_attendance_import_and_list_are_logged(admin_client, session_with_two):
    url = f"/en/admin/registrations/sessioncertificates/{session_with_two.pk}/"
    emails = [registration.user.email for registration in session_with_two.registrations.all()]
    content = "email,minutes\n" + "".join(f"{email},60\n" for email in emails)
    report = SimpleUploadedFile("report.csv", content.encode(), content_type="text/csv")

    upload = admin_client.post(f"{url}import/", {"source": "csv", "report_zone": "UTC", "report": report})
    pending = PendingAttendanceReport.objects.get()
    admin_client.get(upload["Location"])
    admin_client.post(f"{url}import/{pending.token}/")
    admin_client.get(f"{url}attendance/")

    assert [row[0] for row in _log()] == ["attendance_import", "attendance_import", "attendance_list"]
    assert _log()[1][2] == 2  # matched rows of the confirmed import
    assert _log()[2][2] == 2


def test_access_log_is_visible_to_superusers_only(client, db):
    organiser = User.objects.create_user("organiser", "organiser@agency.example", is_staff=True)
    organiser.user_permissions.add(*__import__("django.contrib.auth.models", fromlist=["Permission"]).Permission
                                   .objects.filter(codename="view_accesslogentry"))
    sign_in_to_admin(client, organiser)

    response = client.get("/en/admin/registrations/accesslogentry/")

    assert response.status_code == 403
    assert AccessLogEntry.objects.count() == 0


def test_access_log_admin_is_read_only(admin_client):
    assert admin_client.get("/en/admin/registrations/accesslogentry/").status_code == 200
    assert admin_client.get("/en/admin/registrations/accesslogentry/add/").status_code == 403
