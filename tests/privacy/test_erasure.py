"""Erasure: a person deletes their account (or an organiser does it for them on request)."""

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.auth.models import User
from django.core import mail

from registrations import privacy
from registrations.calendar_tokens import CalendarFeedToken
from registrations.certificate_models import Certificate
from registrations.models import Profile, Registration
from registrations.privacy_models import AccessLogEntry
from registrations.services import register_attendee
from tests.factories import SessionFactory, UserFactory, attendee_details
from tests.privacy.conftest import find_text, sign_in_to_admin

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "aigerim.sadykova@clinic.example"
NAME = "Aigerim Sadykova"


def _coming_place(user, *, capacity=1):
    session = SessionFactory(capacity=capacity)
    register_attendee(session=session, user=user, details=attendee_details(full_name=NAME))
    waiting = register_attendee(session=session, user=UserFactory(), details=attendee_details(full_name="Ivan Ivanov"))
    return session, waiting.registration


def test_erase_person_leaves_name_and_email_in_no_table_and_no_file(person, client):
    _coming_place(person)
    client.force_login(person)
    client.get("/en/account/")  # a tracked user session, with its browser session
    assert find_text(EMAIL)  # the scan does see them before
    assert find_text(NAME)

    privacy.erase_person(user=person, actor=person)

    assert find_text(EMAIL) == []
    assert find_text(NAME) == []
    assert find_text("Almaty City Hospital") == []


def test_erase_person_frees_the_place_and_promotes_the_waitlist(person):
    _session, waiting = _coming_place(person)
    mail.outbox.clear()

    report = privacy.erase_person(user=person, actor=person)

    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    assert report.cancelled == 1
    # The promoted person is told; the erased person is not (no address is left to write to).
    assert [message.to for message in mail.outbox] == [[f"Ivan Ivanov <{waiting.user.email}>"]]


def test_erase_person_keeps_past_statistics(person):
    past = Registration.objects.get(user=person)

    privacy.erase_person(user=person, actor=person)

    past.refresh_from_db()
    assert (past.status, past.country.code, past.profession, past.language) == ("confirmed", "KZ", "physician", "ru")
    assert (past.full_name, past.organisation, past.join_token_hash) == ("", "", None)


def test_erase_person_revokes_tokens_ends_sessions_and_removes_account_rows(person, client):
    client.force_login(person)
    client.get("/en/account/")
    registration = Registration.objects.get(user=person)
    old_join_token = registration.join_token
    assert UserSession.objects.filter(user=person).count() == 1

    privacy.erase_person(user=person, actor=person)

    registration.refresh_from_db()
    person.refresh_from_db()
    assert registration.join_token != old_join_token
    assert privacy.Registration.objects.filter(join_token_hash__isnull=False, user=person).count() == 0
    assert CalendarFeedToken.objects.filter(user=person).count() == 0
    assert EmailAddress.objects.filter(user=person).count() == 0
    assert Authenticator.objects.filter(user=person).count() == 0
    assert Profile.objects.filter(user=person).count() == 0
    assert UserSession.objects.filter(user=person).count() == 0
    assert client.get("/en/account/").status_code == 302  # signed out everywhere
    assert (person.is_active, person.email, person.has_usable_password()) == (False, "", False)


def test_erase_person_deletes_certificates_and_their_files(person):
    certificate = Certificate.objects.get(registration__user=person)
    path = certificate.pdf.path

    report = privacy.erase_person(user=person, actor=person)

    assert report.certificates_deleted == 1
    assert Certificate.objects.count() == 0
    assert not __import__("os").path.exists(path)


def test_erase_person_keeping_certificates_keeps_only_the_verification_form(person):
    certificate = Certificate.objects.get(registration__user=person)
    path = certificate.pdf.path

    privacy.erase_person(user=person, actor=person, keep_certificates=True)

    certificate.refresh_from_db()
    assert (certificate.printed_name, certificate.printed_title, certificate.status) == (
        NAME, "Cybersecurity in health care", "valid"
    )
    assert (certificate.pdf.name, certificate.minutes) == ("", 0)
    assert not __import__("os").path.exists(path)
    assert find_text(EMAIL) == []
    assert find_text(NAME) == ["registrations.Certificate.printed_name"]


def test_staff_accounts_are_not_erased_by_the_service(db):
    organiser = UserFactory(is_staff=True)

    with pytest.raises(ValueError, match="Staff"):
        privacy.erase_person(user=organiser, actor=organiser)


@pytest.mark.parametrize(
    ("language", "heading", "done"),
    [
        ("en", "Delete your account?", "Your account and your personal data are deleted."),
        ("ru", "Удалить ваш аккаунт?", "Ваш аккаунт и ваши персональные данные удалены."),
    ],
)
def test_account_page_deletes_the_account_after_confirmation(person, client, language, heading, done):
    client.force_login(person)

    page = client.get(f"/{language}/account/privacy/delete/")
    response = client.post(f"/{language}/account/privacy/delete/", {"confirm": "yes"}, follow=True)

    assert heading in page.content.decode()
    assert response.redirect_chain[-1][0] == f"/{language}/privacy/"
    assert [str(message) for message in response.context["messages"]] == [done]
    assert User.objects.get(pk=person.pk).is_active is False
    assert find_text(EMAIL) == []


def test_account_page_delete_without_confirmation_changes_nothing(person, client):
    client.force_login(person)

    response = client.post("/en/account/privacy/delete/", {})

    assert response.status_code == 200
    assert User.objects.get(pk=person.pk).email == EMAIL


def test_organiser_erases_a_person_who_writes_in_and_it_is_logged(person, client, superuser):
    admin_user = superuser
    sign_in_to_admin(client, admin_user)
    url = "/en/admin/registrations/personaldatarequest/"

    confirm = client.post(url, {"action": "erase_data", "_selected_action": [person.pk]})
    client.post(url, {"action": "erase_data", "_selected_action": [person.pk], "post": "yes"})

    assert confirm.status_code == 200
    assert find_text(EMAIL) == []
    assert list(AccessLogEntry.objects.values_list("kind", "subject_id", "actor_id")) == [
        ("person_erasure", person.pk, admin_user.pk)
    ]


def test_organiser_search_for_a_person_needs_the_exact_address(person, client, superuser):
    admin_user = superuser
    sign_in_to_admin(client, admin_user)
    url = "/en/admin/registrations/personaldatarequest/"

    assert list(client.get(url).context["cl"].result_list) == []
    assert list(client.get(url, {"q": "aigerim"}).context["cl"].result_list) == []
    assert list(client.get(url, {"q": EMAIL.upper()}).context["cl"].result_list) == [person]
    assert dt.UTC  # keeps the import used in this module's fixtures
