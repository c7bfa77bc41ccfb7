"""RFC 5545 content lines for the published calendar files, written without building objects.

`events.calendar` writes the VEVENTs of published files (a session's file, the series feed, the
personal feed) with these functions: building and serialising one icalendar `Event` per session
took about a millisecond each (over a second for a feed of 500 sessions), writing the same lines
takes a few microseconds. The output is icalendar's, byte for byte: TEXT escaping, folding before
the 75th octet without splitting a UTF-8 character or a backslash escape, the date-time forms and
the choice between a TZID and UTC. tests/events/test_calendar_lines.py compares both writers on
varied sessions (Cyrillic, long and special-character text, cancelled, DST zones, UTC-like zones).

What needs calendar knowledge still comes from icalendar, once per zone per process: whether a
zone is written as UTC, and the VTIMEZONE definitions (computed per zone and year range).
"""

import datetime as dt
import re
from functools import lru_cache

MAX_OCTETS = 74  # before the fold: a continuation line is a space and up to 74 octets (75 in all)
FOLD = b"\r\n "
CRLF = b"\r\n"
# Octets a fold must not follow: icalendar keeps a TEXT backslash escape or an RFC 6868 parameter
# escape on one line (icalendar issue #1501, for clients that unfold badly).
_ESCAPE_OCTETS = (0x5C, 0x5E)  # "\" and "^"
# A UTF-8 continuation octet is 10xxxxxx: a fold never goes before one.
_CONTINUATION_MASK, _CONTINUATION = 0xC0, 0x80


# What escape_text changes: a backslash (and with it "\N"), ";", ",", CR and LF.
_TEXT_SPECIALS = re.compile(r"[\\;,\r\n]")


def escape_text(value: str) -> str:
    r"""A TEXT value (RFC 5545 §3.3.11) as icalendar escapes it.

    Like icalendar, a literal `\N` is first read as a newline, and CR LF, LF and a lone CR all
    become `\n`.
    """
    if _TEXT_SPECIALS.search(value) is None:  # most values (UID, STATUS, LOCATION): nothing to do
        return value
    if "\\" in value:  # one scan instead of two when there is none (the usual case)
        value = value.replace("\\N", "\n").replace("\\", "\\\\")
    value = value.replace(";", "\\;").replace(",", "\\,")
    if "\r" in value:
        value = value.replace("\r\n", "\\n").replace("\r", "\\n")
    return value.replace("\n", "\\n")


def fold(line: str) -> bytes:
    """One content line as UTF-8, folded as icalendar folds it.

    Each physical line takes as many whole characters as fit in 74 octets (a continuation line
    adds its leading space: 75); a "\\" or "^" that would end a folded line moves to the next one.
    """
    data = line.encode()
    size = len(data)
    if size <= MAX_OCTETS:
        return data
    pieces = []
    start = 0
    while size - start > MAX_OCTETS:
        end = start + MAX_OCTETS
        while data[end] & _CONTINUATION_MASK == _CONTINUATION:  # back to the start of the character
            end -= 1
        if data[end - 1] in _ESCAPE_OCTETS and end - start > 1:
            end -= 1
        pieces.append(data[start:end])
        start = end
    pieces.append(data[start:])
    return FOLD.join(pieces)


def text_line(name: str, value: str) -> bytes:
    return fold(f"{name}:{escape_text(value)}")


def format_utc(moment: dt.datetime) -> str:
    """A UTC DATE-TIME value ("20240718T110000Z"); naive moments are read as UTC, as icalendar does."""
    if moment.tzinfo is not None and moment.tzinfo is not dt.UTC:  # rows come in UTC already
        moment = moment.astimezone(dt.UTC)
    return _basic_format(moment) + "Z"


def _basic_format(moment: dt.datetime) -> str:
    """ "20240718T110000": the date and time as written, seconds truncated.

    Two-digit fields from a table: a feed writes five of these per entry, and formatting six
    integers (with % or format specs) was a tenth of the cost of writing an entry.
    """
    return (
        f"{moment.year:04}{_TWO_DIGITS[moment.month]}{_TWO_DIGITS[moment.day]}"
        f"T{_TWO_DIGITS[moment.hour]}{_TWO_DIGITS[moment.minute]}{_TWO_DIGITS[moment.second]}"
    )


_TWO_DIGITS = [f"{number:02}" for number in range(60)]


