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


def give_a_session(client, zone: str = "Asia/Vladivostok") -> None:
    """The visitor picked a time zone: they now carry a session cookie."""
    client_session = client.session
    client_session[VIEWER_TIMEZONE_SESSION_KEY] = zone
    client_session.save()


def create_public_pages(item_count: int) -> list[str]:
    create_sessions(item_count, past=True)
    sessions = create_sessions(item_count)
    speaker = SpeakerFactory(slug="anna")
    for session in sessions:
        SessionSpeakerFactory(session=session, speaker=speaker)
    return [sessions[0].get_absolute_url(), "/en/speakers/anna/"]


@pytest.mark.parametrize("item_count", [1, 3])
def test_anonymous_visitors_get_whole_pages_without_a_query(client, django_assert_num_queries, item_count):
    paths = ["/en/", "/ru/", "/en/sessions/", "/ru/sessions/past/", "/en/speakers/", *create_public_pages(item_count)]
    for path in paths:
        first = client.get(path)  # fills the cache

        with django_assert_num_queries(0):
            second = client.get(path)

        assert (second.status_code, second.content) == (200, first.content)
        assert second["ETag"] == first["ETag"]


@pytest.mark.parametrize("item_count", [1, 3])
@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/en/", 0),  # the visitor's session comes from the cache too (cached_db)
        ("/ru/", 0),
        ("/en/sessions/", 1),  # the paginator's count (it decides 404 for a page past the end)
        ("/ru/sessions/past/", 1),
        ("/en/speakers/", 1),
    ],
)
def test_visitors_with_a_session_get_cached_fragments(client, django_assert_num_queries, item_count, path, queries):
    create_public_pages(item_count)
    give_a_session(client)
    client.get(path)  # fills the cache

    with django_assert_num_queries(queries):
        response = client.get(path)

    assert response.status_code == 200
    assert "ETag" not in response


@pytest.mark.parametrize("item_count", [1, 3])
def test_cached_detail_fragments_run_the_row_query(client, django_assert_num_queries, item_count):
    give_a_session(client)
    for path in create_public_pages(item_count):
        client.get(path)

        # the row that decides 404, title and description (the visitor's session comes from the
        # cache, cached_db)
        with django_assert_num_queries(1):
            response = client.get(path)

        assert response.status_code == 200


def test_a_revalidating_browser_gets_304_until_the_content_changes(client):
    session = create_sessions(1)[0]
    etag = client.get("/en/sessions/")["ETag"]

    assert client.get("/en/sessions/", headers={"If-None-Match": etag}).status_code == 304

    session.title_en = "Access controls, revisited"
    session.save()
    response = client.get("/en/sessions/", headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert "Access controls, revisited" in response.content.decode()
    assert response["ETag"] != etag


def test_whole_pages_are_kept_per_language_host_and_query(client):
    create_sessions(12)
    pages = {
        (path, host): client.get(path, headers={"Host": host}).content.decode()
        for path, host in [
            ("/en/sessions/", "testserver"),
            ("/en/sessions/?page=2", "testserver"),
            ("/ru/sessions/", "testserver"),
            ("/en/sessions/", "localhost"),
        ]
    }

    assert len(set(pages.values())) == 4
    assert (
        'href="http://localhost/en/sessions/"'
        in client.get("/en/sessions/", headers={"Host": "localhost"}).content.decode()
    )


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


def test_public_pages_need_no_csp_nonce(client):
    create_sessions(1)

    response = client.get("/en/")

    # Their one script is a same-origin file ('self'): nothing per response, so cacheable whole.
    assert "nonce" not in response["Content-Security-Policy"]
    assert "nonce=" not in response.content.decode()
    assert '<script src="/static/js/localtime.js" defer></script>' in response.content.decode()


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
