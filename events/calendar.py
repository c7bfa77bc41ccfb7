"""Pure iCalendar builders: sessions in, RFC 5545 bytes out.

Nothing here queries the database, reads the request or sends anything. Callers pass sessions
fetched with `Session.objects.with_speakers()` (so speakers and the series are already loaded), the
language to write in and the site's public origin; text is rendered inside
`translation.override(language)`. `icalendar` does the RFC 5545 form (CRLF, folding at 75 octets
without splitting a UTF-8 character, TEXT escaping); tests/events/test_calendar_*.py prove it with
two parsers (icalendar and Mozilla's ical.js).

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
    back) is written in UTC instead, because RFC 5545 resolves an ambiguous local time to its first
    occurrence and the session would move by an hour.

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
"""

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from email.headerregistry import HeaderRegistry
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

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
    """One VEVENT for `session`, text in `language`.

    `join_link` is a person's own join link (personal feed and invites only; public files never
    carry one). `cancelled` forces STATUS:CANCELLED (a registrant's own cancellation); by default
    it follows the session's status. No email address is written here.
    """
    from icalendar import Event  # slow import (TID253): loaded on first use

    is_cancelled = session.is_cancelled if cancelled is None else cancelled
    with translation.override(language):
        title = session.title
        event = Event.new(
            uid=session_uid(session, site_url=site_url),
            stamp=stamp or session.updated_at,
            sequence=session.sequence if sequence is None else sequence,
            summary=gettext("Cancelled: %(title)s") % {"title": title} if is_cancelled else title,
            description=_describe(session, language=language, site_url=site_url, join_link=join_link),
            url=session_url(session, language=language, site_url=site_url),
            location=join_link or pgettext("calendar location", "Online"),
            status="CANCELLED" if is_cancelled else "CONFIRMED",
            created=session.created_at,
            last_modified=session.updated_at,
        )
    _set_time(event, "DTSTART", session.starts_at, session.zoneinfo)
    _set_time(event, "DTEND", session.ends_at, session.zoneinfo)
    event.add("CLASS", "PUBLIC")
    event.add("TRANSP", "OPAQUE")
    return event


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
    join_links = join_links or {}
    sessions = list(sessions)
    for session in sessions:
        calendar.add_component(
            build_session_event(
                session, language=language, site_url=site_url, join_link=join_links.get(session.pk, "")
            )
        )
    _add_timezones(calendar, sessions)
    return calendar.to_ical()


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


def _set_time(event: "Event", name: str, moment: dt.datetime, zone: dt.tzinfo) -> None:
    """Write `moment` in `zone`, or in UTC when that local time is ambiguous (module docstring)."""
    local = moment.astimezone(zone)
    first_reading = local.replace(fold=0).astimezone(dt.UTC)
    event.add(name, local if first_reading == moment.astimezone(dt.UTC) else moment.astimezone(dt.UTC))


def _add_timezones(calendar: "Calendar", sessions: list["Session"]) -> None:
    """VTIMEZONEs for the zones used, covering the years of the events and one either side.

    They are inserted before the events (properties, then VTIMEZONEs, then VEVENTs).
    """
    if not sessions:
        return
    first = min(session.starts_at for session in sessions)
    last = max(session.ends_at for session in sessions)
    calendar.add_missing_timezones(
        first_date=dt.date(first.year - 1, 1, 1), last_date=dt.date(last.year + 2, 1, 1)
    )
    for timezone in calendar.timezones:
        for observance in timezone.subcomponents:
            _split_rdates(observance)


def _split_rdates(observance) -> None:
    """One RDATE property per onset instead of one comma-separated list.

    Both forms are valid RFC 5545, but ical.js (Thunderbird's parser) reads only the first value
    of each RDATE property, and then misplaces every later change of offset (two-parser test:
    a feed spanning several years moved October sessions by an hour).
    """
    values = observance.get("RDATE")
    if values is None:
        return
    onsets = [item.dt for value in (values if isinstance(values, list) else [values]) for item in value.dts]
    del observance["RDATE"]
    for onset in onsets:
        observance.add("RDATE", onset)


def _describe(session: "Session", *, language: str, site_url: str, join_link: str) -> str:
    """The DESCRIPTION: summary, time, languages, speakers, links; one paragraph each.

    Called inside `translation.override(language)`. Each paragraph is one whole translated
    sentence; paragraphs are only put one after another.
    """
    paragraphs = []
    if session.is_cancelled:
        paragraphs.append(gettext("This session has been cancelled."))
        if session.cancellation_note:
            paragraphs.append(session.cancellation_note)
    paragraphs.append(session.summary)
    paragraphs.append(
        gettext("When: %(time)s")
        % {"time": format_time_range(session.starts_at, session.ends_at, session.timezone, language)}
    )
    paragraphs.append(describe_languages(session))
    links = session.speakers_in_order
    if links:
        lines = [ngettext("Speaker:", "Speakers:", len(links))]
        lines.extend(_describe_speaker(link) for link in links)
        paragraphs.append("\n".join(lines))
    if join_link:
        paragraphs.append(
            gettext("Your personal join link (please do not share it): %(url)s") % {"url": join_link}
        )
    elif not session.is_cancelled:
        paragraphs.append(gettext("Register on the session page to receive your personal join link."))
    paragraphs.append(
        gettext("Session page: %(url)s") % {"url": session_url(session, language=language, site_url=site_url)}
    )
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph)


def describe_languages(session: "Session") -> str:
    """"English, with interpretation into Russian", as a whole sentence in the active language."""
    sentences = {
        ("en", ()): gettext("In English."),
        ("ru", ()): gettext("In Russian."),
        ("en", ("ru",)): gettext("In English, with interpretation into Russian."),
        ("ru", ("en",)): gettext("In Russian, with interpretation into English."),
    }
    floor, *interpretation = session.languages
    sentence = sentences.get((floor, tuple(interpretation)))
    if sentence is not None:
        return sentence
    names = dict(settings.LANGUAGES)
    return gettext("Language: %(floor)s. Interpretation: %(others)s.") % {
        "floor": names.get(floor, floor),
        "others": ", ".join(str(names.get(code, code)) for code in interpretation),
    }


def _describe_speaker(link) -> str:
    speaker = link.speaker
    details = ", ".join(part for part in (speaker.position, speaker.organisation) if part)
    values = {"name": speaker.name, "role": link.get_role_display(), "details": details}
    if details:
        # Translators: one speaker in a calendar entry, e.g. "Anna Petrova (Moderator), CISO, City Hospital".
        return gettext("%(name)s (%(role)s), %(details)s") % values
    return gettext("%(name)s (%(role)s)") % values
