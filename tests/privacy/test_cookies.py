"""Only strictly necessary cookies: a crawl of the public pages (and a signed-in visit) sets no
cookie other than the session, the CSRF token and the language."""

import pytest
from django.conf import settings

from tests.factories import SessionFactory, SessionSpeakerFactory, UserFactory

pytestmark = pytest.mark.django_db

PUBLIC_PATHS = ["/en/", "/ru/", "/en/sessions/", "/ru/sessions/past/", "/en/speakers/", "/en/privacy/",
                "/ru/privacy/", "/en/verify/", "/ru/timezone/", "/en/accounts/login/"]


def _allowed():
    return {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}


def test_public_pages_set_only_necessary_cookies(client, notice):
    speaker_link = SessionSpeakerFactory(session=SessionFactory())
    session, speaker = speaker_link.session, speaker_link.speaker
    paths = [*PUBLIC_PATHS, session.get_absolute_url(), f"/en/sessions/{session.slug}/register/",
             f"/en/speakers/{speaker.slug}/"]

    seen = set()
    for path in paths:
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        seen |= set(response.cookies)

    assert seen <= _allowed()
    assert set(client.cookies) <= _allowed()


def test_signed_in_pages_set_only_necessary_cookies(client, notice):
    client.force_login(UserFactory())

    for path in ("/en/account/", "/ru/account/", "/en/privacy/"):
        client.get(path)

    assert set(client.cookies) <= _allowed()


def test_no_page_shows_a_cookie_banner(client, notice):
    assert "cookie-banner" not in client.get("/en/").content.decode().lower()
    assert "cookie-consent" not in client.get("/ru/privacy/").content.decode().lower()
