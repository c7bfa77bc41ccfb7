"""The personal feed of "my sessions": token handling, privacy headers, content and the 404s."""

import re
import secrets

import pytest
from django.template import Context, Template

from events.models import Session
from registrations.calendar_tokens import CalendarFeedToken, find_feed_owner, issue_feed_token, revoke_feed_token
from registrations.services import cancel_registration, find_by_join_token, register_attendee
from tests.events.icalcheck import assert_rfc5545_form, read_events, unfolded_lines, utc
from tests.factories import SessionFactory, UserFactory, attendee_details

pytestmark = pytest.mark.django_db

HOST = "127.0.0.1"
PRIVATE_HEADERS = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def register(session, user, language="ru"):
    return register_attendee(session=session, user=user, details=attendee_details(language=language)).registration


def feed_path(token):
    return f"/calendar/{token}.ics"


def test_feed_has_the_owners_confirmed_sessions_with_personal_join_links(client):
    user = UserFactory()
    kept = register(SessionFactory(), user)
    cancelled_session = SessionFactory()
    register(cancelled_session, user)
    Session.objects.filter(pk=cancelled_session.pk).update(status=Session.Status.CANCELLED)
    dropped = register(SessionFactory(), user)
    cancel_registration(registration=dropped, actor=user)
    full = SessionFactory(capacity=1)
    register(full, UserFactory())
    register(full, user)  # waitlisted
    register(SessionFactory(), UserFactory())  # someone else's
    token = issue_feed_token(user=user)

    response = client.get(feed_path(token))

    assert response.status_code == 200
    assert {name: response[name] for name in PRIVATE_HEADERS} == PRIVATE_HEADERS
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "ETag" not in response
    [events] = read_events(response.content)
    assert {(e["uid"], e["status"]) for e in events} == {
        (f"decoded-{kept.session_id}@{HOST}", "CONFIRMED"),
        (f"decoded-{cancelled_session.pk}@{HOST}", "CANCELLED"),
    }
    assert_rfc5545_form(response.content)
    from icalendar import Calendar

    calendar = Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "Мои сессии"  # the owner's language (profile: ru)
    event = next(e for e in calendar.events if str(e["UID"]) == f"decoded-{kept.session_id}@{HOST}")
    assert str(event["SUMMARY"]) == kept.session.title_ru
    join_token = str(event["LOCATION"]).rsplit("/", 1)[1]
    assert find_by_join_token(join_token).pk == kept.pk
    assert kept.session.join_url not in response.content.decode()
    assert utc(event["DTSTART"].dt) == utc(kept.session.starts_at)


def test_feed_is_in_english_for_an_english_profile(client):
    user = UserFactory()
    registration = register(SessionFactory(), user, language="en")

    content = client.get(feed_path(issue_feed_token(user=user))).content

    lines = unfolded_lines(content)
    assert "X-WR-CALNAME:My sessions" in lines
    assert f"SUMMARY:{registration.session.title_en}" in lines


def test_reset_revokes_the_old_token(client):
    user = UserFactory()
    register(SessionFactory(), user)
    old = issue_feed_token(user=user)

    new = issue_feed_token(user=user)

    assert new != old
    assert len(new) == 64
    assert client.get(feed_path(old)).status_code == 404
    assert client.get(feed_path(new)).status_code == 200
    assert CalendarFeedToken.objects.filter(user=user).count() == 1
    assert new not in CalendarFeedToken.objects.values_list("token_hash", flat=True)[0]


def test_unknown_revoked_and_malformed_tokens_get_the_same_404(client):
    user = UserFactory()
    revoked = issue_feed_token(user=user)
    revoke_feed_token(user=user)

    tokens = [secrets.token_hex(32), revoked, "abc", revoked.upper(), revoked + "0"]

    responses = [client.get(feed_path(token)) for token in tokens]

    assert [r.status_code for r in responses] == [404] * 5
    assert all({name: r[name] for name in PRIVATE_HEADERS} == PRIVATE_HEADERS for r in responses)
    # The site's one 404 page; only the echoed path and the CSP nonce differ.
    pages = {
        re.sub(rb'nonce="[^"]+"', b"", r.content.replace(token.encode(), b"TOKEN"))
        for r, token in zip(responses, tokens, strict=True)
    }
    assert len(pages) == 1
    assert find_feed_owner(revoked) is None


def test_inactive_owner_has_no_feed(client):
    user = UserFactory()
    token = issue_feed_token(user=user)
    user.is_active = False
    user.save()

    assert client.get(feed_path(token)).status_code == 404


def test_reset_view_issues_a_new_token_for_the_signed_in_user(client):
    user = UserFactory()
    old = issue_feed_token(user=user)
    client.force_login(user)

    response = client.post("/calendar/reset/")
    get = client.get("/calendar/reset/")

    assert response.status_code == 302
    assert response["Location"] == "/en/account/"
    assert get.status_code == 405
    assert client.get(feed_path(old)).status_code == 404
    assert CalendarFeedToken.objects.get(user=user).token != old


def test_reset_view_needs_a_signed_in_user(client):
    response = client.post("/calendar/reset/")

    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")
    assert CalendarFeedToken.objects.count() == 0


def test_account_page_tag_shows_the_current_feed_url():
    user = UserFactory()
    template = Template(
        "{% load calendar_feed %}{% personal_feed_urls user as feed %}{{ feed.https }}|{{ feed.webcal }}"
    )
    before = template.render(Context({"user": user}))
    token = issue_feed_token(user=user)

    after = template.render(Context({"user": user}))

    assert before == "|"
    assert after == f"http://127.0.0.1:8000/calendar/{token}.ics|webcal://127.0.0.1:8000/calendar/{token}.ics"


@pytest.mark.parametrize("item_count", [1, 3])
def test_personal_feed_query_count(client, django_assert_num_queries, item_count):
    user = UserFactory()
    for _ in range(item_count):
        register(SessionFactory(), user)
    token = issue_feed_token(user=user)

    # token with owner and profile, registrations, sessions, their speakers
    with django_assert_num_queries(4):
        response = client.get(feed_path(token))

    assert len(read_events(response.content)[0]) == item_count
