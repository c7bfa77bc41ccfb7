"""A signed-in attendee with a verified address: one confirmation step, prefilled."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registrations.models import Profile, Registration
from registrations.report_models import RegistrationTally
from tests.factories import SessionFactory, UserFactory
from tests.registrations.helpers import answers, get_h1, last_code, register_url

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit emails run for real

CONFIRMED_SUBJECTS = {"en": "Your place is confirmed: {}", "ru": "Место подтверждено: {}"}


def verified_user(email="returning@clinic.example"):
    user = UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user


@pytest.mark.parametrize("language", ["en", "ru"])
def test_returning_attendee_confirms_in_one_step_with_the_form_prefilled(client, language):
    session = SessionFactory(capacity=5)
    user = verified_user()
    Profile.objects.create(
        user=user,
        full_name="Dr Anna Petrova",
        organisation="Ministry of Health",
        profession="policy",
        country="UZ",
        language=language,
    )
    client.force_login(user)

    form_page = client.get(register_url(session, language))
    outcome = client.post(
        register_url(session, language),
        answers(
            email=None,
            full_name="Dr Anna Petrova",
            organisation="Ministry of Health",
            profession="policy",
            country="UZ",
            language=language,
        ),
    )

    form = form_page.context["form"]
    assert "email" not in form.fields
    assert {
        name: form.initial[name] for name in ("full_name", "organisation", "profession", "country", "language")
    } == {
        "full_name": "Dr Anna Petrova",
        "organisation": "Ministry of Health",
        "profession": "policy",
        "country": "UZ",
        "language": language,
    }
    assert outcome.status_code == 200
    assert get_h1(outcome) == {"en": "You are registered", "ru": "Вы зарегистрированы"}[language]
    registration = Registration.objects.get()
    assert (registration.user, registration.status, registration.full_name) == (user, "confirmed", "Dr Anna Petrova")
    title = session.title_ru if language == "ru" else session.title_en
    assert [m.subject for m in mail.outbox] == [CONFIRMED_SUBJECTS[language].format(title)]


def test_email_language_defaults_to_the_page_language(client):
    session = SessionFactory()
    client.force_login(verified_user())

    response = client.get(register_url(session, "ru"))

    assert response.context["form"].initial == {
        "language": "ru",
        "started": response.context["form"].initial["started"],
    }


def test_double_submit_gives_one_registration_and_one_email(client):
    session = SessionFactory(capacity=5)
    client.force_login(verified_user())
    data = answers(email=None)

    first = client.post(register_url(session), data)
    second = client.post(register_url(session), data)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.context["registration"].pk == second.context["registration"].pk
    assert (first.context["created"], second.context["created"]) == (True, False)
    assert Registration.objects.count() == 1
    assert len(mail.outbox) == 1


def test_already_registered_person_sees_status_position_and_cancel_link(client):
    session = SessionFactory(capacity=1)
    holder = verified_user("holder@clinic.example")
    client.force_login(holder)
    client.post(register_url(session), answers(email=None))
    waiting = verified_user("waiting@clinic.example")
    client.force_login(waiting)
    client.post(register_url(session), answers(email=None))

    response = client.get(register_url(session))

    registration = Registration.objects.get(user=waiting)
    assert get_h1(response) == "You are already registered"
    assert response.context["waitlist_position"] == 1
    assert "You are first in line." in response.content.decode()
    assert f'href="/en/account/registrations/{registration.public_id}/cancel/"' in response.content.decode()


def test_signed_in_without_a_verified_address_proves_it_by_code_first(client):
    session = SessionFactory()
    user = UserFactory(email="unverified@clinic.example")
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    client.force_login(user)

    sent = client.post(register_url(session), answers(email=None))

    assert Registration.objects.count() == 0
    assert mail.outbox[0].to == ["unverified@clinic.example"]

    client.post(sent["Location"], {"code": last_code()})
    outcome = client.get(register_url(session))

    assert get_h1(outcome) == "You are registered"
    assert Registration.objects.get().user == user
    assert EmailAddress.objects.get().verified is True


def test_the_session_row_brings_the_address_check_and_the_tally_in_one_statement(client):
    """The register view reads the session, whether the person proved an address and the tally
    that predicts the outcome in one statement: neither is asked again on its own."""
    session = SessionFactory(capacity=5)
    client.force_login(verified_user())

    with CaptureQueriesContext(connection) as queries:
        response = client.post(register_url(session), answers(email=None))

    assert get_h1(response) == "You are registered"
    statements = [query["sql"] for query in queries]
    assert [sql for sql in statements if "account_emailaddress" in sql] == [
        sql for sql in statements if sql.startswith("SELECT") and '"events_session"."slug" = ' in sql
    ]
    assert len([sql for sql in statements if "account_emailaddress" in sql]) == 1
    assert not [sql for sql in statements if sql.startswith("SELECT") and "registrationtally" in sql.split("FROM")[1]]


def test_a_tally_read_with_the_row_that_says_full_still_gives_the_free_place(client):
    session = SessionFactory(capacity=2)
    RegistrationTally.objects.create(session=session, attribute="status", value="confirmed", registrations=5)
    client.force_login(verified_user())

    response = client.post(register_url(session), answers(email=None))

    assert get_h1(response) == "You are registered"
    assert Registration.objects.get().status == "confirmed"
    assert len(mail.outbox) == 1
