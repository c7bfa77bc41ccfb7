"""The public pages' fragment cache: served without content queries, stale at once after a change."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from events import page_cache
from events.middleware import VIEWER_TIMEZONE_SESSION_KEY
from tests.factories import SessionFactory, SessionSpeakerFactory, SpeakerFactory

pytestmark = pytest.mark.django_db(transaction=True)  # receivers bump the version on commit


def create_sessions(count: int, *, past: bool = False) -> list:
    start = timezone.now() + dt.timedelta(days=-30 if past else 7)
    sessions = []
    for index in range(count):
        starts_at = start + dt.timedelta(days=index)
        session = SessionFactory(starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1))
        SessionSpeakerFactory.create_batch(2, session=session)
        sessions.append(session)
    return sessions


@pytest.mark.parametrize("item_count", [1, 3])
@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/en/", 0),
        ("/ru/", 0),
        ("/en/sessions/", 1),  # the paginator's count (it decides 404 for a page past the end)
        ("/ru/sessions/past/", 1),
        ("/en/speakers/", 1),
    ],
)
def test_cached_list_pages_run_no_content_queries(client, django_assert_num_queries, item_count, path, queries):
    create_sessions(item_count)
    create_sessions(item_count, past=True)
    client.get(path)  # fills the cache

    with django_assert_num_queries(queries):
        response = client.get(path)

    assert response.status_code == 200


@pytest.mark.parametrize("item_count", [1, 3])
def test_cached_detail_pages_run_one_query(client, django_assert_num_queries, item_count):
    session = create_sessions(1)[0]
    speaker = SpeakerFactory(slug="anna")
    for other in create_sessions(item_count):
        SessionSpeakerFactory(session=other, speaker=speaker)
    for path in (session.get_absolute_url(), "/en/speakers/anna/"):
        client.get(path)

        # the row that decides 404, title and description
        with django_assert_num_queries(1):
            response = client.get(path)

        assert response.status_code == 200


def test_a_saved_session_shows_up_at_once(client):
    session = create_sessions(1)[0]
    assert session.title in client.get(session.get_absolute_url()).content.decode()

    session.title_en = "Access controls, revisited"
    session.save()

    assert "Access controls, revisited" in client.get(session.get_absolute_url()).content.decode()
    assert "Access controls, revisited" in client.get("/en/").content.decode()


def test_a_renamed_speaker_shows_up_on_session_pages(client):
    session = create_sessions(1)[0]
    client.get(session.get_absolute_url())
    speaker = session.speakers_in_order[0].speaker

    speaker.name_en = "Dr Nino Beridze"
    speaker.save()

    assert "Dr Nino Beridze" in client.get(session.get_absolute_url()).content.decode()


def test_a_session_moves_to_past_when_it_ends_without_any_save(client):
    session = create_sessions(1)[0]
    assert session.title in client.get("/en/sessions/").content.decode()

    with time_machine.travel(session.ends_at + dt.timedelta(minutes=1)):
        page = client.get("/en/sessions/").content.decode()

    assert session.title not in page


def test_each_response_keeps_its_own_csp_nonce(client):
    create_sessions(1)

    first = client.get("/en/")
    second = client.get("/en/")

    assert first["Content-Security-Policy"] != second["Content-Security-Policy"]
    nonce = second["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in second.content.decode()


def test_a_picked_zone_gets_its_own_fragment(client):
    session = create_sessions(1)[0]
    client.get(session.get_absolute_url())  # the browser-zone variant is cached
    client_session = client.session
    client_session[VIEWER_TIMEZONE_SESSION_KEY] = "Asia/Vladivostok"
    client_session.save()

    page = client.get(session.get_absolute_url()).content.decode()

    assert "Vladivostok" in page


def test_unknown_query_parameters_are_not_cached(rf):
    request = rf.get("/en/", {"utm_source": "mail"})
    request.viewer_timezone = None

    assert page_cache.build_fragment_key(request) == ""
    assert page_cache.build_fragment_key(rf.get("/en/sessions/", {"page": "2"})) != ""
