import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from events.models import Session
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

MEETING = "https://meet.example.org/j/123456789?pwd=VerySecretPasscode"


def stored_join_url(session):
    with connection.cursor() as cursor:
        cursor.execute("SELECT join_url FROM events_session WHERE id = %s", [session.pk])
        return cursor.fetchone()[0]


def test_join_url_is_encrypted_in_the_database():
    session = SessionFactory(join_url=MEETING)

    raw = stored_join_url(session)

    assert raw.startswith("fernet:")
    assert "VerySecretPasscode" not in raw
    assert "meet.example.org" not in raw
    assert Session.objects.get(pk=session.pk).join_url == MEETING


def test_empty_join_url_stays_empty():
    session = SessionFactory(join_url="")

    assert stored_join_url(session) == ""


def test_keys_rotate_without_losing_secrets(settings):
    old_key = Fernet.generate_key().decode()
    new_key = Fernet.generate_key().decode()
    settings.DECODED_ENCRYPTION_KEYS = [old_key]
    session = SessionFactory(join_url=MEETING)
    before = stored_join_url(session)

    settings.DECODED_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("reencrypt_secrets", stdout=io.StringIO())
    settings.DECODED_ENCRYPTION_KEYS = [new_key]

    assert stored_join_url(session) != before
    assert Session.objects.get(pk=session.pk).join_url == MEETING
