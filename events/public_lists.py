"""The rows of the home page and the session lists, through compiled queries.

The same rows as `Session.objects.public().without_secrets().upcoming().with_speakers()` (or
`.past()`), in the same order (ties broken by id) and shape (series attached, speaker links in
order as `ordered_speaker_links`, each link's session set), but each of their statements is built
once per process, language and page (events/compiled_queries.py): building them was about half
of an uncached list page's CPU. The speaker links come in one query over the same page of
sessions (a subquery), not an IN list of ids, so that its statement is the same on every request.
"""

import datetime as dt
from collections import defaultdict

from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from events.compiled_queries import CompiledQuery
from events.models import Series, Session, SessionSpeaker


def public_sessions(which: str, now: dt.datetime):
    """The public sessions of a list: "upcoming" (not ended at `now`) or "past"; the lists'
    counts, and the rows of their pages below."""
    sessions = Session.objects.public()
    return sessions.upcoming(now) if which == "upcoming" else sessions.past(now)


def _page(which: str, now: dt.datetime, start: int, stop: int | None):
    """Sessions `start` to `stop` of a list, soonest first (upcoming) or latest first (past). The
    id breaks ties of the start, so that a page is the same set of rows in both queries."""
    order = ("starts_at", "pk") if which == "upcoming" else ("-starts_at", "-pk")
    return public_sessions(which, now).without_secrets().order_by(*order)[start:stop]


_SESSIONS = CompiledQuery(
    lambda which, now, start, stop: _page(which, now, start, stop).select_related("series"), now=dt.datetime
)
_SPEAKER_LINKS = CompiledQuery(
    lambda which, now, start, stop: (
        SessionSpeaker.objects.filter(session__in=_page(which, now, start, stop).values("pk"))
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


def sessions_with_speakers(which: str, start: int, stop: int, *, now: dt.datetime | None = None) -> list[Session]:
    """Sessions `start` to `stop` (as a slice) of the "upcoming" or "past" list, with their series
    and speakers: two queries."""
    now = now or timezone.now()
    sessions = _SESSIONS.run(which=which, now=now, start=start, stop=stop)
    if not sessions:
        return sessions
    links_by_session = defaultdict(list)
    for link in _SPEAKER_LINKS.run(which=which, now=now, start=start, stop=stop):
        links_by_session[link.session_id].append(link)
    for session in sessions:
        session.ordered_speaker_links = links = links_by_session.get(session.pk, [])
        for link in links:
            _SESSION_FIELD.set_cached_value(link, session)
    return sessions


class SessionPaginator(Paginator):
    """A paginator of a session list ("upcoming" or "past") whose pages come from
    `sessions_with_speakers()`, read only when the page is iterated (not at all when the list's
    fragment comes from the cache). The count is the queryset's (`public_sessions()`)."""

    def __init__(self, *args, which: str, now: dt.datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.which, self.now = which, now

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            # The last page takes the orphans. Its bound does not depend on the count (the page
            # is the same), so the compiled statements do not multiply as sessions are added.
            top = bottom + self.per_page + self.orphans
        rows = SimpleLazyObject(lambda: sessions_with_speakers(self.which, bottom, top, now=self.now))
        return self._get_page(rows, number, self)
