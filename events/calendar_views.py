"""Public calendar files: one session, and the whole series as a subscribable feed.

Views only choose rows and validators; `events.calendar` builds the bytes and
`events.responses.CalendarResponse` sends them. The series feed is built once per change and
language: its bytes are cached under a version computed in one aggregate query, and a client that
already has that version gets a 304 without anything being built or read from the cache.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from events import calendar
from events.models import Series, Session
from events.responses import conditional_calendar_response

# Cached feeds also expire, so a changed translation catalogue reaches subscribers within a day.
SERIES_CACHE_SECONDS = 24 * 60 * 60


@require_safe
def session_ics(request, slug):
    """One public session as METHOD:PUBLISH, in the language of the URL; drafts are 404."""
    session = get_object_or_404(Session.objects.public().with_speakers(), slug=slug)
    language = translation.get_language()
    moments = [session.updated_at, session.series.updated_at]
    moments += [link.speaker.updated_at for link in session.speakers_in_order]
    last_modified = max(moments)
    etag = _digest("session", session.pk, session.sequence, len(session.speakers_in_order), *moments, language)

    def build() -> bytes:
        with translation.override(language):
            return calendar.build_publish_calendar(
                [session],
                language=language,
                name=session.title,
                description=session.summary,
                site_url=settings.SITE_URL,
                calendar_id=f"session-{session.pk}-{language}",
                url=calendar.session_url(session, language=language, site_url=settings.SITE_URL),
            )

    return conditional_calendar_response(
        request, etag=etag, last_modified=last_modified, filename=f"{session.slug}.ics", build=build
    )


@require_safe
def series_ics(request, slug):
    """Every public session of the series (cancelled ones as STATUS:CANCELLED), for subscription."""
    series = get_object_or_404(Series, slug=slug)
    language = translation.get_language()
    version = series_feed_version(series)
    last_modified = max(moment for moment in (series.updated_at, version["updated"], version["speakers"]) if moment)
    etag = _digest("series", series.pk, series.updated_at, *version.values(), language)

    def build() -> bytes:
        key = f"decoded:calendar:series:{series.pk}:{etag}"
        content = cache.get(key)
        if content is None:
            content = build_series_feed(series, language=language)
            cache.set(key, content, SERIES_CACHE_SECONDS)
        return content

    return conditional_calendar_response(
        request, etag=etag, last_modified=last_modified, filename=f"{series.slug}-{language}.ics", build=build
    )


def series_feed_version(series: Series) -> dict:
    """What the series feed depends on, in one aggregate query.

    Any change that alters the feed moves one of these values: a saved session (`updated_at`, also
    raised with `sequence`), a session published, cancelled or withdrawn (the count, or its
    `updated_at`), a speaker edited (their `updated_at`) or a speaker link added or removed.
    """
    return Session.objects.public().filter(series=series).aggregate(
        sessions=Count("pk", distinct=True),
        updated=Max("updated_at"),
        speakers=Max("speaker_links__speaker__updated_at"),
        speaker_links=Count("speaker_links", distinct=True),
    )


def build_series_feed(series: Series, *, language: str) -> bytes:
    """The series feed's bytes (two queries: sessions with the series, then their speakers)."""
    sessions = list(Session.objects.public().filter(series=series).with_speakers().order_by("starts_at", "pk"))
    for session in sessions:
        session.series = series  # the same object, so its translated fields are read once
    with translation.override(language):
        home = f"{settings.SITE_URL}{reverse('events:home')}"
        return calendar.build_publish_calendar(
            sessions,
            language=language,
            name=series.title,
            description=series.tagline
            or gettext("Sessions of the webinar series “%(title)s”.") % {"title": series.title},
            site_url=settings.SITE_URL,
            calendar_id=f"series-{series.pk}-{language}",
            url=home,
        )


def _digest(*parts) -> str:
    text = "|".join(str(part) for part in (calendar.FORMAT_VERSION, *parts))
    return hashlib.sha256(text.encode()).hexdigest()[:32]
