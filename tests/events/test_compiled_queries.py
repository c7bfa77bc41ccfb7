"""CompiledQuery gives what the ORM gives for the same queryset, runs one query, and falls back
to the ORM for a queryset it cannot compile."""

import pytest
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import translation

from events.compiled_queries import CompiledQuery
from events.models import (
    PUBLIC_SESSION_BY_SLUG,
    PUBLIC_SPEAKER_BY_SLUG,
    Session,
    SessionSpeaker,
    Speaker,
    attach_public_session_links,
    attach_speaker_links,
)
from tests.factories import SessionFactory, SessionSpeakerFactory

pytestmark = pytest.mark.django_db


def fields_of(instance) -> dict:
    return {name: value for name, value in vars(instance).items() if not name.startswith("_")}


def test_a_public_session_is_the_orm_row_with_its_series_and_without_its_join_url(django_assert_num_queries):
    session = SessionFactory(status=Session.Status.CANCELLED)
    expected = Session.objects.public().without_secrets().select_related("series").get(slug=session.slug)

    with django_assert_num_queries(1):
        found = PUBLIC_SESSION_BY_SLUG.first(slug=session.slug)
        series_title = found.series.title  # attached: no query

    assert fields_of(found) == fields_of(expected)
    assert found.starts_at == session.starts_at
    assert found.starts_at.tzinfo is not None
    assert found.interpretation_languages == ["ru"]  # JSON decoded
    assert series_title == session.series.title
    assert fields_of(found.series) == fields_of(expected.series)
    assert found.get_deferred_fields() == expected.get_deferred_fields() == {"join_url"}
    assert not found._state.adding
    assert found._state.db == "default"


def test_each_call_runs_with_its_own_value():
    first, second = SessionFactory(), SessionFactory()
    SessionFactory(slug="a-draft", status=Session.Status.DRAFT)

    assert PUBLIC_SESSION_BY_SLUG.first(slug=first.slug).pk == first.pk
    assert PUBLIC_SESSION_BY_SLUG.first(slug=second.slug).pk == second.pk
    assert PUBLIC_SESSION_BY_SLUG.first(slug="a-draft") is None  # the queryset's own filter holds
    assert PUBLIC_SESSION_BY_SLUG.run(slug="no-such-session") == []
    # A value that looks like SQL is a value.
    assert PUBLIC_SESSION_BY_SLUG.run(slug="x' OR '1'='1") == []


def test_languages_get_their_own_statement_and_translated_fields():
    session = SessionFactory()
    with translation.override("ru"):
        assert PUBLIC_SESSION_BY_SLUG.first(slug=session.slug).title == session.title_ru
    with translation.override("en"):
        assert PUBLIC_SESSION_BY_SLUG.first(slug=session.slug).title == session.title_en


def test_speaker_links_come_in_order_with_their_speakers(django_assert_num_queries):
    session = SessionFactory()
    SessionSpeakerFactory(session=session, order=2)
    SessionSpeakerFactory(session=session, order=1)
    SessionSpeakerFactory(session=SessionFactory())  # another session's
    expected = list(SessionSpeaker.objects.filter(session=session).select_related("speaker").order_by("order", "pk"))

    loaded = Session.objects.get(pk=session.pk)
    with django_assert_num_queries(1):
        links = attach_speaker_links(loaded).ordered_speaker_links
        names = [link.speaker.name for link in links]

    assert [link.pk for link in links] == [link.pk for link in expected]
    assert names == [link.speaker.name for link in expected]
    assert [fields_of(link) for link in links] == [fields_of(link) for link in expected]


def test_a_value_of_the_wrong_type_is_refused():
    with pytest.raises(TypeError):
        PUBLIC_SESSION_BY_SLUG.run(slug=3)
    with pytest.raises(TypeError):
        CompiledQuery(lambda when: Session.objects.filter(starts_at=when), when=object)


def test_a_queryset_that_cannot_be_compiled_goes_through_the_orm(django_assert_num_queries):
    session = SessionFactory()
    # The value appears twice among the parameters: no single place to put it.
    twice = CompiledQuery(lambda slug: Session.objects.filter(Q(slug=slug) | Q(title_en=slug)), slug=str)
    nothing = CompiledQuery(lambda slug: Session.objects.filter(slug=slug).none(), slug=str)

    with django_assert_num_queries(2):
        assert [found.pk for found in twice.run(slug=session.slug)] == [session.pk]
        assert [found.pk for found in twice.run(slug=session.title_en)] == [session.pk]
    with django_assert_num_queries(0):
        assert nothing.run(slug=session.slug) == []


