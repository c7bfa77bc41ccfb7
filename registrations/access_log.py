"""The access log: every organiser view of a registrant list or detail, every export and every
attendance import, on record (who, when, which session, how many rows; never the data).

Call `record_access()` from the view that shows or hands out the data, after it has decided to do
so (permission checked). Entries are read-only in the admin, visible to superusers only, and
deleted after `settings.ACCESS_LOG_RETENTION_DAYS` (default 730) by the daily purge
(`registrations.retention.purge_expired`).
"""

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from registrations.privacy_models import AccessLogEntry

if TYPE_CHECKING:
    from django.http import HttpRequest

    from events.models import Session
    from registrations.models import Registration

DEFAULT_RETENTION_DAYS = 730
Kind = AccessLogEntry.Kind


def record_access(
    *,
    request: "HttpRequest",
    kind: str,
    session: "Session | int | None" = None,
    rows: int | None = None,
    registration: "Registration | None" = None,
    subject=None,
) -> AccessLogEntry | None:
    """Write one access-log entry for the signed-in organiser of `request`.

    `kind` is an `AccessLogEntry.Kind`; `session` a Session or its id; `rows` how many
    registrations (or report rows) were shown or handed out; `registration` the one shown on a
    detail page; `subject` the person of an export or erasure request. Nothing else is stored:
    no search terms, filters or URLs. Returns None (and writes nothing) for an anonymous request.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    session_id = session if isinstance(session, int) or session is None else session.pk
    return AccessLogEntry.objects.create(
        actor=user,
        kind=kind,
        session_id=session_id,
        rows=rows,
        registration=registration,
        subject=subject,
    )


def retention_days() -> int:
    return int(getattr(settings, "ACCESS_LOG_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def purge_access_log(*, now: dt.datetime | None = None) -> int:
    """Delete entries older than the configured period; returns how many. Idempotent."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=retention_days())
    deleted, _by_model = AccessLogEntry.objects.filter(created_at__lt=cutoff).delete()
    return deleted
