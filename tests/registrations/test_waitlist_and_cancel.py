"""Waitlist, promotion and cancellation through the real pages: the account page and the email link."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from registrations.models import Registration
from tests.factories import SessionFactory, UserFactory
from tests.registrations.helpers import answers, get_h1, register_url

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit emails run for real


def sign_in(client, email, language="en"):
    user = UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    client.force_login(user)
    return user


def register(client, session, language="en"):
    return client.post(register_url(session, language), answers(email=None, language=language))


def position_text(response) -> str:
    return re.search(r'<p class="waitlist-position">(.*?)</p>', response.content.decode(), re.S).group(1)


@pytest.mark.parametrize(
    ("language", "h1", "first", "third"),
    [
        (
            "en",
            "You are on the waitlist",
            "You are first in line.",
            "You are number 3 in line: 2 people are ahead of you.",
        ),
        (
            "ru",
            "Вы в листе ожидания",
            "Ваш номер в листе ожидания: 1.",
            "Ваш номер в листе ожидания: 3. Перед вами 2 человека.",
        ),
    ],
)
def test_full_session_waitlists_with_the_position_shown(client, language, h1, first, third):
    session = SessionFactory(capacity=1)
    sign_in(client, "holder@clinic.example")
    register(client, session, language)
    outcomes = []
    for number in range(3):
        sign_in(client, f"waiting{number}@clinic.example")
        outcomes.append(register(client, session, language))

    assert [get_h1(o) for o in outcomes] == [h1, h1, h1]
    assert position_text(outcomes[0]) == first
    assert position_text(outcomes[2]) == third
    assert list(Registration.objects.order_by("pk").values_list("status", flat=True)) == [
        "confirmed",
        "waitlisted",
        "waitlisted",
        "waitlisted",
    ]


@pytest.mark.parametrize(
    ("language", "promoted_subject"),
    [("en", "A place is now yours: {}"), ("ru", "Место освободилось для вас: {}")],
)
def test_cancelling_from_the_account_page_promotes_the_first_in_line(client, language, promoted_subject):
    session = SessionFactory(capacity=1)
    holder = sign_in(client, "holder@clinic.example")
    register(client, session, language)
    holder_registration = Registration.objects.get(user=holder)
    from django.test import Client  # noqa: PLC0415

    waiting_client = Client()
    first_in_line = sign_in(waiting_client, "first@clinic.example")
    register(waiting_client, session, language)
    mail.outbox.clear()
    cancel_url = f"/{language}/account/registrations/{holder_registration.public_id}/cancel/"

    shown = client.get(cancel_url)
    unchanged = Registration.objects.get(pk=holder_registration.pk).status
    cancelled = client.post(cancel_url)

    assert shown.status_code == 200
    assert unchanged == "confirmed"
    assert cancelled.status_code == 302
    assert cancelled["Location"] == f"/{language}/account/"
    assert dict(Registration.objects.values_list("user__email", "status")) == {
        "holder@clinic.example": "cancelled",
        "first@clinic.example": "confirmed",
    }
    title = session.title_ru if language == "ru" else session.title_en
    promoted = [m for m in mail.outbox if m.subject == promoted_subject.format(title)]
    assert [m.to for m in promoted] == [[f"Aigerim Sadykova <{first_in_line.email}>"]]
    assert len(mail.outbox) == 2


def test_someone_elses_cancel_page_is_not_found(client):
    session = SessionFactory()
    sign_in(client, "holder@clinic.example")
    register(client, session)
    registration = Registration.objects.get()
    sign_in(client, "other@clinic.example")

    response = client.post(f"/en/account/registrations/{registration.public_id}/cancel/")

    assert response.status_code == 404
    assert Registration.objects.get().status == "confirmed"


@pytest.mark.parametrize(("language", "h1"), [("en", "Cancel your place?"), ("ru", "Отменить регистрацию?")])
def test_cancel_link_of_the_email_asks_first_then_cancels(client, language, h1):
    session = SessionFactory()
    sign_in(client, "holder@clinic.example")
    register(client, session, language)
    registration = Registration.objects.get()
    link = re.search(r"https?://[^/]+(/\w\w/cancel/\S+/)", mail.outbox[0].body).group(1)
    client.logout()

    shown = client.get(link)
    status_after_get = Registration.objects.get().status
    done = client.post(link)
    again = client.post(link)

    assert link == f"/{language}/cancel/{registration.public_id}/{registration.cancel_token}/"
    assert shown.status_code == 200
    assert get_h1(shown) == h1
    assert shown["Referrer-Policy"] == "no-referrer"
    assert status_after_get == "confirmed"
    assert done.status_code == 200
    assert get_h1(done) == {"en": "Your registration is cancelled", "ru": "Ваша регистрация отменена"}[language]
    assert Registration.objects.get().status == "cancelled"
    assert again.status_code == 404  # the cancel link is revoked with the registration
    assert len(mail.outbox) == 2


def test_cancel_link_with_a_wrong_token_is_not_found(client):
    session = SessionFactory()
    sign_in(client, "holder@clinic.example")
    register(client, session)
    registration = Registration.objects.get()

    response = client.post(f"/en/cancel/{registration.public_id}/{'0' * 64}/")

    assert response.status_code == 404
    assert Registration.objects.get().status == "confirmed"


def test_cancelled_person_registers_again(client):
    session = SessionFactory(capacity=3)
    sign_in(client, "holder@clinic.example")
    register(client, session)
    first = Registration.objects.get()
    client.post(f"/en/account/registrations/{first.public_id}/cancel/")

    form_again = client.get(register_url(session))
    outcome = register(client, session)

    assert get_h1(form_again) == "Register for this session"
    assert get_h1(outcome) == "You are registered"
    assert list(Registration.objects.order_by("pk").values_list("status", flat=True)) == ["cancelled", "confirmed"]
