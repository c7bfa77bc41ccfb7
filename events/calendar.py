"""Pure iCalendar builders: sessions in, RFC 5545 bytes out.

Nothing here queries the database, reads the request or sends anything. Callers pass sessions
fetched with `Session.objects.with_speakers()` (so speakers and the series are already loaded; the
feeds fetch only the columns written, `events.calendar_rows.fetch_calendar_sessions`), the
language to write in and the site's public origin; text is rendered inside
`translation.override(language)`. icalendar's serialisation (or `events.ics`, its byte-for-byte
equal for published files) gives the RFC 5545 form (CRLF, folding at 75 octets without splitting a
UTF-8 character, TEXT escaping); tests/events/test_calendar_*.py prove it with two parsers
(icalendar and Mozilla's ical.js).

Identity and versions
    Every VEVENT has the UID `decoded-{session.pk}@{host}`: the same in the public file, the series
    feed, the personal feed and every email invite, so a client replaces an entry instead of
    adding a second one. SEQUENCE is `Session.sequence`, raised by
    `registrations.session_changes.notify_session_changed` whenever the time, status or join
    details change. Email invites add a per-person offset (`invite_sequence`), so that a person who
    cancels (CANCEL at +1) and registers again still receives a higher SEQUENCE than before.

Times
    DTSTART/DTEND are written in the session's IANA zone with a VTIMEZONE limited to the years of
    the events (±1). A local time that is ambiguous in that zone (the repeated hour when clocks go
    back) is written in UTC instead, either occurrence: RFC 5545 resolves an ambiguous local time
    to its first occurrence, but ical.js (Thunderbird's parser) reads the second, so one client or
    the other would show the session an hour off.

DTSTAMP
    Published files (METHOD:PUBLISH) use the session's `updated_at`, so the same data always gives
    the same bytes on every app server (stable ETags); iTIP messages use the moment they are built.

Replies to invites
    Invites are sent by the series on its no-reply address: ORGANIZER is `mailto:` the
    DEFAULT_FROM_EMAIL address with CN = the organiser's name, and the ATTENDEE (the registrant)
    already has PARTSTAT=ACCEPTED and RSVP=FALSE with ROLE=REQ-PARTICIPANT. RSVP=FALSE tells clients
    that no answer is expected (Outlook shows "no response required"; Thunderbird and Apple offer
    no reply buttons), so nearly nobody replies. Clients that let a person press "Accept" anyway
    (Gmail) send the iTIP REPLY to the ORGANIZER address, never to the message's Reply-To, and the
    no-reply mailbox discards what it receives: organisers are never flooded. People who want to
    write to the organisers reply to the email itself, which goes to the series' reply-to address.
    Places are changed on the site only (register, cancel link), never by calendar replies.

Two writers, one content
    `build_session_event` builds a VEVENT from icalendar's objects (invites: one per person per
    message). Published files (`build_publish_calendar`: a session's file, the series feed, the
    personal feed) write the same VEVENT's lines directly (`events.ics`), because building and
    serialising icalendar objects took over a second for a feed of 500 sessions. Both writers take
    their values from `_event_values`; tests/events/test_calendar_lines.py proves their bytes
    equal. What all entries of one file share (the language's phrases, the host, the pattern of
    session page URLs) is looked up once per file (`EntryContext`), not once per entry, and each
    VTIMEZONE is generated once per zone and year range per process (`events.ics.vtimezone`).
"""

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from email.headerregistry import HeaderRegistry
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

from events import ics
from events.timefmt import format_time_range

if TYPE_CHECKING:
    from icalendar import Calendar, Event

    from events.models import Session

# How often subscribed clients should fetch a feed again (RFC 7986 REFRESH-INTERVAL and the older
# X-PUBLISHED-TTL that Outlook and Apple read).
REFRESH_INTERVAL = dt.timedelta(hours=6)
# Raised when the builders' output changes shape, so cached feeds of the old shape are not served.
FORMAT_VERSION = 1
METHODS = ("PUBLISH", "REQUEST", "CANCEL")


@dataclass(frozen=True)
class Participant:
    """A named calendar user address: the organiser or an attendee (iTIP messages only)."""

    name: str
    email: str


