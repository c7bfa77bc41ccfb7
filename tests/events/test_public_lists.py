"""The home page's and the session list's rows through compiled queries are the ORM's rows."""

import datetime as dt

import pytest
from django.utils import timezone

from events.models import Session
from events.public_lists import first_series, sessions_with_speakers
from events.views import SessionListView
from tests.factories import SeriesFactory, SessionFactory, SessionSpeakerFactory

pytestmark = pytest.mark.django_db


def orm_page(now, start, stop) -> list[Session]:
    return list(
        Session.objects.public().without_secrets().upcoming(now).order_by("starts_at", "pk").with_speakers()[start:stop]
    )


def orm_past_page(now, start, stop) -> list[Session]:
    return list(
        Session.objects.public().without_secrets().past(now).order_by("-starts_at", "-pk").with_speakers()[start:stop]
    )


def shape(sessions) -> list:
    return [
        (
            session.pk,
            session.series.title,
            session.get_deferred_fields(),
            [(link.pk, link.speaker.name, link.session is session) for link in session.ordered_speaker_links],
        )
        for session in sessions
    ]


@pytest.fixture
def sessions():
    """Eight upcoming public sessions, three of them starting at the same moment (ties cross the
    page boundaries below), one without speakers; a draft, a past and a cancelled one."""
    soon = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    made = []
    for index, offset in enumerate([0, 1, 2, 2, 2, 3, 4, 5]):
        session = SessionFactory(starts_at=soon + dt.timedelta(days=offset))
        for order in range(index % 3):  # 0, 1 or 2 speakers
            SessionSpeakerFactory(session=session, order=2 - order)
        made.append(session)
    SessionFactory(status=Session.Status.CANCELLED, starts_at=soon + dt.timedelta(days=2))
    SessionSpeakerFactory(session=SessionFactory(status=Session.Status.DRAFT, starts_at=soon))
    SessionFactory(starts_at=soon - dt.timedelta(days=10))
    return made


@pytest.mark.parametrize(("start", "stop"), [(0, 7), (0, 3), (3, 6), (6, 9), (9, 12)])
def test_pages_are_the_orm_pages(sessions, django_assert_num_queries, start, stop):
    now = timezone.now()
    expected = orm_page(now, start, stop)

    with django_assert_num_queries(2 if expected else 1):
        found = sessions_with_speakers("upcoming", start, stop, now=now)
        found_shape = shape(found)  # series and speakers attached: no further query

    assert found_shape == shape(expected)
    assert [session.pk for session in found] == [session.pk for session in expected]


def test_the_pages_together_hold_every_upcoming_public_session_once(sessions):
    now = timezone.now()
    pages = [sessions_with_speakers("upcoming", start, start + 3, now=now) for start in range(0, 12, 3)]
    listed = [session.pk for page in pages for session in page]
    assert sorted(listed) == sorted(Session.objects.public().upcoming(now).values_list("pk", flat=True))
    assert len(listed) == len(set(listed)) == 9


def test_first_series_is_the_orms_first():
    SeriesFactory(slug="b-series")
    SeriesFactory(slug="a-series")
    assert first_series() == type(first_series()).objects.first()
    assert first_series().slug == "b-series"  # created first (the model's order), not by slug


def test_session_list_pages_in_order(client, sessions, monkeypatch):
    monkeypatch.setattr(SessionListView, "paginate_by", 5)
    pages = [client.get("/en/sessions/").content.decode(), client.get("/en/sessions/?page=2").content.decode()]

    expected = orm_page(timezone.now(), 0, 20)
    assert len(expected) == 9
    for page, rows in zip(pages, (expected[:5], expected[5:]), strict=True):
        positions = [page.find(f">{session.title}<") for session in rows]
        assert -1 not in positions
        assert positions == sorted(positions)
    assert client.get("/en/sessions/?page=3").status_code == 404


@pytest.fixture
def past():
    """Five past public sessions, three of them at the same moment, and a past draft."""
    ago = timezone.now().replace(microsecond=0) - dt.timedelta(days=30)
    made = []
    for index, offset in enumerate([0, 1, 1, 1, 2]):
        session = SessionFactory(starts_at=ago + dt.timedelta(days=offset))
        for order in range(index % 3):
            SessionSpeakerFactory(session=session, order=order)
        made.append(session)
    SessionFactory(status=Session.Status.DRAFT, starts_at=ago)
    return made


@pytest.mark.parametrize(("start", "stop"), [(0, 10), (0, 2), (2, 4), (4, 6)])
def test_past_pages_are_the_orm_pages(past, django_assert_num_queries, start, stop):
    now = timezone.now()
    expected = orm_past_page(now, start, stop)

    with django_assert_num_queries(2):
        found_shape = shape(sessions_with_speakers("past", start, stop, now=now))

    assert found_shape == shape(expected)
    assert len(found_shape) == min(stop, 5) - start


def test_past_list_page_lists_latest_first(client, past):
    page = client.get("/en/sessions/past/").content.decode()

    positions = [page.find(f">{session.title}<") for session in orm_past_page(timezone.now(), 0, 10)]
    assert -1 not in positions
    assert positions == sorted(positions)
