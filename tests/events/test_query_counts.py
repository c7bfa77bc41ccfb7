"""Query counts of the public pages do not grow with the number of sessions or speakers.

Each count includes the cached series title for the header (one query on a cold cache; the
cache is cleared before every test) and the page cache's clock (one aggregate query on a cold
cache, events/page_cache.py). These are cold-cache counts; tests/production/test_page_cache.py
pins the counts of pages served from the fragment cache.
"""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import SessionFactory, SessionSpeakerFactory, SpeakerFactory

pytestmark = pytest.mark.django_db


def create_sessions(count: int, *, past: bool = False) -> list:
    start = timezone.now() + dt.timedelta(days=-30 if past else 7)
    sessions = []
    for index in range(count):
        starts_at = start + dt.timedelta(days=index)
        session = SessionFactory(starts_at=starts_at, ends_at=starts_at + dt.timedelta(minutes=90))
        SessionSpeakerFactory.create_batch(2, session=session)
        sessions.append(session)
    return sessions


@pytest.mark.parametrize("item_count", [1, 3])
def test_home_query_count(client, django_assert_num_queries, item_count):
    create_sessions(item_count)
    create_sessions(item_count, past=True)

    # series title (header), page-cache clock, upcoming sessions, their speakers, the series, past count
    with django_assert_num_queries(6):
        response = client.get("/en/")

    assert response.status_code == 200


@pytest.mark.parametrize("item_count", [1, 3])
def test_session_list_query_count(client, django_assert_num_queries, item_count):
    create_sessions(item_count)

    # series title, count (paginator), page-cache clock, sessions with series, speakers
    with django_assert_num_queries(5):
        response = client.get("/en/sessions/")

    assert len(response.context["sessions"]) == item_count


@pytest.mark.parametrize("item_count", [1, 3])
def test_session_past_query_count(client, django_assert_num_queries, item_count):
    create_sessions(item_count, past=True)

    with django_assert_num_queries(5):
        response = client.get("/ru/sessions/past/")

    assert len(response.context["sessions"]) == item_count


@pytest.mark.parametrize("item_count", [1, 3])
def test_session_detail_query_count(client, django_assert_num_queries, item_count):
    session = SessionFactory(
        slug="s",
        starts_at=timezone.now() - dt.timedelta(days=2),
        ends_at=timezone.now() - dt.timedelta(days=2) + dt.timedelta(hours=1),
    )
    SessionSpeakerFactory.create_batch(item_count, session=session)

    # series title, the session row with its series, page-cache clock, then for the rendered
    # fragment: speakers (attached to that row), materials
    with django_assert_num_queries(5):
        response = client.get("/en/sessions/s/")

    assert len(response.context["session"].speakers_in_order) == item_count


@pytest.mark.parametrize("item_count", [1, 3])
def test_speaker_list_query_count(client, django_assert_num_queries, item_count):
    for speaker in SpeakerFactory.create_batch(item_count):
        SessionSpeakerFactory(speaker=speaker)

    # series title, count (paginator), page-cache clock, speakers
    with django_assert_num_queries(4):
        response = client.get("/en/speakers/")

    assert len(response.context["speakers"]) == item_count


@pytest.mark.parametrize("item_count", [1, 3])
def test_speaker_detail_query_count(client, django_assert_num_queries, item_count):
    speaker = SpeakerFactory(slug="s")
    SessionSpeakerFactory.create_batch(item_count, speaker=speaker)

    # series title, the speaker row, page-cache clock, their public session links with sessions
    # (attached to the row already loaded when the fragment is rendered)
    with django_assert_num_queries(4):
        response = client.get("/en/speakers/s/")

    assert len(response.context["speaker"].public_session_links) == item_count