@lru_cache(maxsize=8)
def site_host(site_url: str) -> str:
    return urlsplit(site_url).hostname or "localhost"


def session_uid(session: "Session", *, site_url: str) -> str:
    """The UID of a session in every calendar object we produce; it never changes."""
    return f"decoded-{session.pk}@{site_host(site_url)}"


def invite_sequence(session: "Session", *, earlier_registrations: int, method: str) -> int:
    """SEQUENCE of an email invite for one person.

    `earlier_registrations` counts that person's earlier (cancelled) registrations for the session.
    Each earlier registration may have ended with a CANCEL at `sequence + 2k + 1`, so the k-th
    registration's REQUESTs use `sequence + 2k` and its own CANCEL `sequence + 2k + 1`: a client
    always sees a higher SEQUENCE than in the last message it got. A whole-session cancellation
    has already raised `session.sequence`, so it needs no offset of its own; a registrant's own
    cancellation (status still confirmed or published) gets +1.
    """
    base = session.sequence + 2 * earlier_registrations
    if method == "CANCEL" and not session.is_cancelled:
        return base + 1
    return base


def organiser_address(session: "Session", *, language: str) -> Participant:
    """The series as ORGANIZER: its name in `language`, on the no-reply address."""
    header = HeaderRegistry()("From", settings.DEFAULT_FROM_EMAIL)
    with translation.override(language):
        return Participant(name=session.series.organiser_name, email=header.addresses[0].addr_spec)


def session_url(session: "Session", *, language: str, site_url: str) -> str:
    with translation.override(language):
        return f"{site_url}{session.get_absolute_url()}"


class EntryContext:
    """What the entries of one calendar file share: the language's phrases and the site's addresses.

    Made once per file, so that a feed of 500 sessions looks each phrase up once instead of about
    twenty times per entry. Entries are written inside `translation.override(language)` (the
    sessions' and speakers' translated fields follow the active language).
    """

    def __init__(self, *, language: str, site_url: str) -> None:
        self.language = language
        self.site_url = site_url
        with translation.override(language):
            self.cancelled_title = gettext("Cancelled: %(title)s")
            self.cancelled_sentence = gettext("This session has been cancelled.")
            self.when = gettext("When: %(time)s")
            self.online = pgettext("calendar location", "Online")
            self.join_link_sentence = gettext("Your personal join link (please do not share it): %(url)s")
            self.register_sentence = gettext("Register on the session page to receive your personal join link.")
            self.session_page_sentence = gettext("Session page: %(url)s")
            # Translators: one speaker in a calendar entry, e.g. "Anna Petrova (Moderator), CISO, City Hospital".
            self.speaker_with_details = gettext("%(name)s (%(role)s), %(details)s")
            self.speaker_without_details = gettext("%(name)s (%(role)s)")
            self.language_sentences = {
                ("en", ()): gettext("In English."),
                ("ru", ()): gettext("In Russian."),
                ("en", ("ru",)): gettext("In English, with interpretation into Russian."),
                ("ru", ("en",)): gettext("In Russian, with interpretation into English."),
            }
            self.other_languages = gettext("Language: %(floor)s. Interpretation: %(others)s.")
            self.language_names = {code: str(name) for code, name in settings.LANGUAGES}
            # Session pages differ only by slug, and a slug is ASCII that `reverse` writes unchanged.
            self._page_prefix, self._page_suffix = reverse(
                "events:session-detail", kwargs={"slug": _SLUG_PLACEHOLDER}
            ).split(_SLUG_PLACEHOLDER)
        self._speaker_headings: dict[int, str] = {}
        self._role_names: dict[str, str] = {}
        self._speaker_lines: dict[tuple[int, str], str] = {}

    def session_page(self, session: "Session") -> str:
        """`session_url(session, …)` in this file's language, without a `reverse` per entry."""
        return f"{self.site_url}{self._page_prefix}{session.slug}{self._page_suffix}"

    def speakers_heading(self, count: int) -> str:
        heading = self._speaker_headings.get(count)
        if heading is None:
            with translation.override(self.language):
                heading = self._speaker_headings[count] = ngettext("Speaker:", "Speakers:", count)
        return heading

    def describe_speaker(self, link) -> str:
        """ "Name (Role), position, organisation"; once per speaker and role in a file."""
        key = (link.speaker_id, link.role)
        line = self._speaker_lines.get(key)
        if line is None:
            speaker = link.speaker
            details = ", ".join(part for part in (speaker.position, speaker.organisation) if part)
            values = {"name": speaker.name, "role": self._role_name(link), "details": details}
            line = (self.speaker_with_details if details else self.speaker_without_details) % values
            self._speaker_lines[key] = line
        return line

    def describe_languages(self, languages: list[str]) -> str:
        """ "English, with interpretation into Russian", as one whole sentence."""
        floor, *interpretation = languages
        sentence = self.language_sentences.get((floor, tuple(interpretation)))
        if sentence is not None:
            return sentence
        names = self.language_names
        return self.other_languages % {
            "floor": names.get(floor, floor),
            "others": ", ".join(names.get(code, code) for code in interpretation),
        }

    def _role_name(self, link) -> str:
        name = self._role_names.get(link.role)
        if name is None:
            with translation.override(self.language):
                name = self._role_names[link.role] = str(link.get_role_display())
        return name


