"""A signed-out visitor registers: answers → code by email → signed in, verified, place decided."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail

from registrations.models import Registration
from registrations.signin import PENDING_SESSION_KEY
from tests.factories import SessionFactory, UserFactory
from tests.registrations.helpers import answers, code_from, get_h1, last_code, register_url

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit emails run for real

CODE_SUBJECTS = {"en": "Your sign-in code for Decoded", "ru": "Ваш код для входа в Decoded"}
CONFIRMED_H1 = {"en": "You are registered", "ru": "Вы зарегистрированы"}
NEVER_ASK_LINES = [
    "We will never ask you for a password or other sensitive information by email.",
    "Мы никогда не просим по электронной почте пароли или другие конфиденциальные сведения.",
]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_new_visitor_registers_by_code(client, language):
    session = SessionFactory(capacity=10, slug="cyber")
    url = register_url(session, language)

    form_page = client.get(url)
    sent = client.post(url, answers(email="Aigerim@Clinic.example", language=language))

    assert form_page.status_code == 200
    assert sent.status_code == 302
    assert (
        sent["Location"]
        == f"/{language}/accounts/login/code/confirm/?next=%2F{language}%2Fsessions%2Fcyber%2Fregister%2F"
    )
    assert Registration.objects.count() == 0
    assert [m.subject for m in mail.outbox] == [CODE_SUBJECTS[language]]
    assert mail.outbox[0].to == ["aigerim@clinic.example"]
    user = get_user_model().objects.get()
    assert list(EmailAddress.objects.values_list("email", "verified", "primary")) == [
        ("aigerim@clinic.example", False, True)
    ]
    assert user.has_usable_password() is False
    assert re.fullmatch(r"u-[0-9a-f]{16}", user.username)

    confirmed = client.post(sent["Location"], {"code": last_code()})
    outcome = client.get(confirmed["Location"])

    assert confirmed.status_code == 302
    assert confirmed["Location"] == url
    assert outcome.status_code == 200
    assert get_h1(outcome) == CONFIRMED_H1[language]
    registration = Registration.objects.get()
    assert (registration.user, registration.status, registration.language) == (user, "confirmed", language)
    assert (registration.full_name, registration.organisation, registration.profession, registration.country.code) == (
        "Aigerim Sadykova",
        "City Hospital No. 7",
        "physician",
        "KZ",
    )
    assert (registration.privacy_notice_version, registration.announcements_consent) == ("2026-11", False)
    assert EmailAddress.objects.get().verified is True
    assert PENDING_SESSION_KEY not in client.session
    assert outcome.wsgi_request.user == user
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == [f"Aigerim Sadykova <{user.email}>"]


def test_answers_wait_in_the_browser_session_not_the_database(client):
    session = SessionFactory()

    client.post(register_url(session), answers(announcements_consent="on"))

    pending = client.session[PENDING_SESSION_KEY][str(session.pk)]
    assert pending["email"] == "aigerim@clinic.example"
    assert pending["details"] == {
        "full_name": "Aigerim Sadykova",
        "organisation": "City Hospital No. 7",
        "profession": "physician",
        "country": "KZ",
        "language": "ru",
        "announcements_consent": True,
        "privacy_notice_version": "2026-11",
    }
    assert Registration.objects.count() == 0


def test_unconfirmed_address_is_never_registered(client):
    session = SessionFactory()
    sent = client.post(register_url(session), answers())

    wrong = client.post(sent["Location"], {"code": "AAAA-AAAA"})
    form_again = client.get(register_url(session))

    assert wrong.status_code == 200
    assert Registration.objects.count() == 0
    assert EmailAddress.objects.get().verified is False
    assert get_h1(form_again) == "Register for this session"


def test_known_email_signs_in_the_existing_account(client):
    session = SessionFactory()
    user = UserFactory(email="aigerim@clinic.example")
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)

    sent = client.post(register_url(session), answers(email="AIGERIM@clinic.example"))
    client.post(sent["Location"], {"code": last_code()})
    client.get(register_url(session))

    assert get_user_model().objects.count() == 1
    assert Registration.objects.get().user == user


def normalise(html: str) -> str:
    """The page without its per-request tokens (CSRF, CSP nonce)."""
    return re.sub(r'(name="csrfmiddlewaretoken" value|nonce)="[^"]+"', "", html)


def test_known_and_unknown_email_get_identical_responses(client, django_user_model):
    from django.test import Client  # noqa: PLC0415

    session = SessionFactory()
    known = UserFactory(email="known@clinic.example")
    EmailAddress.objects.create(user=known, email=known.email, primary=True, verified=True)
    other_client = Client()

    known_sent = client.post(register_url(session), answers(email="known@clinic.example"))
    unknown_sent = other_client.post(register_url(session), answers(email="nobody@clinic.example"))
    known_page = client.get(known_sent["Location"])
    unknown_page = other_client.get(unknown_sent["Location"])

    assert (known_sent.status_code, known_sent["Location"]) == (unknown_sent.status_code, unknown_sent["Location"])
    assert known_page.status_code == unknown_page.status_code == 200
    assert normalise(known_page.content.decode()).replace("known@", "X@") == normalise(
        unknown_page.content.decode()
    ).replace("nobody@", "X@")
    assert [m.subject for m in mail.outbox] == [CODE_SUBJECTS["en"], CODE_SUBJECTS["en"]]
    assert mail.outbox[0].body.replace(code_from(mail.outbox[0]), "CODE") == mail.outbox[1].body.replace(
        code_from(mail.outbox[1]), "CODE"
    )


@pytest.mark.parametrize("language", ["en", "ru"])
def test_code_email_names_no_code_or_person_in_its_subject_and_says_we_never_ask(client, language):
    session = SessionFactory()

    client.post(register_url(session, language), answers(email="aigerim@clinic.example"))

    message = mail.outbox[0]
    code = code_from(message)
    html = message.alternatives[0].content
    assert message.subject == CODE_SUBJECTS[language]
    assert code not in message.subject
    assert "aigerim" not in message.subject.lower()
    assert code in html
    assert [line in message.body for line in NEVER_ASK_LINES] == [True, True]
    assert [line in html for line in NEVER_ASK_LINES] == [True, True]
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"


def test_every_registration_email_of_the_flow_says_we_never_ask(client):
    session = SessionFactory()

    sent = client.post(register_url(session), answers())
    client.post(sent["Location"], {"code": last_code()})
    client.get(register_url(session))

    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert [line in message.body for line in NEVER_ASK_LINES] == [True, True]
        assert [line in message.alternatives[0].content for line in NEVER_ASK_LINES] == [True, True]
        assert "Aigerim" not in message.subject
        assert "aigerim@clinic.example" not in message.subject
