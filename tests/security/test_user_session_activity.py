"""allauth's record of a signed-in session is refreshed at most every 15 minutes, not on every request."""

import datetime as dt

import pytest
import time_machine
from allauth.usersessions.models import UserSession

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGNED_IN_AT = dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC)


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


def test_a_fresh_record_costs_one_query_and_no_write(client, django_assert_num_queries):
    user = UserFactory()
    client.force_login(user)
    client.get("/en/no-such-page/")  # any page: the first request records the session

    # the session, the user, and whether the record was refreshed lately (the 404 page reads nothing)
    with django_assert_num_queries(3):
        client.get("/en/no-such-page/")

    assert UserSession.objects.filter(user=user).count() == 1