def date_time_line(name: str, moment: dt.datetime, tzids: set[str]) -> bytes:
    """`NAME;TZID=zone:local` for an aware `moment`, or `NAME:…Z` when icalendar reads its zone as UTC.

    The TZID written is added to `tzids` (the file needs its VTIMEZONE).
    """
    tzid = zone_tzid(moment.tzinfo)
    local = _basic_format(moment)
    if tzid is None:
        return f"{name}:{local}Z".encode()
    tzids.add(tzid)
    return fold(f"{name};TZID={tzid}:{local}")


@lru_cache(maxsize=256)
def zone_tzid(zone: dt.tzinfo) -> str | None:
    """The TZID icalendar writes for times in `zone`, or None when it writes them in UTC.

    Zones icalendar holds equivalent to UTC (UTC itself, Etc/UTC, but also Atlantic/Reykjavik
    and Africa/Abidjan) are written with "Z" and need no VTIMEZONE.
    """
    from icalendar import vDatetime  # slow import (TID253): loaded on first use

    return vDatetime(dt.datetime(2000, 1, 1, tzinfo=zone)).params.get("TZID")


def timezone_years(starts: list[dt.datetime], ends: list[dt.datetime]) -> tuple[int, int]:
    """The years VTIMEZONEs cover: one before the first event to two after the last one's year.

    The last date is exclusive (1 January), so the year after the last event is covered whole.
    """
    return min(starts).year - 1, max(ends).year + 2


def vtimezones(tzids: set[str], first_year: int, last_year: int) -> list[bytes]:
    """The VTIMEZONE blocks of `tzids`, ordered by TZID, so the same data gives the same bytes
    in every process. Unknown zones are left out, as icalendar's `add_missing_timezones` does."""
    blocks = (vtimezone(tzid, first_year, last_year) for tzid in sorted(tzids))
    return [block for block in blocks if block]


@lru_cache(maxsize=64)
def vtimezone(tzid: str, first_year: int, last_year: int) -> bytes:
    """One VTIMEZONE from 1 January of `first_year` to 1 January of `last_year`; b"" if unknown.

    Generated by icalendar (about a millisecond), so kept for the life of the process.
    """
    component = timezone_component(tzid, first_year, last_year)
    return b"" if component is None else component.to_ical()


@lru_cache(maxsize=64)
def timezone_component(tzid: str, first_year: int, last_year: int):
    """icalendar's VTIMEZONE component (with `split_rdates` applied), or None for an unknown zone.

    Shared between calls: add it to calendars, never change it.
    """
    from icalendar import Timezone
    from icalendar.timezone import tzp

    zone = tzp.timezone(tzid)  # as Timezone.from_tzid() finds it
    if zone is None:
        return None
    first_date, last_date = dt.date(first_year, 1, 1), dt.date(last_year, 1, 1)
    # A day after the range, the zone "changes": see _ZoneUntil.
    component = Timezone.from_tzinfo(
        _ZoneUntil(zone, last_date + dt.timedelta(days=1)), tzid, first_date=first_date, last_date=last_date
    )
    for observance in component.subcomponents:
        split_rdates(observance)
    return component


class _ZoneUntil(dt.tzinfo):
    """`zone` before `until` (a local date after the VTIMEZONE's range), one hour off from then on.

    icalendar finds where each observance ends by stepping 64 days at a time while the offset
    stays the same; after a zone's last change of offset (zones without summer time: Asia/Almaty,
    Asia/Tashkent, Asia/Vladivostok…) it stepped to year 9999 (45,000 steps, ~11 ms per zone).
    The invented change after the range stops it there. Only observances that start inside the
    range are written, and inside it this zone is `zone`, so the VTIMEZONE is the same
    (tests/events/test_calendar_lines.py compares both on many zones).
    """

    def __init__(self, zone: dt.tzinfo, until: dt.date) -> None:
        self.zone = zone
        # An aware time in this zone: compared with times in this zone as local times.
        self.until = dt.datetime(until.year, until.month, until.day, tzinfo=self)

    def utcoffset(self, moment: dt.datetime | None) -> dt.timedelta | None:
        offset = self.zone.utcoffset(moment)
        if moment is not None and offset is not None and moment >= self.until:
            return offset + dt.timedelta(hours=1)
        return offset

    def dst(self, moment: dt.datetime | None) -> dt.timedelta | None:
        return self.zone.dst(moment)

    def tzname(self, moment: dt.datetime | None) -> str | None:
        return self.zone.tzname(moment)


def split_rdates(observance) -> None:
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
