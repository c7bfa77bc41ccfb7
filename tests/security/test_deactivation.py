"""Deactivating an account ends its sessions and revokes its feed, join and cancel links."""

import subprocess
import sys
from pathlib import Path

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client

from registrations import services
from registrations.calendar_tokens import CalendarFeedToken, issue_feed_token
from registrations.deactivation import revoke_access
from registrations.models import Registration
from tests.factories import SessionFactory, UserFactory, attendee_details

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def attendee_with_links():
    user = UserFactory(email="leaver@clinic.example")
    registration = services.register_attendee(
        session=SessionFactory(), user=user, details=attendee_details()
    ).registration
    links = {
        "join": f"/j/{registration.join_token}",
        "cancel": f"/en/cancel/{registration.public_id}/{registration.cancel_token}/",
        "feed": f"/calendar/{issue_feed_token(user=user)}.ics",
    }
    return user, registration, links


def test_links_work_while_the_account_is_active(attendee_with_links):
    _user, _registration, links = attendee_with_links

    assert {name: Client().get(url).status_code for name, url in links.items()} == {
        "join": 200,
        "cancel": 200,
        "feed": 200,
    }


def test_deactivating_a_user_ends_sessions_and_revokes_every_link(attendee_with_links):
    user, registration, links = attendee_with_links
    phone, laptop = Client(), Client()
    for device in (phone, laptop):
        device.force_login(user)
        device.get("/en/accounts/sessions/")  # allauth.usersessions records the session
    assert UserSession.objects.filter(user=user).count() == 2

    user.is_active = False
    user.save()

    assert UserSession.objects.filter(user=user).count() == 0
    assert phone.get("/en/accounts/sessions/").status_code == 302
    assert {name: Client().get(url).status_code for name, url in links.items()} == {
        "join": 404,
        "cancel": 404,
        "feed": 404,
    }
    registration.refresh_from_db()
    assert (registration.status, registration.join_token_hash) == (Registration.Status.CONFIRMED, None)
    assert CalendarFeedToken.objects.filter(user=user).exists() is False


def test_a_sign_in_stamp_on_an_inactive_user_revokes_nothing_more(attendee_with_links):
    user, registration, _links = attendee_with_links
    revoke_access(user=user)
    registration.refresh_from_db()
    salt = registration.token_salt

    user.save(update_fields=["last_login"])

    registration.refresh_from_db()
    assert registration.token_salt == salt


def test_revoke_access_reports_what_it_ended(attendee_with_links):
    user, _registration, _links = attendee_with_links

    result = revoke_access(user=user)

    assert (result.sessions_ended, result.registrations_revoked, result.feed_revoked) == (0, 1, True)


def test_the_receiver_is_connected_when_the_app_starts():
    # A fresh process: only RegistrationsConfig.ready() can have imported the receiver.
    code = "import django, sys; django.setup();print('registrations.deactivation' in sys.modules)"
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={"DJANGO_SETTINGS_MODULE": "config.settings", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert result.stdout.strip() == "True", result.stderr
