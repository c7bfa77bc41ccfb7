"""Fixtures of the notification tests: the URLs (unsubscribe, certificates), a Russian catalogue
that includes locale/fragments/notifications.po (until the lead merges it into locale/ru), a
clock, and helpers that read the real outbox."""

import datetime as dt
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.urls import clear_url_caches
from django.utils import translation
from django.utils.translation import trans_real

from registrations.services import register_attendee
from tests.factories import UserFactory, attendee_details

ROOT = Path(__file__).resolve().parents[2]
START = dt.datetime(2030, 7, 18, 11, 0, tzinfo=dt.UTC)  # 13:00 in Copenhagen


@pytest.fixture(autouse=True)
def _notification_urls(settings):
    settings.ROOT_URLCONF = "tests.notifications.urls"
    settings.SITE_URL = "https://decoded.example"
    clear_url_caches()
    yield
    clear_url_caches()


@pytest.fixture(scope="session")
def _merged_catalogue(tmp_path_factory):
    """locale/ru + the notifications fragment, compiled into a temporary LOCALE_PATHS entry."""
    with (ROOT / "locale/ru/LC_MESSAGES/django.po").open("rb") as handle:
        catalogue = read_po(handle, locale="ru")
    fragment_path = ROOT / "locale/fragments/notifications.po"
    if fragment_path.exists():
        with fragment_path.open("rb") as handle:
            for message in read_po(handle, locale="ru"):
                if not message.id:
                    continue
                key = message.id[0] if isinstance(message.id, tuple) else message.id
                if catalogue.get(key, context=message.context) is not None:
                    catalogue.delete(key, context=message.context)  # the fragment wins (also over fuzzy)
                catalogue[message.id] = message
    folder = tmp_path_factory.mktemp("locale") / "ru" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "django.mo").open("wb") as handle:
        write_mo(handle, catalogue)
    return folder.parent.parent


@pytest.fixture(autouse=True)
def _russian_catalogue(settings, _merged_catalogue):
    settings.LOCALE_PATHS = [_merged_catalogue]
    trans_real._translations = {}
    trans_real._default = None
    translation.trans_real._active = translation.trans_real.Local()
    yield
    trans_real._translations = {}
    trans_real._default = None


def register(session, *, language="ru", user=None, **details):
    return register_attendee(
        session=session, user=user or UserFactory(), details=attendee_details(language=language, **details)
    ).registration


def sent_to(messages, registration):
    return [m for m in messages if m.to[0].endswith(f"<{registration.user.email}>")]
