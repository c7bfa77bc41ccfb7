"""Session times as people read them: babel-formatted, in a named zone, in the reader's language.

Every function here is pure: it takes aware datetimes, a zone and a site language code and returns
text. Nothing reads the request, the active translation or the settings, so emails, ICS files and
PDFs can use the same functions inside their own `translation.override()`. Being pure, the
formatters of session times remember their recent results (`lru_cache`): a list page formats the
same few sessions on every request.

English uses babel's `en_GB` locale (day-month order, 24-hour clock, "CEST"/"BST" abbreviations);
Russian uses `ru`. Where CLDR has no abbreviation for a zone (babel then returns a bare offset such
as "+0500"), the long name is used instead, so the zone is always *named*.
"""

import datetime as dt
import re
import zoneinfo
from functools import lru_cache

from babel.core import Locale, get_global
from babel.dates import format_date, get_date_format, get_timezone_gmt, get_timezone_location, get_timezone_name

BABEL_LOCALES = {"en": "en_GB", "ru": "ru"}

# How a date, a time range and a zone name are put together. These are formatting conventions
# of each locale (like CLDR's own patterns), not UI text, so they live here rather than in the
# gettext catalogue: Russian puts the long zone name in parentheses, English does not.
# The ranges use an en dash (U+2013), as both languages' typography asks.
_RANGE_PATTERNS = {
    "en_GB": "{date}, {start}\u2013{end} {zone}",
    "ru": "{date}, {start}\u2013{end} ({zone})",
}
_OVERNIGHT_PATTERNS = {
    "en_GB": "{start_date}, {start} \u2013 {end_date}, {end} {zone}",
    "ru": "{start_date}, {start} \u2013 {end_date}, {end} ({zone})",
}
_MOMENT_PATTERNS = {
    "en_GB": "{date}, {time} {zone}",
    "ru": "{date}, {time} ({zone})",
}
# A "short name" that is only an offset: "+0500", "GMT+05:00" or with a minus sign (U+2212).
_OFFSET_ONLY = re.compile("^(GMT|UTC)?[+\\-\u2212]\\d")

# The regions of the IANA database offered in the zone picker, in this order.
PICKER_REGIONS = ("Europe", "Asia", "Africa", "America", "Atlantic", "Indian", "Pacific", "Australia")


def get_babel_locale(language_code: str) -> str:
    """The babel locale for a site language code ("en" → "en_GB"); English when unknown."""
    return BABEL_LOCALES.get((language_code or "en").split("-")[0].lower(), "en_GB")


@lru_cache(maxsize=8)
def _parsed(locale: str) -> Locale:
    """babel's Locale for a locale name, parsed once: babel parses a name again on every call
    (about a third of the cost of formatting a time range)."""
    return Locale.parse(locale)


def _hours_minutes(moment: dt.datetime) -> str:
    """babel's `format_time(moment, "HH:mm", locale)` for every locale (babel writes the digits
    of a pattern in ASCII whatever the locale), without its pattern machinery (80 % of the cost)."""
    return f"{moment.hour:02}:{moment.minute:02}"


# The fields of babel's date patterns that `_format_named_date` writes itself, as babel does.
_DATE_FIELDS = {
    "EEEE": lambda day, locale: locale.days["format"]["wide"][day.weekday()],
    "EEE": lambda day, locale: locale.days["format"]["abbreviated"][day.weekday()],
    "d": lambda day, locale: str(day.day),
    "MMMM": lambda day, locale: locale.months["format"]["wide"][day.month],
    "MMM": lambda day, locale: locale.months["format"]["abbreviated"][day.month],
    "y": lambda day, locale: str(day.year),
}
_PATTERN_FIELD = re.compile(r"%\((\w+)\)s")


def _format_named_date(day: dt.date, length: str, locale: Locale) -> str:
    """babel's `format_date(day, length, locale)` for a named length ("full", "long"…), without
    its pattern machinery (80 % of its cost: a feed formats hundreds of dates), when every field
    of the locale's pattern is one of `_DATE_FIELDS`; babel's own otherwise."""
    compiled = _compiled_date_format(length, locale)
    if compiled is None:
        return format_date(day, length, locale=locale)
    template, fields = compiled
    return template % {name: write(day, locale) for name, write in fields}


@lru_cache(maxsize=32)
def _compiled_date_format(length: str, locale: Locale) -> tuple[str, tuple] | None:
    template = get_date_format(length, locale=locale).format  # e.g. "%(EEEE)s, %(d)s %(MMMM)s %(y)s"
    names = _PATTERN_FIELD.findall(template)
    if not all(name in _DATE_FIELDS for name in names):
        return None
    return template, tuple((name, _DATE_FIELDS[name]) for name in dict.fromkeys(names))


def to_zone(zone: str | dt.tzinfo) -> dt.tzinfo:
    return zoneinfo.ZoneInfo(zone) if isinstance(zone, str) else zone


def _zone_variant(moment: dt.datetime) -> str:
    """ "daylight" when the zone runs ahead of its standard offset at that moment.

    babel decides by the truthiness of `dst()`, which gets Europe/Dublin backwards (the tz
    database gives Ireland a negative DST in winter). Comparing the offset with the smaller of the
    January and July offsets of the same year is right for both hemispheres and for Ireland.
    """
    return "daylight" if moment.utcoffset() > _standard_offset(moment.tzinfo, moment.year) else "standard"


@lru_cache(maxsize=1024)
def _standard_offset(tz: dt.tzinfo, year: int) -> dt.timedelta:
    """The smaller of the zone's January and July offsets in `year` (per zone and year: a feed
    asks for hundreds of sessions in a few zones)."""
    return min(dt.datetime(year, month, 1, 12, tzinfo=tz).utcoffset() for month in (1, 7))


