"""Public calendar files: one session, and the whole series as a subscribable feed.

Views only choose rows and validators; `events.calendar` builds the bytes and
`events.responses.CalendarResponse` sends them.

The series feed is what calendar apps poll all day, so a request for an unchanged feed costs one
cache round trip and no query: it reads the public content version (`events.page_cache`, replaced
after any change to a series, session, speaker or speaker link is committed) together with the
feed's record (the version it was built under, its ETag and Last-Modified); a 304 needs nothing
more, a 200 takes the bytes from this process's memory or else from the cache: gzipped for the
clients that accept it (the demo's feed of 11 sessions shrinks 4-5 times, the bench's 500 sessions
25 times), compressed once per feed and kept the same way. The series row is read only to build.
The feed is built again once per content version and language; its ETag is a
digest of its bytes, so a change elsewhere on the site (another series, a draft, a material) that
leaves the feed's bytes as they were still gives 304s.
"""

import dataclasses
import datetime as dt
import gzip
import hashlib
import threading

from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from events import calendar, page_cache
from events.calendar_rows import fetch_calendar_sessions
from events.models import Series, Session
from events.responses import conditional_calendar_response

# Cached feeds also expire, so a changed translation catalogue reaches subscribers within a day.
SERIES_CACHE_SECONDS = 24 * 60 * 60
# The feed's record and its bytes; the record also names the origin (SITE_URL), which the bytes contain.
FEED_KEY = "decoded:calendar:series:{format}:{site}:{slug}:{language}"
FEED_BODY_KEY = "decoded:calendar:series-body:{etag}"


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
    language = translation.get_language()
    feed = get_series_feed(slug, language=language)
    return conditional_calendar_response(
        request,
        etag=feed.etag,
        last_modified=feed.last_modified,
        filename=f"{slug}-{language}.ics",
        build=feed.read,
        build_gzip=feed.read_gzip,
    )


@dataclasses.dataclass
class SeriesFeed:
    """A series feed's cache record (`version`, `etag`, `last_modified` in POSIX seconds) and,
    once read, its bytes."""

    slug: str
    language: str
    record: dict
    content: bytes | None = None

    @property
    def etag(self) -> str:
        return self.record["etag"]

    @property
    def last_modified(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.record["last_modified"], dt.UTC)

    def read(self) -> bytes:
        """The bytes: from this process's memory or the cache, or built again (same validators)
        if they were evicted meanwhile."""
        if self.content is None:
            self.content = _recent_bodies.get(self.etag)
        if self.content is None:
            self.content = cache.get(FEED_BODY_KEY.format(etag=self.etag))
            if self.content is not None:
                _remember_body(self.etag, self.content)
        if self.content is None:
            rebuilt = build_and_cache_series_feed(
                self.slug, language=self.language, version=self.record["version"], previous=self.record
            )
            self.content = rebuilt.content
        return self.content

    def read_gzip(self) -> bytes:
        """The bytes gzipped: from this process's memory or the cache, or compressed now and kept
        (deterministic: no timestamp in the header, so every process makes the same bytes)."""
        key = f"{self.etag}-gzip"
        compressed = _recent_bodies.get(key)
        if compressed is None:
            compressed = cache.get(FEED_BODY_KEY.format(etag=key))
            if compressed is None:
                compressed = gzip.compress(self.read(), compresslevel=GZIP_LEVEL, mtime=0)
                cache.set(FEED_BODY_KEY.format(etag=key), compressed, SERIES_CACHE_SECONDS)
            _remember_body(key, compressed)
        return compressed


# The bytes of the feeds this process served last, by ETag (a digest of the bytes, so an entry
# is never stale; "-gzip" for the compressed ones): a hit then reads only the small record from
# the shared cache, not a body of up to a megabyte. A few feeds (series × languages × plain and
# gzipped) at most, so a handful of entries.
_recent_bodies: dict[str, bytes] = {}
_recent_bodies_lock = threading.Lock()  # gthread workers serve several requests at once
RECENT_BODIES = 12
# Compressed once per feed and then served many times: the size matters more than the milliseconds.
GZIP_LEVEL = 9


def _remember_body(etag: str, content: bytes) -> None:
    with _recent_bodies_lock:
        while len(_recent_bodies) >= RECENT_BODIES:
            del _recent_bodies[next(iter(_recent_bodies))]  # the oldest
        _recent_bodies[etag] = content


def get_series_feed(slug: str, *, language: str) -> SeriesFeed:
    """The feed for the current content version: its record from the cache, or built now.

    A hit is one cache round trip (the version and the record) and no query; the bytes are read
    only when the response needs them (`SeriesFeed.read`). Raises Http404 for an unknown series.
    """
    key = _feed_key(slug, language)
    found = cache.get_many([page_cache.VERSION_KEY, key])
    version = found.get(page_cache.VERSION_KEY) or page_cache.create_content_version()
    record = found.get(key)
    if record is not None and record["version"] == version:
        return SeriesFeed(slug=slug, language=language, record=record)
    return build_and_cache_series_feed(slug, language=language, version=version, previous=record)


def build_and_cache_series_feed(slug: str, *, language: str, version: str, previous: dict | None) -> SeriesFeed:
    """Build the feed and cache its record (under `version`) and bytes (under their digest).

    `version` must be read before the rows: a change committed meanwhile then leaves a record that
    is already stale. Last-Modified stays the previous record's while the bytes are the same, and
    moves to now (at least one second on) when they changed: the moment the representation
    changed, also when a session was withdrawn or deleted, which no row's `updated_at` shows.
    """
    series = Series.objects.filter(slug=slug).first()
    if series is None:
        raise Http404
    content = build_series_feed(series, language=language)
    etag = hashlib.sha256(content).hexdigest()[:32]
    if previous is not None and previous["etag"] == etag:
        last_modified = previous["last_modified"]
    else:
        last_modified = int(timezone.now().timestamp())
        if previous is not None:
            last_modified = max(last_modified, previous["last_modified"] + 1)
    record = {"version": version, "etag": etag, "last_modified": last_modified}
    cache.set_many({_feed_key(slug, language): record, FEED_BODY_KEY.format(etag=etag): content}, SERIES_CACHE_SECONDS)
    _remember_body(etag, content)
    return SeriesFeed(slug=slug, language=language, record=record, content=content)


def build_series_feed(series: Series, *, language: str) -> bytes:
    """The series feed's bytes (two queries: the sessions, their speakers)."""
    sessions = fetch_calendar_sessions(
        Session.objects.public().filter(series=series).order_by("starts_at", "pk"), language=language
    )
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


def _feed_key(slug: str, language: str) -> str:
    site = hashlib.sha256(settings.SITE_URL.encode()).hexdigest()[:12]
    return FEED_KEY.format(format=calendar.FORMAT_VERSION, site=site, slug=slug, language=language)


def _digest(*parts) -> str:
    text = "|".join(str(part) for part in (calendar.FORMAT_VERSION, *parts))
    return hashlib.sha256(text.encode()).hexdigest()[:32]
