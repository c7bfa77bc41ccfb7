"""Work each web process would otherwise do on its first requests, done once at start-up.

A fresh process spent 0.4–0.8 s on its first request (measured with gunicorn's 5 workers):
importing every view module behind the URL configuration (allauth's MFA pulls in fido2),
building each language's reverse-URL table, importing redis-py and icalendar, loading the translation
catalogues and compiling templates. `config/wsgi.py` calls `warm_up()`; with gunicorn's
`preload_app` that happens once in the master, before it forks, so every worker starts warm and
shares those pages of memory.

The first request of a worker also paid for what is made on first use and then kept per process:
the URL patterns' regular expressions (compiled per language when a path is first resolved), the
check that a language from the path has catalogues (a search of every locale directory), the
codecs and modules loaded lazily (the session serializer, the message storage, IDNA for the first
connection to Redis), babel's weekday names and zone names, icalendar's serialisation and the
ORM's first compilation of a query. `warm_up()` does these too (tests/production/test_warmup.py),
using no data: what depends on content (a session's zone, its VTIMEZONE) stays on first use.
Nothing here opens a database or cache connection (the forked workers must not share one).

`warm_up_worker()` is the part that needs connections: gunicorn calls it in each worker after the
fork (`post_worker_init` in config/gunicorn.conf.py), before the worker accepts a request. It opens
the worker's own database and Redis connections and runs the feeds' queries once on no rows, so
that the first request pays neither the connections (~15 ms of CPU and more of waiting) nor a
fresh PostgreSQL backend's first planning of those tables.
"""

import codecs
import contextlib
import datetime as dt
import logging
from pathlib import Path

logger = logging.getLogger(__name__)


def warm_up() -> None:
    import icalendar  # noqa: F401 (feeds and invites import it lazily: ~80 ms on a first feed)
    from django.conf import settings  # noqa: PLC0415 (called after django.setup())
    from django.conf.urls.i18n import is_language_prefix_patterns_used  # noqa: PLC0415
    from django.core.cache import caches  # noqa: PLC0415
    from django.template.loader import get_template  # noqa: PLC0415
    from django.urls import Resolver404, get_resolver, resolve, reverse  # noqa: PLC0415
    from django.utils import timezone, translation  # noqa: PLC0415
    from django.utils.module_loading import import_string  # noqa: PLC0415

    from events.timefmt import format_moment, format_time_range  # noqa: PLC0415

    get_resolver().url_patterns  # noqa: B018 (imports every view module)
    for alias in settings.CACHES:
        getattr(caches[alias], "_cache", None)  # the Redis backend imports redis-py here (no connection yet)
    codecs.lookup("idna")  # socket.getaddrinfo() loads it on the first connection (to Redis, PostgreSQL)
    import_string(settings.SESSION_SERIALIZER)  # imported by the first SessionStore
    import_string(settings.MESSAGE_STORAGE)  # imported by the first request's MessageMiddleware
    is_language_prefix_patterns_used(settings.ROOT_URLCONF)
    now = timezone.now()
    for code, _name in settings.LANGUAGES:
        # LocaleMiddleware's check that the language has catalogues: a search of every locale
        # directory on disk, then kept (lru_cache) for the life of the process
        translation.get_language_from_path(f"/{code}/")
        with translation.override(code):  # loads the catalogue
            reverse("events:home")  # builds this language's reverse table
            with contextlib.suppress(Resolver404):  # no pattern matches: every pattern's regex is compiled
                resolve(f"/{code}/-warm-up-/")
            format_moment(now, "UTC", code)  # loads babel's locale data
            # weekday names and babel's zone data (any zone with summer time would do)
            format_time_range(now, now + dt.timedelta(hours=1), "Europe/Copenhagen", code)
        _warm_up_calendar(code)
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(directory).rglob("*")):
            if path.suffix in {".html", ".txt", ".ics", ".svg", ".xml"}:
                get_template(str(path.relative_to(directory)))


def _warm_up_calendar(language: str) -> None:
    """A published calendar without entries (icalendar's serialisation of the calendar's own
    properties, the phrases of an entry) and the rows' queries compiled."""
    from django.conf import settings  # noqa: PLC0415
    from django.db import DEFAULT_DB_ALIAS  # noqa: PLC0415

    from events import calendar  # noqa: PLC0415
    from events.calendar_rows import calendar_queries  # noqa: PLC0415
    from events.models import Series, Session  # noqa: PLC0415

    calendar.build_publish_calendar(
        [], language=language, name="-", description="-", site_url=settings.SITE_URL, calendar_id="-"
    )
    # The feeds' queries, compiled (not run: no connection is opened); the ORM builds per-class
    # and per-field state on a first compilation (expression signatures, lookups, joins).
    queries = calendar_queries(
        Session.objects.public().filter(series_id=0).order_by("starts_at", "pk"), language=language
    )
    for queryset in (Series.objects.filter(slug="-").order_by("pk")[:1], *queries):  # as .first() asks
        queryset.query.get_compiler(DEFAULT_DB_ALIAS).as_sql()


def warm_up_worker() -> None:
    """In a forked worker: its own connections, opened now, and the feeds' queries run on no rows.

    Never raises: if the database or Redis is down, the worker starts anyway and connects on its
    first request (which then gets the site's "try again" page until they are back).
    """
    from django.core.cache import cache  # noqa: PLC0415

    from events import page_cache  # noqa: PLC0415
    from events.calendar_rows import calendar_queries  # noqa: PLC0415
    from events.models import Series, Session  # noqa: PLC0415

    try:
        cache.get(page_cache.VERSION_KEY)
        Series.objects.filter(slug="").first()
        no_rows = Session.objects.public().filter(series_id=0).order_by("starts_at", "pk")
        for queryset in calendar_queries(no_rows, language="en"):
            list(queryset)
    except Exception as error:  # any failure only leaves the work to the first request
        # (whose request_started closes a connection left unusable here)
        logger.warning("worker warm-up skipped: %s", type(error).__name__)