def format_zone_name(moment: dt.datetime, locale: str | Locale) -> str:
    """The zone's name at `moment`: the short one when CLDR has a real abbreviation, else the long one.

    `moment` must be aware and already in the zone to name. Russian CLDR data has no abbreviations,
    so Russian always gets the long name («Центральная Европа, летнее время»).
    """
    variant = _zone_variant(moment)
    parsed = _parsed(locale) if isinstance(locale, str) else locale
    # What babel's answer depends on: the zone (its key, or its tzname for other tzinfos), the
    # variant, and the offset (its GMT fallback); looked up once per process, not per session.
    key = (moment.tzinfo, moment.tzname(), moment.utcoffset(), variant, str(parsed))
    name = _zone_names.get(key)
    if name is None:
        name = get_timezone_name(moment, width="short", locale=parsed, zone_variant=variant)
        if _OFFSET_ONLY.match(name):
            name = get_timezone_name(moment, width="long", locale=parsed, zone_variant=variant)
        _zone_names[key] = name
    return name


# Bounded by the zones in use times their variants and offsets, times the languages.
_zone_names: dict[tuple, str] = {}


@lru_cache(maxsize=4096)
def format_time_range(starts_at: dt.datetime, ends_at: dt.datetime, zone: str | dt.tzinfo, language_code: str) -> str:
    """A session's date and times in `zone`, with the zone named.

    English: "Thursday, 18 July 2024, 13:00-14:30 CEST" (with an en dash); Russian puts the long
    zone name in parentheses (tests/events/test_timefmt.py has both). When the session ends on the
    next calendar day in that zone, both dates are written out. The zone is named as at the start.
    """
    locale = get_babel_locale(language_code)
    parsed = _parsed(locale)
    tz = to_zone(zone)
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    values = {
        "start": _hours_minutes(start),
        "end": _hours_minutes(end),
        "zone": format_zone_name(start, parsed),
    }
    if start.date() == end.date():
        return _RANGE_PATTERNS[locale].format(date=_format_named_date(start.date(), "full", parsed), **values)
    return _OVERNIGHT_PATTERNS[locale].format(
        start_date=_format_named_date(start.date(), "full", parsed),
        end_date=_format_named_date(end.date(), "full", parsed),
        **values,
    )


@lru_cache(maxsize=4096)
def format_moment(moment: dt.datetime, zone: str | dt.tzinfo, language_code: str) -> str:
    """One point in time in `zone`, zone named: "11 July 2024, 09:00 CEST".

    No weekday, so that the text can follow a preposition: Russian "до 11 июля 2024" (until 11 July) is
    grammatical, whereas a weekday would have to be declined.
    """
    locale = get_babel_locale(language_code)
    parsed = _parsed(locale)
    local = moment.astimezone(to_zone(zone))
    return _MOMENT_PATTERNS[locale].format(
        date=_format_named_date(local.date(), "long", parsed),
        time=_hours_minutes(local),
        zone=format_zone_name(local, parsed),
    )


def format_short_date(moment: dt.datetime, zone: str | dt.tzinfo, language_code: str) -> dict[str, str]:
    """The parts of a calendar-leaf date for session cards: weekday, day and month, year."""
    return dict(_format_short_date(moment, zone, language_code))


@lru_cache(maxsize=4096)
def _format_short_date(moment: dt.datetime, zone: str | dt.tzinfo, language_code: str) -> tuple[tuple[str, str], ...]:
    locale = _parsed(get_babel_locale(language_code))
    local = moment.astimezone(to_zone(zone))
    return (
        ("weekday", format_date(local, "EEE", locale=locale)),
        ("day", format_date(local, "d", locale=locale)),
        ("month", format_date(local, "MMM", locale=locale).rstrip(".")),
        ("year", format_date(local, "y", locale=locale)),
    )


def is_known_zone(name: str) -> bool:
    return bool(name) and name in _available_zones()


@lru_cache(maxsize=1)
def _available_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def build_zone_choices(language_code: str, now: dt.datetime) -> list[tuple[str, list[tuple[str, str]]]]:
    """Zones for the picker, grouped by IANA region, each labelled "City (GMT+05:00)" in the language.

    Only the canonical region/city names are offered (no "US/Eastern" aliases or "Etc/GMT+5"),
    plus UTC at the top; any name in the tz database is still *accepted* (`is_known_zone`). The
    offsets are those at `now`; the result is cached per language and day.
    """
    return list(_cached_zone_choices(get_babel_locale(language_code), now.date()))


@lru_cache(maxsize=8)
def _cached_zone_choices(locale: str, day: dt.date) -> tuple[tuple[str, list[tuple[str, str]]], ...]:
    noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
    aliases = get_global("zone_aliases")  # "Europe/Kiev" → "Europe/Kyiv": offer only the latter
    grouped: dict[str, list[tuple[str, str, dt.timedelta]]] = {region: [] for region in PICKER_REGIONS}
    for name in _available_zones():
        region = name.split("/", 1)[0]
        if region not in grouped or name in aliases:
            continue
        local = noon.astimezone(zoneinfo.ZoneInfo(name))
        city = get_timezone_location(name, locale=locale, return_city=True)
        label = f"{city} ({get_timezone_gmt(local, locale=locale)})"
        grouped[region].append((name, label, local.utcoffset()))
    utc = ("Etc", [("UTC", f"UTC ({get_timezone_gmt(noon, locale=locale)})")])
    return (
        utc,
        *(
            (region, [(name, label) for name, label, _offset in sorted(zones, key=lambda z: (z[2], z[1]))])
            for region, zones in grouped.items()
        ),
    )
