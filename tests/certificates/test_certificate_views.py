import re

import pytest
from django.urls import reverse

from registrations.attendance.services import set_manual_attendance
from registrations.certificate_services import issue_certificate, reissue_certificate, revoke_certificate
from registrations.models import AuditEntry
from tests.certificates.conftest import make_registration
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(session_2024):
    registration = make_registration(
        session_2024, email="anna@health.example", full_name="Анна Петрова", language="ru",
        profile_name="Анна Сергеевна Петрова",
    )
    set_manual_attendance(registration=registration, minutes=70, reason="test", actor=None)
    return issue_certificate(registration=registration)


def verify_url(code, language="en"):
    return f"/{language}/verify/{code}/"


def facts(response):
    return (
        response.context["certificate"].status,
        response.context["certificate"].printed_name,
        response.context["certificate"].printed_title,
        response.context["date_text"],
    )


def test_verify_valid_certificate_shows_name_session_and_date_only(client, certificate):
    response = client.get(verify_url(certificate.grouped_code, "ru"))

    assert response.status_code == 200
    assert facts(response) == (
        "valid",
        "Анна Сергеевна Петрова",
        "Кибербезопасность в здравоохранении",
        "18 июля 2024\u202fг.",
    )
    body = response.content.decode()
    assert "certificate-status--valid" in body
    assert certificate.registration.user.email not in body
    # Minutes are on the PDF, not on the public page (a random code may hold "70": the number alone).
    assert not re.search(r"\b70\b", body.replace(certificate.grouped_code, ""))
    assert response["Cache-Control"] == "no-store"


def test_verify_accepts_the_code_in_any_case_and_without_dashes(client, certificate):
    response = client.get(verify_url(certificate.code.lower()))

    assert response.status_code == 200
    assert response.context["certificate"].pk == certificate.pk


def test_verify_revoked_certificate(client, certificate):
    revoke_certificate(certificate=certificate, reason="Report was wrong", actor=None)

    response = client.get(verify_url(certificate.grouped_code))

    assert facts(response)[0] == "revoked"
    assert "certificate-status--revoked" in response.content.decode()
    assert "Report was wrong" not in response.content.decode()


def test_verify_replaced_certificate(client, certificate):
    new = reissue_certificate(certificate=certificate, reason="Name corrected", actor=None)

    old_page = client.get(verify_url(certificate.grouped_code))
    new_page = client.get(verify_url(new.grouped_code))

    assert (facts(old_page)[0], facts(new_page)[0]) == ("replaced", "valid")
    assert new.grouped_code not in old_page.content.decode()


@pytest.mark.parametrize("code", ["0000-0000-0000-0000-0000-0000-0000", "not-a-code", "X" * 200])
def test_verify_unknown_code_is_404(client, certificate, code):
    assert client.get(verify_url(code)).status_code == 404


def test_lookup_form_redirects_to_the_verification_page(client, certificate):
    response = client.get("/en/verify/", {"code": f"  {certificate.code.lower()} "})

    assert response.status_code == 302
    assert response["Location"] == verify_url(certificate.grouped_code)


def test_lookup_form_explains_a_malformed_code(client):
    response = client.get("/en/verify/", {"code": "123"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "code": ["This is not a certificate code. Check it against the certificate: 28 letters and digits."]
    }


def test_verification_is_rate_limited_per_ip(client, certificate, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "verify_certificate": "3/m/ip"}

    statuses = [client.get(verify_url(certificate.grouped_code)).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_owner_downloads_the_pdf_as_an_attachment(client, certificate):
    client.force_login(certificate.registration.user)

    response = client.get(reverse("certificates:certificate-download", args=[certificate.grouped_code]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="certificate-cybersecurity-in-health-care-ru.pdf"'
    assert response["Cache-Control"] == "no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_another_user_gets_404(client, certificate):
    client.force_login(UserFactory())

    response = client.get(reverse("certificates:certificate-download", args=[certificate.grouped_code]))

    assert response.status_code == 404


def test_anonymous_download_asks_to_sign_in(client, certificate):
    response = client.get(reverse("certificates:certificate-download", args=[certificate.grouped_code]))

    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")


def test_owner_cannot_download_a_revoked_certificate(client, certificate):
    revoke_certificate(certificate=certificate, reason="Report was wrong", actor=None)
    client.force_login(certificate.registration.user)

    response = client.get(reverse("certificates:certificate-download", args=[certificate.grouped_code]))

    assert response.status_code == 404


def test_organiser_download_is_audited(client, certificate, organiser):
    client.force_login(organiser)

    response = client.get(reverse("certificates:certificate-download", args=[certificate.grouped_code]))

    assert response.status_code == 200
    assert AuditEntry.objects.filter(action="certificate_downloaded", actor=organiser).count() == 1


def test_my_certificates_lists_only_my_valid_certificates(client, certificate, session_2024):
    other = make_registration(session_2024, email="other@health.example", full_name="Other Person")
    set_manual_attendance(registration=other, minutes=70, reason="test", actor=None)
    issue_certificate(registration=other)
    client.force_login(certificate.registration.user)

    response = client.get(reverse("certificates:certificate-list"))

    assert [c.pk for c in response.context["certificates"]] == [certificate.pk]
    assert reverse("certificates:certificate-download", args=[certificate.grouped_code]) in response.content.decode()
