"""The rows of the home page and the upcoming-session list, through compiled queries.

The same rows as `Session.objects.public().without_secrets().upcoming().with_speakers()`, in the
same order and shape (series attached, speaker links in order as `ordered_speaker_links`, each
link's session set), but each of their statements is built once per process, language and page
(events/compiled_queries.py): building them was about half of an uncached list page's CPU. The
speaker links come in one query over the same page of sessions (a subquery), not an IN list of
ids, so that its statement is the same on every request.
"""

import datetime as dt
from collections import defaultdict

from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from events.compiled_queries import CompiledQuery
from events.models import Series, Session, SessionSpeaker


def _upcoming(now: dt.datetime, start: int, stop: int | None):
    # The id breaks ties of the start, so that the page is the same set of rows in both queries.
    return Session.objects.public().without_secrets().upcoming(now).order_by("starts_at", "pk")[start:stop]


def count_upcoming(now: dt.datetime) -> int:
    return Session.objects.public().upcoming(now).count()


_UPCOMING_SESSIONS = CompiledQuery(
    lambda now, start, stop: _upcoming(now, start, stop).select_related("series"), now=dt.datetime
)
_SPEAKER_LINKS_OF_UPCOMING = CompiledQuery(
    lambda now, start, stop: (
        SessionSpeaker.objects.filter(session__in=_upcoming(now, start, stop).values("pk"))
        .select_related("speaker")
        .order_by("order", "pk")
    ),
    now=dt.datetime,
)
_SESSION_FIELD = SessionSpeaker._meta.get_field("session")
_FIRST_SERIES = CompiledQuery(lambda: Series.objects.all()[:1])


def first_series() -> Series | None:
    """`Series.objects.first()` (in its default order), through a compiled query."""
    return _FIRST_SERIES.first()


def upcoming_sessions(start: int, stop: int, *, now: dt.datetime | None = None) -> list[Session]:
    """Public upcoming sessions `start` to `stop` (as a slice), soonest first, with their series
    and speakers: two queries."""
    now = now or timezone.now()
    sessions = _UPCOMING_SESSIONS.run(now=now, start=start, stop=stop)
    if not sessions:
        return sessions
    links_by_session = defaultdict(list)
    for link in _SPEAKER_LINKS_OF_UPCOMING.run(now=now, start=start, stop=stop):
        links_by_session[link.session_id].append(link)
    for session in sessions:
        session.ordered_speaker_links = links = links_by_session.get(session.pk, [])
        for link in links:
            _SESSION_FIELD.set_cached_value(link, session)
    return sessions


class UpcomingPaginator(Paginator):
    """A paginator of the upcoming-session list whose pages come from `upcoming_sessions()`, read
    only when the page is iterated (not at all when the list's fragment comes from the cache)."""

    def __init__(self, *args, now: dt.datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.now = now

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = SimpleLazyObject(lambda: upcoming_sessions(bottom, top, now=self.now))
        return self._get_page(rows, number, self)