# A valid slug that no real session has; replaced by each session's slug in `session_page`.
_SLUG_PLACEHOLDER = "decoded-slug-placeholder"


class _EventValues(NamedTuple):
    """The values of one VEVENT, whichever writer serialises them (a tuple: made per entry)."""

    uid: str
    summary: str
    description: str
    url: str
    location: str
    status: str
    stamp: dt.datetime
    sequence: int
    created: dt.datetime | None
    last_modified: dt.datetime | None
    start: dt.datetime
    end: dt.datetime


def _event_values(
    session: "Session",
    *,
    context: EntryContext,
    stamp: dt.datetime | None = None,
    sequence: int | None = None,
    join_link: str = "",
    cancelled: bool | None = None,
) -> _EventValues:
    """The VEVENT of `session`: called inside `translation.override(context.language)`."""
    is_cancelled = session.is_cancelled if cancelled is None else cancelled
    title = session.title
    zone = session.zoneinfo
    return _EventValues(
        uid=session_uid(session, site_url=context.site_url),
        summary=context.cancelled_title % {"title": title} if is_cancelled else title,
        description=_describe(session, context=context, join_link=join_link),
        url=context.session_page(session),
        location=join_link or context.online,
        status="CANCELLED" if is_cancelled else "CONFIRMED",
        stamp=stamp or session.updated_at,
        sequence=session.sequence if sequence is None else sequence,
        created=session.created_at,
        last_modified=session.updated_at,
        start=_event_time(session.starts_at, zone),
        end=_event_time(session.ends_at, zone),
    )


def build_session_event(
    session: "Session",
    *,
    language: str,
    site_url: str,
    stamp: dt.datetime | None = None,
    sequence: int | None = None,
    join_link: str = "",
    cancelled: bool | None = None,
) -> "Event":
    """One VEVENT for `session`, text in `language`, as an icalendar component.

    `join_link` is a person's own join link (personal feed and invites only; public files never
    carry one). `cancelled` forces STATUS:CANCELLED (a registrant's own cancellation); by default
    it follows the session's status. No email address is written here. `write_session_event`
    gives the same entry's bytes without building objects.
    """
    from icalendar import Event  # slow import (TID253): loaded on first use

    context = EntryContext(language=language, site_url=site_url)
    with translation.override(language):
        values = _event_values(
            session, context=context, stamp=stamp, sequence=sequence, join_link=join_link, cancelled=cancelled
        )
    event = Event.new(
        uid=values.uid,
        stamp=values.stamp,
        sequence=values.sequence,
        summary=values.summary,
        description=values.description,
        url=values.url,
        location=values.location,
        status=values.status,
        created=values.created,
        last_modified=values.last_modified,
    )
    event.add("DTSTART", values.start)
    event.add("DTEND", values.end)
    event.add("CLASS", "PUBLIC")
    event.add("TRANSP", "OPAQUE")
    return event


