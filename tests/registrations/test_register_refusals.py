"""Refusals: closed windows, cancelled sessions, honeypot, too fast, rate limits. Each is a clear
message in the page language and changes nothing."""

import datetime as dt

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from registrations.models import Registration
from tests.factories import SessionFactory, UserFactory
from tests.registrations.helpers import answers, form_stamp, get_h1, register_url

pytestmark = pytest.mark.django_db(transaction=True)

NOW = timezone.now()
CLOSED_CASES = {
    "not_yet_open": (
        {"registration_opens_at": NOW + dt.timedelta(days=1)},
        "Registration has not opened yet.",
        "Регистрация ещё не открыта.",
    ),
    "closed": (
        {"registration_opens_at": NOW - dt.timedelta(days=3), "registration_closes_at": NOW - dt.timedelta(minutes=1)},
        "Registration for this session has closed.",
        "Регистрация на эту сессию закрыта.",
    ),
    "started": (
        {"starts_at": NOW - dt.timedelta(minutes=5), "ends_at": NOW + dt.timedelta(minutes=85)},
        "This session has already started, so registration is closed.",
        "Сессия уже началась, поэтому регистрация закрыта.",
    ),
    "cancelled": (
        {"status": "cancelled"},
        "This session has been cancelled, so it takes no registrations.",
        "Сессия отменена, поэтому регистрация на неё не проводится.",
    ),
}
WAIT_H1 = {"en": "Please wait a moment", "ru": "Пожалуйста, подождите немного"}


def signed_in_client(client):
    user = UserFactory(email="attendee@clinic.example")
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    client.force_login(user)
    return client


def notice_text(response) -> str:
    import re  # noqa: PLC0415

    return re.search(r'<div class="notice[^"]*" role="status">\s*<p>(.*?)</p>', response.content.decode(), re.S).group(
        1
    )


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("case", CLOSED_CASES.keys())
def test_closed_registration_explains_why_and_changes_nothing(client, case, language):
    session_kwargs, message_en, message_ru = CLOSED_CASES[case]
    session = SessionFactory(**session_kwargs)
    signed_in_client(client)

    page = client.get(register_url(session, language))
    posted = client.post(register_url(session, language), answers(email=None))

    expected = message_en if language == "en" else message_ru
    assert (page.status_code, posted.status_code) == (200, 200)
    assert notice_text(page) == expected
    assert notice_text(posted) == expected
    assert "form" not in page.context
    assert Registration.objects.count() == 0
    assert mail.outbox == []


def test_draft_session_has_no_register_page(client):
    session = SessionFactory(status="draft")

    assert client.get(register_url(session)).status_code == 404


def test_signed_out_post_to_a_closed_session_sends_no_code(client):
    session = SessionFactory(status="cancelled")

    response = client.post(register_url(session), answers())

    assert response.status_code == 200
    assert get_user_model().objects.count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize("language", ["en", "ru"])
def test_honeypot_gets_429_and_changes_nothing(client, language):
    session = SessionFactory()

    response = client.post(register_url(session, language), answers(website="https://spam.example"))

    assert response.status_code == 429
    assert get_h1(response) == WAIT_H1[language]
    assert response["Retry-After"] == "60"
    assert "aigerim" not in response.content.decode().lower()
    assert get_user_model().objects.count() == 0
    assert mail.outbox == []
    assert client.session.get("decoded_pending_registrations") is None


@pytest.mark.parametrize("language", ["en", "ru"])
def test_form_sent_back_too_fast_gets_429(client, language):
    session = SessionFactory()
    with time_machine.travel(NOW, tick=False):
        form_page = client.get(register_url(session, language))
        stamp = form_page.context["form"].initial["started"]
    with time_machine.travel(NOW + dt.timedelta(seconds=1), tick=False):
        too_fast = client.post(register_url(session, language), answers(started=stamp))
    with time_machine.travel(NOW + dt.timedelta(seconds=4), tick=False):
        in_time = client.post(register_url(session, language), answers(started=stamp))

    assert too_fast.status_code == 429
    assert get_h1(too_fast) == WAIT_H1[language]
    assert in_time.status_code == 302
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("stamp", ["", "1700000000", "bm90IHNpZ25lZA:1abc:forged"])
def test_missing_or_forged_form_stamp_gets_429(client, stamp):
    session = SessionFactory()

    response = client.post(register_url(session), answers(started=stamp))

    assert response.status_code == 429
    assert get_user_model().objects.count() == 0


