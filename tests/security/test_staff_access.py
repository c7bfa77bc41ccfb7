"""Organisers behind MFA: the admin login goes through allauth, staff need MFA and must have used
it in this session, TOTP secrets are encrypted at rest, staff sessions are short, and the demo
lets a newcomer in (outside production only)."""

import datetime as dt
import io
import json
import re

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core import mail
from django.core.management import call_command
from django.db import connection

from events import crypto
from events.demo import DEV_ORGANISER_TOTP_SECRET, ORGANISER_EMAIL, load_demo
from registrations.staff_security import SESSION_STARTED_KEY
from tests.factories import OrganiserFactory, UserFactory
from tests.registrations.helpers import code_from
from tests.security.conftest import give_mfa, sign_in_with_mfa_used, totp_code, verify_email

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple-15"  # noqa: S105 (a test value)


def is_signed_in(client) -> bool:
    return SESSION_KEY in client.session


def sign_in_by_code(client, email: str, language: str = "en"):
    """allauth's login by code, as a person does it; returns the response to the code."""
    client.post(f"/{language}/accounts/login/code/", {"email": email})
    code = code_from(mail.outbox[-1])
    return client.post(f"/{language}/accounts/login/code/confirm/", {"code": code})


@pytest.mark.parametrize("language", ["en", "ru"])
def test_admin_login_post_with_a_valid_password_signs_nobody_in(client, language):
    organiser = OrganiserFactory()
    organiser.set_password(PASSWORD)
    organiser.save()
    give_mfa(organiser)

    response = client.post(
        f"/{language}/admin/login/", {"username": organiser.username, "password": PASSWORD, "next": "/en/admin/"}
    )

    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/{language}/accounts/login/?next=")
    assert is_signed_in(client) is False
    assert client.get(f"/{language}/admin/").status_code == 302


def test_admin_login_refuses_a_signed_in_attendee(client):
    attendee = UserFactory()
    client.force_login(attendee)

    response = client.get("/en/admin/login/")

    assert response.status_code == 403