def write_session_event(session: "Session", *, context: EntryContext, join_link: str = "", tzids: set[str]) -> bytes:
    """The bytes of `build_session_event(session, …).to_ical()` (a published entry: no `stamp`,
    `sequence` or `cancelled` override), written directly. Called inside
    `translation.override(context.language)`; adds the TZIDs it uses to `tzids`.

    The properties come in icalendar's order: its canonical ones first, then alphabetically.
    """
    values = _event_values(session, context=context, join_link=join_link)
    lines = [
        b"BEGIN:VEVENT",
        ics.text_line("SUMMARY", values.summary),
        ics.date_time_line("DTSTART", values.start, tzids),
        ics.date_time_line("DTEND", values.end, tzids),
        f"DTSTAMP:{ics.format_utc(values.stamp)}".encode(),
        ics.text_line("UID", values.uid),
        f"SEQUENCE:{values.sequence}".encode(),
        b"CLASS:PUBLIC",
    ]
    if values.created is not None:
        lines.append(f"CREATED:{ics.format_utc(values.created)}".encode())
    lines.append(ics.text_line("DESCRIPTION", values.description))
    if values.last_modified is not None:
        lines.append(f"LAST-MODIFIED:{ics.format_utc(values.last_modified)}".encode())
    lines += [
        ics.text_line("LOCATION", values.location),
        ics.text_line("STATUS", values.status),
        b"TRANSP:OPAQUE",
        ics.fold(f"URL:{values.url}"),  # a URI: not escaped
        b"END:VEVENT",
        b"",
    ]
    return ics.CRLF.join(lines)


def build_publish_calendar(
    sessions: Iterable["Session"],
    *,
    language: str,
    name: str,
    description: str,
    site_url: str,
    calendar_id: str,
    url: str = "",
    join_links: dict[int, str] | None = None,
) -> bytes:
    """A METHOD:PUBLISH calendar of `sessions` (a session file, the series feed or a personal feed).

    `calendar_id` names the calendar (its RFC 7986 UID is derived from it, so it is stable).
    `join_links` maps session ids to the reader's personal join links (personal feed only).
    Cancelled sessions are included with STATUS:CANCELLED; pass only public sessions.
    The calendar's own properties are icalendar's; then one VTIMEZONE per zone used (in TZID
    order), then the entries in the order given.
    """
    from icalendar import Calendar, vDuration, vText

    calendar = Calendar.new(
        prodid=f"-//Decoded//Decoded calendar//{language.upper()}",
        method="PUBLISH",
        uid=f"{hashlib.sha256(calendar_id.encode()).hexdigest()[:32]}@{site_host(site_url)}",
        url=url or None,
    )
    # RFC 7986 NAME and DESCRIPTION, and the X-WR- forms Apple, Google and Outlook read. icalendar
    # 7.3 writes the X-WR- forms unescaped when set through `Calendar.calendar_name`/`description`
    # (a newline or a comma would corrupt the file), so all four are added as TEXT here.
    calendar.add("NAME", vText(name))
    calendar.add("X-WR-CALNAME", vText(name))
    calendar.add("DESCRIPTION", vText(description))
    calendar.add("X-WR-CALDESC", vText(description))
    calendar.add("REFRESH-INTERVAL", vDuration(REFRESH_INTERVAL), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH_INTERVAL))
    head = calendar.to_ical()
    if not head.endswith(_END_CALENDAR):
        raise ValueError(head[-40:])
    join_links = join_links or {}
    sessions = list(sessions)
    context = EntryContext(language=language, site_url=site_url)
    tzids: set[str] = set()
    with translation.override(language):
        events = [
            write_session_event(session, context=context, join_link=join_links.get(session.pk, ""), tzids=tzids)
            for session in sessions
        ]
    timezones: list[bytes] = []
    if sessions:
        first_year, last_year = ics.timezone_years(
            [session.starts_at for session in sessions], [session.ends_at for session in sessions]
        )
        timezones = ics.vtimezones(tzids, first_year, last_year)
    return b"".join([head[: -len(_END_CALENDAR)], *timezones, *events, _END_CALENDAR])


_END_CALENDAR = b"END:VCALENDAR\r\n"


