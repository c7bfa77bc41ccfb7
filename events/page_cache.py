"""The cache of the public pages' rendered fragments, and when it goes stale.

Public pages (home, upcoming and past sessions, a session, speakers) are cached as rendered
*fragments* (the `{% cache %}` blocks of their templates), never as whole responses: the page
around them carries a per-response CSP nonce, the viewer's sign-in state and language links, all
rendered per request. A fragment's key holds everything its HTML depends on:

- the language;
- the content version: one shared value, replaced after any change to a series, session,
  speaker, speaker link or material is committed (`bump_content_version`, a post_save/
  post_delete receiver connected in `EventsConfig.ready`: a decoupled side effect, it changes no
  data). A transaction that rolls back bumps nothing;
- the clock epoch: the next moment a public session starts, ends, or opens or closes
  registration. What a page shows ("upcoming", "registration is open") changes at those moments
  without any save, so the epoch moves when one of them passes (one aggregate query, then cached
  until that moment, and at most `CLOCK_MAX_SECONDS`);
- the page: its path (slug) and page number;
- the viewer's picked time zone (pages show times in it), "-" when none was picked.

Old fragments are never deleted: they are simply no longer asked for, and expire after
`settings.PUBLIC_PAGE_CACHE_SECONDS`. With Redis (`REDIS_URL`) every process shares them.
"""

import datetime as dt
import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import get_language

VERSION_KEY = "decoded:public:version"
CLOCK_KEY = "decoded:public:clock:{version}"
# Even without any boundary ahead, the epoch moves hourly (e.g. a new translation catalogue).
CLOCK_MAX_SECONDS = 3600
# Query parameters a cached page may carry; any other parameter renders without the cache.
CACHEABLE_PARAMETERS = frozenset({"page"})


def get_content_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex[:12]
        # add(): when several processes start at once, the first value wins for all of them.
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    return version


def bump_content_version(**kwargs) -> None:
    """post_save/post_delete receiver: replace the content version once the change is committed.

    Arguments are the signal's (`sender`, `instance`, …) and are not used: any change to public
    content makes every public fragment stale. Bumping after the commit keeps a concurrent request
    from caching the old content under the new version.
    """
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex[:12], None))


def get_clock_epoch(version: str) -> int:
    """The next boundary moment (POSIX seconds) after now; cached until it passes."""
    key = CLOCK_KEY.format(version=version)
    now = timezone.now()
    epoch = cache.get(key)
    if epoch is None or epoch <= now.timestamp():
        epoch = int(find_next_boundary(now).timestamp())
        cache.set(key, epoch, max(1, int(epoch - now.timestamp())))
    return epoch


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
    if not is_cacheable(request):
        return ""
    version = get_content_version()
    epoch = get_clock_epoch(version)
    zone = getattr(request, "viewer_timezone", None) or "-"
    page = request.GET.get("page", "1")
    raw = "|".join(str(part) for part in (get_language(), version, epoch, zone, request.path, page, *parts))
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


def get_fragment_timeout() -> int:
    return settings.PUBLIC_PAGE_CACHE_SECONDS