def test_form_left_open_for_hours_is_shown_again_with_a_note(client):
    session = SessionFactory()

    response = client.post(register_url(session), answers(started=form_stamp(seconds_ago=13 * 3600)))

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "This form was open for a long time. Please check your answers and send it again."
    ]
    assert get_user_model().objects.count() == 0


def test_sixth_code_email_to_one_address_within_the_hour_gets_429(client):
    session = SessionFactory()
    responses = []
    with time_machine.travel(NOW, tick=False):
        for _ in range(6):
            responses.append(Client().post(register_url(session), answers(email="aigerim@clinic.example")))
    with time_machine.travel(NOW + dt.timedelta(minutes=61), tick=False):
        an_hour_later = Client().post(register_url(session), answers(email="Aigerim@clinic.example"))

    assert [r.status_code for r in responses] == [302, 302, 302, 302, 302, 429]
    assert get_h1(responses[5]) == "Please wait a moment"
    assert an_hour_later.status_code == 302
    assert len(mail.outbox) == 6


def test_other_addresses_are_not_limited_by_one_address(client):
    session = SessionFactory()
    for _ in range(5):
        Client().post(register_url(session), answers(email="aigerim@clinic.example"))

    response = client.post(register_url(session), answers(email="colleague@clinic.example"))

    assert response.status_code == 302


def test_twenty_first_post_from_one_ip_within_a_minute_gets_429(client):
    session = SessionFactory()
    with time_machine.travel(NOW, tick=False):
        invalid = [client.post(register_url(session), answers(full_name="")).status_code for _ in range(20)]
        limited = client.post(register_url(session), answers())

    assert invalid == [400] * 20
    assert limited.status_code == 429
    assert get_user_model().objects.count() == 0
    assert mail.outbox == []


def signed_in_behind_hospital_address(email):
    user = UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    signed_in = Client(REMOTE_ADDR="198.51.100.7")  # everybody behind the same hospital address
    signed_in.force_login(user)
    return signed_in


def test_signed_in_colleagues_behind_one_address_do_not_use_up_each_others_attempts():
    session = SessionFactory(capacity=100)
    colleagues = [signed_in_behind_hospital_address(f"doctor{n}@hospital.example") for n in range(21)]

    with time_machine.travel(NOW, tick=False):
        statuses = [colleague.post(register_url(session), answers(email=None)).status_code for colleague in colleagues]

    assert statuses == [200] * 21
    assert Registration.objects.filter(session=session).count() == 21


def test_twenty_first_post_of_one_signed_in_person_within_a_minute_gets_429():
    session = SessionFactory()
    person = signed_in_behind_hospital_address("doctor@hospital.example")
    with time_machine.travel(NOW, tick=False):
        invalid = [person.post(register_url(session), answers(email=None, full_name="")).status_code for _ in range(20)]
        limited = person.post(register_url(session), answers(email=None))

    assert invalid == [400] * 20
    assert limited.status_code == 429
    assert Registration.objects.count() == 0


def test_invalid_answers_are_shown_again_with_the_errors(client):
    session = SessionFactory()

    response = client.post(register_url(session), answers(privacy_consent=None, email="not-an-address"))

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "email": ["Enter a valid email address."],
        "privacy_consent": ["Please agree to the privacy notice to register."],
    }
    assert get_user_model().objects.count() == 0
    assert mail.outbox == []


def test_future_sessions_consent_is_unticked_and_optional(client):
    session = SessionFactory()

    page = client.get(register_url(session))

    html = page.content.decode()
    assert '<input type="checkbox" name="announcements_consent" id="id_announcements_consent">' in html
    assert page.context["form"].fields["announcements_consent"].required is False
    assert EmailAddress.objects.count() == 0
