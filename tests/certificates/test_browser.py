import io

import pytest
from django.conf import settings
from pypdf import PdfReader

from registrations.attendance.services import set_manual_attendance
from registrations.certificate_services import issue_certificate
from tests.certificates.conftest import make_registration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_attendee_downloads_their_certificate_in_russian(page, live_server, client, session_2024):
    registration = make_registration(
        session_2024, email="anna@health.example", full_name="Анна Петрова", language="ru",
        profile_name="Анна Сергеевна Петрова",
    )
    set_manual_attendance(registration=registration, minutes=70, reason="test", actor=None)
    certificate = issue_certificate(registration=registration)
    client.force_login(registration.user)
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
          "url": live_server.url}]
    )

    page.goto(f"{live_server.url}/ru/account/certificates/")
    with page.expect_download() as download_info:
        page.locator(f'a[href$="/{certificate.grouped_code}/download/"]').click()
    download = download_info.value
    text = " ".join(PdfReader(io.BytesIO(download.path().read_bytes())).pages[0].extract_text().split())

    assert download.suggested_filename == "certificate-cybersecurity-in-health-care-ru.pdf"
    assert "Анна Сергеевна Петрова" in text
    assert certificate.grouped_code in text
    assert all(url.startswith(live_server.url) for url in page.requested_urls)
