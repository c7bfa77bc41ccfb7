"""The site's authentication backends read the signed-in user with SQL built once; the user is the
ORM's, sign-in rules are Django's and allauth's, and sessions signed in through the former
backend paths stay signed in."""

from importlib import import_module

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registrations.auth_backends import FORMER_BACKEND_PATHS, AccountBackend, ModelBackend
from tests.factories import UserFactory
from tests.registrations.helpers import last_code

pytestmark = pytest.mark.django_db

ACCOUNT_BACKEND = "registrations.auth_backends.AccountBackend"


def field_values(user) -> dict:
    return {field.attname: getattr(user, field.attname) for field in user._meta.concrete_fields}


@pytest.mark.parametrize("backend", [ModelBackend(), AccountBackend()])
def test_the_user_is_the_orms_row(backend):
    user = UserFactory(first_name="Айгерим", last_name="O'Brien", is_staff=True)
    user.set_password("correct horse battery staple")
    user.save()

    loaded = backend.get_user(user.pk)

    assert type(loaded) is get_user_model()
    assert field_values(loaded) == field_values(get_user_model().objects.get(pk=user.pk))
    assert loaded._state.adding is False
    assert loaded._state.db == "default"


@pytest.mark.parametrize("backend", [ModelBackend(), AccountBackend()])
def test_inactive_and_unknown_users_are_nobody(backend):
    inactive = UserFactory(is_active=False)
    assert backend.get_user(inactive.pk) is None
    assert backend.get_user(inactive.pk + 1000) is None


def test_an_id_given_as_text_goes_through_the_orm():
    user = UserFactory()
    assert ModelBackend().get_user(str(user.pk)) == user


def test_the_user_is_one_prebuilt_statement():
    user = UserFactory()
    ModelBackend().get_user(user.pk)  # the first call builds the statement
    with CaptureQueriesContext(connection) as queries:
        assert ModelBackend().get_user(user.pk) == user
    assert len(queries) == 1


def test_the_admin_signs_in_with_a_password(client):
    user = UserFactory(username="organiser", is_staff=True)
    user.set_password("a long pass phrase 1")
    user.save()

    assert client.login(username="organiser", password="a long pass phrase 1")  # noqa: S106 (a test value)
    assert client.session[BACKEND_SESSION_KEY] == "registrations.auth_backends.ModelBackend"
    assert not client.login(username="organiser", password="wrong")  # noqa: S106 (a test value)


def test_a_sign_in_by_code_keeps_the_account_backend(client):
    user = UserFactory(email="nurse@clinic.example")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.post("/en/accounts/login/code/", {"email": "nurse@clinic.example"})
    client.post("/en/accounts/login/code/confirm/", {"code": last_code()})

    assert client.session[BACKEND_SESSION_KEY] == ACCOUNT_BACKEND
    assert client.get("/en/account/").status_code == 200


def session_signed_in_through(user, backend_path: str) -> str:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store.update(
        {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: backend_path, HASH_SESSION_KEY: user.get_session_auth_hash()}
    )
    store.create()
    return store.session_key


@pytest.mark.parametrize("former_path", sorted(FORMER_BACKEND_PATHS))
def test_a_session_signed_in_through_a_former_path_stays_signed_in(client, former_path):
    user = UserFactory()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_signed_in_through(user, former_path)

    response = client.get("/en/account/")

    assert response.status_code == 200
    assert response.wsgi_request.user == user
    assert client.session[BACKEND_SESSION_KEY] == FORMER_BACKEND_PATHS[former_path]
    assert client.get("/en/account/").status_code == 200  # and after the move


def test_an_unknown_backend_path_is_still_signed_out(client):
    user = UserFactory()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_signed_in_through(user, "somewhere.else.Backend")

    response = client.get("/en/account/")

    assert response.status_code == 302
    assert not response.wsgi_request.user.is_authenticated


def test_a_changed_password_still_ends_the_session(client):
    user = UserFactory()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_signed_in_through(user, ACCOUNT_BACKEND)
    assert client.get("/en/account/").status_code == 200

    user.set_password("a new pass phrase 2")
    user.save()

    assert client.get("/en/account/").status_code == 302
