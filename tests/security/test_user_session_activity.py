"""allauth's record of a signed-in session is refreshed at most every 15 minutes, not on every request,
and the session itself says when it was last refreshed (no query to find out)."""

import datetime as dt

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.utils import timezone

from registrations.usersessions import SEEN_AT_SESSION_KEY
from tests.factories import SessionFactory, UserFactory
from tests.registrations.helpers import answers, last_code, register_url

pytestmark = pytest.mark.django_db

# An hour before the run, not a fixed date: the tests read `client.session` on the real clock
# afterwards, and a session signed in at a fixed moment expires two weeks after it.
SIGNED_IN_AT = timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)


def visit(client, minutes_later):
    with time_machine.travel(SIGNED_IN_AT + dt.timedelta(minutes=minutes_later), tick=False):
        client.get("/en/account/")
    return UserSession.objects.get().last_seen_at


def test_session_record_is_made_on_the_first_request_and_refreshed_after_fifteen_minutes(client):
    with time_machine.travel(SIGNED_IN_AT, tick=False):
        client.force_login(UserFactory())

    seen = [visit(client, minutes) for minutes in (0, 14, 16, 20)]

    assert seen == [
        SIGNED_IN_AT,
        SIGNED_IN_AT,
        SIGNED_IN_AT + dt.timedelta(minutes=16),
        SIGNED_IN_AT + dt.timedelta(minutes=16),
    ]


def test_a_fresh_record_costs_no_query_and_no_write(client, django_assert_num_queries):
    user = UserFactory()
    client.force_login(user)
    client.get("/en/no-such-page/")  # any page: the first request records the session

    # the user (the 404 page reads nothing; the session comes from the cache, cached_db): when the
    # record was refreshed is in the session (the pin was 3, with a SELECT of the record, before
    # the session said so, and 2 while sessions were read from the database)
    with django_assert_num_queries(1):
        client.get("/en/no-such-page/")

    assert UserSession.objects.filter(user=user).count() == 1


def test_sign_in_by_code_makes_the_record_and_notes_it_in_the_session(client, settings):
    settings.REGISTRATION_POW_REQUIRED = False  # the form's proof of work is not what this is about
    user = UserFactory(email="nurse@clinic.example")
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    session = SessionFactory()
    sent = client.post(register_url(session), answers(email=user.email))

    with time_machine.travel(SIGNED_IN_AT, tick=False):
        client.post(sent["Location"], {"code": last_code()})

    record = UserSession.objects.get()
    assert (record.user, record.session_key, record.last_seen_at) == (user, client.session.session_key, SIGNED_IN_AT)
    assert client.session[SEEN_AT_SESSION_KEY] == SIGNED_IN_AT.timestamp()


def test_a_session_without_the_note_asks_the_record_once_and_writes_nothing(client, django_assert_num_queries):
    with time_machine.travel(SIGNED_IN_AT, tick=False):
        client.force_login(UserFactory())
        client.get("/en/no-such-page/")  # the first request records the session
    session = client.session
    del session[SEEN_AT_SESSION_KEY]  # signed in before sessions carried the note
    session.save()

    # the user, and whether the record was refreshed lately: fresh, so no write (the session comes
    # from the cache, cached_db)
    with time_machine.travel(SIGNED_IN_AT + dt.timedelta(minutes=2), tick=False), django_assert_num_queries(2):
        client.get("/en/no-such-page/")

    assert UserSession.objects.get().last_seen_at == SIGNED_IN_AT
    assert SEEN_AT_SESSION_KEY not in client.session


def test_a_refresh_notes_the_new_time_in_the_session(client):
    with time_machine.travel(SIGNED_IN_AT, tick=False):
        client.force_login(UserFactory())

    visit(client, 16)

    assert client.session[SEEN_AT_SESSION_KEY] == (SIGNED_IN_AT + dt.timedelta(minutes=16)).timestamp()