@pytest.mark.parametrize("language", ["en", "ru"])
def test_staff_without_mfa_is_sent_to_set_it_up(client, language):
    client.force_login(OrganiserFactory())

    response = client.get(f"/{language}/admin/registrations/registration/")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/{language}/accounts/2fa/totp/activate/"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_staff_with_mfa_not_used_in_this_session_must_pass_it(client):
    organiser = OrganiserFactory()
    secret, _codes = give_mfa(organiser)
    client.force_login(organiser)  # a session without any MFA step, e.g. signed in before enrolling

    response = client.get("/en/admin/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/en/accounts/2fa/reauthenticate/?next=%2Fen%2Fadmin%2F"
    response = client.post("/en/accounts/2fa/reauthenticate/?next=/en/admin/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/en/admin/"
    assert client.get("/en/admin/").status_code == 200


def test_a_wrong_mfa_code_keeps_the_admin_closed(client):
    organiser = OrganiserFactory()
    give_mfa(organiser)
    client.force_login(organiser)

    response = client.post("/en/accounts/2fa/reauthenticate/?next=/en/admin/", {"code": "000000"})

    assert response.status_code == 200
    assert client.get("/en/admin/").status_code == 302


def test_sign_in_by_code_asks_staff_for_mfa_before_the_admin_opens(client):
    organiser = OrganiserFactory()
    verify_email(organiser)
    secret, _codes = give_mfa(organiser)

    response = sign_in_by_code(client, organiser.email)

    # allauth's AuthenticateStage runs after the code: not signed in yet.
    assert response.status_code == 302
    assert response.headers["Location"] == "/en/accounts/2fa/authenticate/"
    assert is_signed_in(client) is False
    client.post("/en/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert is_signed_in(client) is True
    assert client.get("/en/admin/").status_code == 200


def test_a_recovery_code_works_once(client):
    organiser = OrganiserFactory()
    verify_email(organiser)
    _secret, codes = give_mfa(organiser)
    sign_in_by_code(client, organiser.email)
    client.post("/en/accounts/2fa/authenticate/", {"code": codes[0]})
    assert client.get("/en/admin/").status_code == 200
    client.post("/en/accounts/logout/")

    sign_in_by_code(client, organiser.email)
    response = client.post("/en/accounts/2fa/authenticate/", {"code": codes[0]})

    assert response.status_code == 200
    assert is_signed_in(client) is False


def test_totp_enrolled_through_allauth_is_not_stored_in_clear(client):
    organiser = OrganiserFactory()
    organiser.set_unusable_password()
    organiser.save()
    verify_email(organiser)
    sign_in_by_code(client, organiser.email)  # staff without MFA: signed in, sent to set it up
    assert client.get("/en/admin/").headers["Location"] == "/en/accounts/2fa/totp/activate/"
    # allauth asks to confirm the account once more (by a new code) before adding a factor.
    client.post("/en/accounts/reauthenticate/code/", {"recipient": organiser.email})
    client.post("/en/accounts/reauthenticate/code/confirm/", {"code": code_from(mail.outbox[-1])})
    assert client.get("/en/accounts/2fa/totp/activate/").status_code == 200
    secret = client.session[SECRET_SESSION_KEY]

    response = client.post("/en/accounts/2fa/totp/activate/", {"code": totp_code(secret)})

    assert response.status_code == 302
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator WHERE user_id = %s AND type = %s", [organiser.pk, "totp"])
        (raw,) = cursor.fetchone()
    raw = raw if isinstance(raw, str) else json.dumps(raw)
    assert secret not in raw
    stored = json.loads(raw)["secret"]
    assert stored.startswith(crypto.PREFIX)
    assert crypto.decrypt(stored) == secret
    # The recovery codes' seed goes through the same adapter.
    codes_row = Authenticator.objects.get(user=organiser, type="recovery_codes")
    assert codes_row.data["seed"].startswith(crypto.PREFIX)


def test_staff_session_ends_after_30_idle_minutes(client):
    organiser = OrganiserFactory()
    give_mfa(organiser)
    with time_machine.travel(dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        sign_in_with_mfa_used(client, organiser)
        assert client.get("/en/admin/").status_code == 200
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get("/en/admin/").status_code == 200

        traveller.shift(dt.timedelta(minutes=31))
        response = client.get("/en/admin/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/en/admin/login/?next=/en/admin/"
    assert is_signed_in(client) is False


def test_staff_session_ends_8_hours_after_sign_in_however_busy(client):
    organiser = OrganiserFactory()
    give_mfa(organiser)
    with time_machine.travel(dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        sign_in_with_mfa_used(client, organiser)
        assert client.get("/en/admin/").status_code == 200
        for _step in range(8 * 3 - 1):
            traveller.shift(dt.timedelta(minutes=20))
            assert client.get("/en/admin/").status_code == 200
        traveller.shift(dt.timedelta(minutes=21))  # 8 h 1 min after signing in
        response = client.get("/en/admin/")

    assert response.status_code == 302
    assert is_signed_in(client) is False


def test_staff_session_expiry_is_also_set_on_the_session_itself(client):
    organiser = OrganiserFactory()
    give_mfa(organiser)
    sign_in_with_mfa_used(client, organiser)

    client.get("/en/admin/")

    assert client.session.get_expiry_age() == 30 * 60
    assert isinstance(client.session[SESSION_STARTED_KEY], float)


def test_attendee_sessions_are_not_cut_short(client):
    attendee = UserFactory()
    with time_machine.travel(dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        client.force_login(attendee)
        client.get("/en/accounts/sessions/")
        traveller.shift(dt.timedelta(hours=9))
        response = client.get("/en/accounts/sessions/")

    assert response.status_code == 200


def test_users_can_see_and_end_their_sessions(client):
    attendee = UserFactory()
    client.force_login(attendee)

    response = client.get("/ru/accounts/sessions/")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"


def test_account_page_links_to_the_list_of_sessions(client):
    client.force_login(UserFactory())

    response = client.get("/ru/account/")

    assert '<a href="/ru/accounts/sessions/">' in response.content.decode()


def test_mfa_pages_are_in_russian(client):
    attendee = UserFactory()
    client.force_login(attendee)

    response = client.get("/ru/accounts/2fa/")

    heading = re.search(r"<h1[^>]*>\s*(.*?)\s*</h1>", response.content.decode(), re.S).group(1)
    assert heading == "Двухфакторная аутентификация"


def test_demo_organiser_gets_in_with_the_printed_totp_secret(client):
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    printed = out.getvalue()
    assert f"TOTP secret {DEV_ORGANISER_TOTP_SECRET}" in printed
    assert f"otpauth://totp/organiser%40decoded.example?secret={DEV_ORGANISER_TOTP_SECRET}&issuer=Decoded" in printed
    recovery_code = re.search(r"or the recovery code (\d+) ", printed).group(1)

    sign_in_by_code(client, ORGANISER_EMAIL)
    client.post("/en/accounts/2fa/authenticate/", {"code": totp_code(DEV_ORGANISER_TOTP_SECRET)})

    assert client.get("/en/admin/events/session/").status_code == 200
    organiser = get_user_model().objects.get(email=ORGANISER_EMAIL)
    stored = Authenticator.objects.get(user=organiser, type="totp").data["secret"]
    assert stored.startswith(crypto.PREFIX)
    assert recovery_code in Authenticator.objects.get(user=organiser, type="recovery_codes").wrap().get_unused_codes()


def test_demo_creates_no_known_second_factor_in_production(settings):
    settings.IS_PRODUCTION = True

    result = load_demo()

    assert result.organiser_mfa is None
    assert Authenticator.objects.count() == 0
