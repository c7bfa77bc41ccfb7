"""Links that add a session to a web calendar, and the subscribe link of the series feed.

Neither Google nor Microsoft publishes a formal specification of these template links; the formats
below are the long-stable ones their own "add to calendar" buttons and help pages use:

- Google Calendar: https://calendar.google.com/calendar/render?action=TEMPLATE&text=…&dates=
  20240718T110000Z/20240718T123000Z&details=…&location=…&ctz=Europe/Copenhagen (UTC instants with
  "Z"; `ctz` only chooses the zone the form shows).
- Outlook.com (personal) and Microsoft 365 (work or school): https://outlook.live.com/calendar/0/
  action/compose and https://outlook.office.com/calendar/0/action/compose with rru=addevent,
  subject, startdt/enddt (ISO 8601 with "Z"), body and location.

A web link carries no personal data and no join link: it adds the public entry, as the .ics does.
"""

import dataclasses
import datetime as dt
import functools
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.utils import translation
from django.utils.translation import gettext, pgettext

if TYPE_CHECKING:
    from events.models import Session

GOOGLE_TEMPLATE_URL = "https://calendar.google.com/calendar/render"
OUTLOOK_COMPOSE_URLS = {
    "outlook": "https://outlook.live.com/calendar/0/action/compose",
    "office365": "https://outlook.office.com/calendar/0/action/compose",
}


@dataclasses.dataclass(frozen=True)
class WebCalendarEvent:
    """What a web calendar link carries of a session: its public entry, and nothing secret.

    Frozen and hashable: the links are pure functions of it, the language and the page URL, so
    they are built once per process and value (a session page shows four of them).
    """

    title: str
    summary: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str

    @classmethod
    def from_session(cls, session: "Session") -> "WebCalendarEvent":
        return cls(session.title, session.summary, session.starts_at, session.ends_at, session.timezone)


def _details(event: WebCalendarEvent, *, session_url: str) -> str:
    return "\n\n".join(
        [
            event.summary,
            gettext("Register on the session page to receive your personal join link."),
            gettext("Session page: %(url)s") % {"url": session_url},
        ]
    )


@functools.lru_cache(maxsize=1024)
def google_calendar_url(event: WebCalendarEvent, *, language: str, session_url: str) -> str:
    with translation.override(language):
        query = {
            "action": "TEMPLATE",
            "text": event.title,
            "dates": f"{_compact(event.starts_at)}/{_compact(event.ends_at)}",
            "details": _details(event, session_url=session_url),
            "location": pgettext("calendar location", "Online"),
            "ctz": event.timezone,
        }
    return f"{GOOGLE_TEMPLATE_URL}?{urlencode(query)}"


@functools.lru_cache(maxsize=1024)
def outlook_calendar_url(event: WebCalendarEvent, *, language: str, session_url: str, service: str = "outlook") -> str:
    """`service` is "outlook" (Outlook.com) or "office365" (Microsoft 365 work or school accounts)."""
    with translation.override(language):
        query = {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": event.title,
            "startdt": _iso(event.starts_at),
            "enddt": _iso(event.ends_at),
            "body": _details(event, session_url=session_url),
            "location": pgettext("calendar location", "Online"),
        }
    return f"{OUTLOOK_COMPOSE_URLS[service]}?{urlencode(query)}"


def webcal_url(url: str) -> str:
    """The same feed URL with the webcal:// scheme, which opens the subscribe dialogue of calendar apps."""
    scheme, _sep, rest = url.partition("://")
    return f"webcal://{rest}" if scheme in {"http", "https"} else url


def _compact(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