def build_invite(
    session: "Session",
    *,
    attendee_name: str,
    attendee_email: str,
    language: str,
    join_link: str,
    method: str = "REQUEST",
    sequence: int,
    site_url: str,
    stamp: dt.datetime,
) -> bytes:
    """An iTIP message (RFC 5546) for one attendee: METHOD:REQUEST or METHOD:CANCEL.

    REQUEST carries the personal `join_link` (LOCATION and DESCRIPTION); CANCEL carries none and
    has STATUS:CANCELLED. Both name the series' no-reply organiser and the attendee with
    PARTSTAT=ACCEPTED and RSVP=FALSE (module docstring: how replies are handled).
    """
    from icalendar import Calendar, vCalAddress

    if method not in {"REQUEST", "CANCEL"}:
        raise ValueError(method)
    is_cancel = method == "CANCEL"
    event = build_session_event(
        session,
        language=language,
        site_url=site_url,
        stamp=stamp,
        sequence=sequence,
        join_link="" if is_cancel else join_link,
        cancelled=True if is_cancel else None,
    )
    organiser = organiser_address(session, language=language)
    event.add("ORGANIZER", vCalAddress(f"mailto:{organiser.email}", params={"CN": organiser.name}))
    event.add(
        "ATTENDEE",
        vCalAddress(
            f"mailto:{attendee_email}",
            params={
                "CN": attendee_name,
                "CUTYPE": "INDIVIDUAL",
                "ROLE": "REQ-PARTICIPANT",
                "PARTSTAT": "ACCEPTED",
                "RSVP": "FALSE",
            },
        ),
    )
    calendar = Calendar.new(
        prodid=f"-//Decoded//Decoded calendar//{language.upper()}",
        method=method,
        uid=f"{event['UID']}-{method.lower()}-{sequence}",
        subcomponents=[event],
    )
    _add_timezones(calendar, [session])
    return calendar.to_ical()


def _event_time(moment: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """`moment` in `zone`, or in UTC when that local time is ambiguous (module docstring): when
    the other occurrence of the wall time (PEP 495's fold) is another offset."""
    local = moment.astimezone(zone)
    other = local.replace(fold=1 - local.fold)
    return local if other.utcoffset() == local.utcoffset() else moment.astimezone(dt.UTC)


def _add_timezones(calendar: "Calendar", sessions: list["Session"]) -> None:
    """VTIMEZONEs for the zones used, covering the years of the events and one either side.

    They are inserted before the events (properties, then VTIMEZONEs, then VEVENTs), in TZID
    order, from the per-process cache of `events.ics`.
    """
    if not sessions:
        return
    first_year, last_year = ics.timezone_years(
        [session.starts_at for session in sessions], [session.ends_at for session in sessions]
    )
    index = len(calendar.timezones)
    for tzid in sorted(calendar.get_missing_tzids()):
        component = ics.timezone_component(tzid, first_year, last_year)
        if component is not None:
            calendar.subcomponents.insert(index, component)
            index += 1


def _describe(session: "Session", *, context: EntryContext, join_link: str) -> str:
    """The DESCRIPTION: summary, time, languages, speakers, links; one paragraph each.

    Called inside `translation.override(context.language)`. Each paragraph is one whole
    translated sentence; paragraphs are only put one after another.
    """
    paragraphs = []
    if session.is_cancelled:
        paragraphs.append(context.cancelled_sentence)
        if session.cancellation_note:
            paragraphs.append(session.cancellation_note)
    paragraphs.append(session.summary)
    paragraphs.append(
        context.when
        % {"time": format_time_range(session.starts_at, session.ends_at, session.timezone, context.language)}
    )
    paragraphs.append(context.describe_languages(session.languages))
    links = session.speakers_in_order
    if links:
        lines = [context.speakers_heading(len(links))]
        lines.extend(context.describe_speaker(link) for link in links)
        paragraphs.append("\n".join(lines))
    if join_link:
        paragraphs.append(context.join_link_sentence % {"url": join_link})
    elif not session.is_cancelled:
        paragraphs.append(context.register_sentence)
    paragraphs.append(context.session_page_sentence % {"url": context.session_page(session)})
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph)
