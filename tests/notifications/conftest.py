"""Fixtures of the notification tests: the URLs (unsubscribe, certificates), a Russian catalogue
that includes locale/fragments/notifications.po (until the lead merges it into locale/ru), a
clock, and helpers that read the real outbox."""

import datetime as dt

import pytest
from django.urls import clear_url_caches

from registrations.services import register_attendee
from tests.factories import UserFactory, attendee_details

START = dt.datetime(2030, 7, 18, 11, 0, tzinfo=dt.UTC)  # 13:00 in Copenhagen


@pytest.fixture(autouse=True)
def _notification_urls(settings):
    settings.SITE_URL = "https://decoded.example"
    clear_url_caches()
    yield
    clear_url_caches()


def register(session, *, language="ru", user=None, **details):
    return register_attendee(
        session=session, user=user or UserFactory(), details=attendee_details(language=language, **details)
    ).registration


def sent_to(messages, registration):
    return [m for m in messages if m.to[0].endswith(f"<{registration.user.email}>")]
