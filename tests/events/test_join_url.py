"""The join URL is secret: no public page, sitemap or structured data ever carries it."""

import datetime as dt

import pytest
from django.utils import timezone

from events.models import Session
from tests.factories import SessionFactory, SessionSpeakerFactory

pytestmark = pytest.mark.django_db


def test_join_url_appears_on_no_public_page(client):
    past = timezone.now() - dt.timedelta(days=5)
    upcoming = SessionSpeakerFactory(session__slug="up", speaker__slug="sp").session
    old = SessionFactory(
        slug="old", starts_at=past, ends_at=past + dt.timedelta(hours=1), recording_url="https://video.example.org/r"
    )
    cancelled = SessionFactory(slug="off", status=Session.Status.CANCELLED)
    secrets = [upcoming.join_url, old.join_url, cancelled.join_url]
    urls = [
        f"/{language}/{path}"
        for language in ("en", "ru")
        for path in (
            "",
            "sessions/",
            "sessions/past/",
            "sessions/up/",
            "sessions/old/",
            "sessions/off/",
            "speakers/",
            "speakers/sp/",
            "timezone/",
        )
    ] + ["/sitemap.xml", "/robots.txt"]

    pages = {url: client.get(url) for url in urls}

    assert {url: response.status_code for url, response in pages.items()} == dict.fromkeys(urls, 200)
    leaks = [
        (url, marker)
        for url, response in pages.items()
        for secret in secrets
        for marker in (secret, "meet.example.org", "SecretPass")
        if marker in response.content.decode()
    ]
    assert leaks == []
    assert all(secret.startswith("https://meet.example.org/j/") for secret in secrets)