def test_a_public_speaker_and_their_public_sessions_match_the_orm(django_assert_num_queries):
    link = SessionSpeakerFactory(session=SessionFactory(status=Session.Status.CANCELLED))
    speaker = link.speaker
    SessionSpeakerFactory(speaker=speaker)
    SessionSpeakerFactory(speaker=speaker, session=SessionFactory(status=Session.Status.DRAFT))  # not public
    unannounced = SessionSpeakerFactory(session=SessionFactory(status=Session.Status.DRAFT)).speaker
    expected = list(
        SessionSpeaker.objects.filter(speaker=speaker, session__status__in=Session.PUBLIC_STATUSES)
        .select_related("session")
        .defer("session__join_url")
        .order_by("-session__starts_at")
    )

    with django_assert_num_queries(2):
        found = PUBLIC_SPEAKER_BY_SLUG.first(slug=speaker.slug)
        found_fields = fields_of(found)
        links = attach_public_session_links(found).public_session_links
        titles = [link.session.title for link in links]

    assert found_fields == fields_of(Speaker.objects.get(pk=speaker.pk))
    assert PUBLIC_SPEAKER_BY_SLUG.first(slug=unannounced.slug) is None
    assert [link.pk for link in links] == [link.pk for link in expected]
    assert len(links) == 2
    assert titles == [link.session.title for link in expected]
    assert [fields_of(link.session) for link in links] == [fields_of(link.session) for link in expected]
    assert {link.session.get_deferred_fields() == {"join_url"} for link in links} == {True}


def test_shapes_are_part_of_the_key_and_their_number_is_bounded(monkeypatch):
    sessions = [SessionFactory() for _ in range(3)]
    page = CompiledQuery(
        lambda slug, start, stop: Session.objects.exclude(slug=slug).order_by("pk")[start:stop], slug=str
    )
    monkeypatch.setattr("events.compiled_queries.MAX_STATEMENTS", 2)

    assert [s.pk for s in page.run(slug="x", start=0, stop=2)] == [s.pk for s in sessions[:2]]
    assert [s.pk for s in page.run(slug="x", start=1, stop=3)] == [s.pk for s in sessions[1:]]
    assert [s.pk for s in page.run(slug=sessions[0].slug, start=0, stop=1)] == [sessions[1].pk]  # kept, new value
    assert [s.pk for s in page.run(slug="x", start=2, stop=3)] == [sessions[2].pk]  # beyond the bound: not kept
    assert len(page._compiled) == 2


def test_two_values_of_one_type_each_find_their_place(django_assert_num_queries):
    first, second = SessionFactory(), SessionFactory()
    either = CompiledQuery(lambda a, b: Session.objects.filter(Q(slug=a) | Q(slug=b)).order_by("pk"), a=str, b=str)

    assert [s.pk for s in either.run(a=first.slug, b="none")] == [first.pk]
    with django_assert_num_queries(1):
        assert [s.pk for s in either.run(a="none", b=second.slug)] == [second.pk]
    assert [s.pk for s in either.run(a=second.slug, b=first.slug)] == [first.pk, second.pk]
    assert None not in either._compiled.values()  # compiled, not the ORM fallback


def test_annotations_are_set_as_the_orm_sets_them(django_assert_num_queries):
    """A subquery and an EXISTS with a parameter of their own, beside the row's parameter."""
    session, other = SessionFactory(), SessionFactory()
    speaker = SessionSpeakerFactory(session=session).speaker

    def build(slug, speaker_id):
        links = SessionSpeaker.objects.filter(session=OuterRef("pk"))
        return Session.objects.filter(slug=slug).annotate(
            speaker_count=Subquery(links.order_by().values("session").annotate(n=Count("pk")).values("n")[:1]),
            with_speaker=Exists(links.filter(speaker_id=speaker_id)),
        )

    annotated = CompiledQuery(build, slug=str, speaker_id=int)
    expected = build(session.slug, speaker.pk).get()

    with django_assert_num_queries(1):
        found = annotated.first(slug=session.slug, speaker_id=speaker.pk)
    assert (found.speaker_count, found.with_speaker) == (expected.speaker_count, expected.with_speaker) == (1, True)
    assert fields_of(found) == fields_of(expected)
    found = annotated.first(slug=other.slug, speaker_id=speaker.pk)
    assert (found.pk, found.speaker_count, found.with_speaker) == (other.pk, None, False)
    assert None not in annotated._compiled.values()  # compiled, not the ORM fallback
