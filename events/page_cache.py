"""The cache of the public pages, and when it goes stale.

Public pages (home, upcoming and past sessions, a session, speakers) are cached at two levels:

- whole responses, for visitors who carry no session and no messages (`serve_from_page_cache`):
  most visitors, crawlers and announcement-day crowds. Such a page depends on nothing but its URL
  and the content: nobody is signed in, no zone was picked, and public pages use no CSP nonce (their
  only script is a same-origin file, allowed by 'self'; JSON-LD is data, which CSP does not govern).
  A hit costs two cache reads and no query, and answers a matching If-None-Match with 304;
- rendered *fragments* (the `{% cache %}` blocks of their templates), for everyone else: the page
  around them carries the viewer's sign-in state and time zone, rendered per request.

A key holds everything the HTML depends on:

- the language;
- the content version: one shared value, replaced after any change to a series, session,
  speaker, speaker link or material is committed (`bump_content_version`, a post_save/
  post_delete receiver connected in `EventsConfig.ready`: a decoupled side effect, it changes no
  data). A transaction that rolls back bumps nothing;
- the clock epoch: the next moment a public session starts, ends, or opens or closes
  registration. What a page shows ("upcoming", "registration is open") changes at those moments
  without any save, so the epoch moves when one of them passes (one aggregate query, then cached
  until that moment, and at most `CLOCK_MAX_SECONDS`);
- the page: its path (slug) and page number (a whole response: the full path, host and scheme,
  which its absolute links are built from);
- the viewer's picked time zone (pages show times in it), "-" when none was picked.

Old fragments are never deleted: they are simply no longer asked for, and expire after
`settings.PUBLIC_PAGE_CACHE_SECONDS`. With Redis (`REDIS_URL`) every process shares them.
"""

import datetime as dt
import functools
import hashlib
import uuid
from http import HTTPStatus

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min, Q
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.translation import get_language

VERSION_KEY = "decoded:public:version"
# (version, epoch): the clock epoch computed under that content version.
CLOCK_KEY = "decoded:public:clock"
PAGE_KEY = "decoded:public:page:{digest}"
# Even without any boundary ahead, the epoch moves hourly (e.g. a new translation catalogue).
CLOCK_MAX_SECONDS = 3600
# Query parameters a cached page may carry; any other parameter renders without the cache.
CACHEABLE_PARAMETERS = frozenset({"page"})


def create_content_version() -> str:
    version = uuid.uuid4().hex[:12]
    # add(): when several processes start at once, the first value wins for all of them.
    cache.add(VERSION_KEY, version, None)
    return cache.get(VERSION_KEY, version)


def get_public_state() -> tuple[str, int]:
    """The content version and the clock epoch, read in one cache round trip.

    The epoch is the next boundary moment (POSIX seconds) after now; it is stored with the version
    it was computed under, and computed again when that version was replaced or the moment passed.
    """
    now = timezone.now()
    found = cache.get_many([VERSION_KEY, CLOCK_KEY])
    version = found.get(VERSION_KEY) or create_content_version()
    clock = found.get(CLOCK_KEY)
    if clock is not None and clock[0] == version and clock[1] > now.timestamp():
        return version, clock[1]
    epoch = int(find_next_boundary(now).timestamp())
    cache.set(CLOCK_KEY, (version, epoch), max(1, int(epoch - now.timestamp())))
    return version, epoch


def bump_content_version(**kwargs) -> None:
    """post_save/post_delete receiver: replace the content version once the change is committed.

    Arguments are the signal's (`sender`, `instance`, …) and are not used: any change to public
    content makes every public fragment stale. Bumping after the commit keeps a concurrent request
    from caching the old content under the new version.
    """
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex[:12], None))


def find_next_boundary(now: dt.datetime) -> dt.datetime:
    """The earliest start, end, registration opening or closing of a public session after `now`."""
    from events.models import Session  # noqa: PLC0415 (models import this module's receivers)

    fields = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")
    moments = Session.objects.public().aggregate(
        **{field: Min(field, filter=Q(**{f"{field}__gt": now})) for field in fields}
    )
    ceiling = now + dt.timedelta(seconds=CLOCK_MAX_SECONDS)
    return min([moment for moment in moments.values() if moment is not None] + [ceiling])


def is_cacheable(request) -> bool:
    return set(request.GET) <= CACHEABLE_PARAMETERS


def build_fragment_key(request, *parts) -> str:
    """The vary-on value for `{% cache %}`: language, version, epoch, zone, path and page.

    An empty string when the request must not use the cache (unknown query parameters: they would
    be rendered into links of the fragment and could fill the cache with variants).
    """
    if not get_fragment_timeout() or not is_cacheable(request):
        return ""
    version, epoch = get_public_state()
    zone = getattr(request, "viewer_timezone", None) or "-"
    page = request.GET.get("page", "1")
    raw = "|".join(str(part) for part in (get_language(), version, epoch, zone, request.path, page, *parts))
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


def get_fragment_timeout() -> int:
    return settings.PUBLIC_PAGE_CACHE_SECONDS


def get_fragment_cache_alias(key: str) -> str:
    """The cache `{% cache %}` uses: "default", or a no-op one when the fragment must not be cached.

    Django's tag reads and writes its cache whatever the timeout; an uncacheable page (or the
    cache turned off) should cost no round trip at all.
    """
    return "default" if key else "off"


def is_anonymous_visitor(request) -> bool:
    """No session (so nobody signed in, no picked zone) and no pending messages."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and CookieStorage.cookie_name not in request.COOKIES


def build_page_key(request) -> str:
    """The cache key of a whole public response; "" when this request must not use the cache."""
    if (
        not get_fragment_timeout()
        or request.method != "GET"
        or not is_anonymous_visitor(request)
        or not is_cacheable(request)
    ):
        return ""
    version, epoch = get_public_state()
    raw = "|".join((get_language(), version, str(epoch), request.scheme, request.get_host(), request.get_full_path()))
    return PAGE_KEY.format(digest=hashlib.sha256(raw.encode()).hexdigest()[:40])


def serve_from_page_cache(view):
    """View decorator: whole responses of a public page for anonymous visitors, from the cache.

    A miss renders the view as usual and stores a 200 response that set no cookie and used no
    CSP nonce (anything per request). Hits and stored responses carry an ETag (the key: it changes
    with the content version and clock), so a browser or proxy revalidating gets a 304.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        key = build_page_key(request)
        if not key:
            return view(request, *args, **kwargs)
        etag = f'"{key.rsplit(":", 1)[1]}"'
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
            response["ETag"] = etag
            return response
        cached = cache.get(key)
        if cached is not None:
            content, content_type = cached
            response = HttpResponse(content, content_type=content_type)
        else:
            response = view(request, *args, **kwargs)
            if callable(getattr(response, "render", None)):
                response.render()
            if response.status_code != HTTPStatus.OK or response.cookies or getattr(request, "_csp_nonce", None):
                return response
            cache.set(key, (response.content, response["Content-Type"]), get_fragment_timeout())
        response["ETag"] = etag
        return response

    return wrapper
