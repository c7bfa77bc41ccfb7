"""The published files' direct writer (events/ics.py) gives icalendar's own bytes.

`build_publish_calendar` writes VEVENTs line by line for speed; `build_session_event` builds the
same entry with icalendar's objects. These tests compare the two byte for byte on varied
sessions, and the low-level pieces (escaping, folding) on thousands of generated values.
"""

import datetime as dt
import hashlib
import random
import zoneinfo

import pytest
from django.conf import settings
from django.utils import translation

from events import calendar, ics
from events.calendar_rows import fetch_calendar_sessions
from events.calendar_views import build_series_feed
from events.models import Session, SessionSpeaker
from tests.events.icalcheck import assert_rfc5545_form, read_events, unfolded_lines
from tests.factories import SeriesFactory, SessionFactory, SessionSpeakerFactory, SpeakerFactory

pytestmark = pytest.mark.django_db

CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")
UTC = dt.UTC
# Characters of 1 to 4 UTF-8 octets, TEXT specials, and the two a fold must not follow.
ALPHABET = ["a", "Z", " ", ",", ";", ":", "\\", "^", "N", "\n", "\r", "é", "я", "Ё", "€", "中", "😀", "\t"]


def icalendar_text_line(name, value):
    from icalendar import Event

    event = Event()
    event.add(name, value)
    content = event.to_ical()
    return content[len(b"BEGIN:VEVENT\r\n") : -len(b"\r\nEND:VEVENT\r\n")]


def generated_values(count, seed):
    chooser = random.Random(seed)
    for _ in range(count):
        yield "".join(chooser.choice(ALPHABET) for _ in range(chooser.randrange(0, 320)))


def test_text_lines_match_icalendar_on_generated_values():
    values = list(generated_values(3000, seed=9))
    # Every fold position for each width of character, and escapes exactly at the fold.
    for prefix in range(0, 80):
        values += [
            "a" * prefix + "я" * 60,
            "a" * prefix + "€" * 40,
            "a" * prefix + "😀" * 30,
            "a" * prefix + "\\" + "b" * 80,
            "a" * prefix + "^" * 80,
            "a" * prefix + ";," * 40,
        ]

    mismatches = [value for value in values if ics.text_line("SUMMARY", value) != icalendar_text_line("SUMMARY", value)]

    assert mismatches == []


@pytest.mark.parametrize(
    "value",
    ["", "plain", "Data; security, and \\ backslashes\nsecond line", "C:\\New folder", "a\r\nb\rc\nd", "^quoted^"],
)
def test_escape_text_matches_icalendar(value):
    from icalendar import vText

    assert ics.escape_text(value).encode() == vText(value).to_ical()


@pytest.mark.parametrize(
    "zone_name",
    ["Europe/Copenhagen", "Asia/Almaty", "Asia/Kamchatka", "Atlantic/Azores", "Atlantic/Reykjavik", "UTC", "Etc/GMT-5"],
)
def test_date_time_lines_match_icalendar(zone_name):
    from icalendar import Event

    zone = zoneinfo.ZoneInfo(zone_name)
    moment = dt.datetime(2025, 10, 26, 2, 30, 15, 123456, tzinfo=zone)
    event = Event()
    event.add("DTSTART", moment)
    tzids = set()

    line = ics.date_time_line("DTSTART", moment, tzids)

    assert line == icalendar_line(event, "DTSTART")
    assert tzids == ({zone_name} if b"TZID=" in line else set())


def icalendar_line(event, name):
    [line] = [line for line in event.to_ical().split(b"\r\n") if line.startswith(name.encode())]
    return line


def varied_sessions():
    """Sessions that exercise every branch of an entry: languages, zones, status, text, speakers."""
    long_ru = "Ёмкий обзор защиты персональных данных пациентов; шифрование, доступ и \\ журналы. " * 12
    sessions = [
        SessionFactory(
            title_en="Cybersecurity in health care",
            title_ru="Кибербезопасность в здравоохранении",
            starts_at=dt.datetime(2024, 7, 18, 13, tzinfo=CPH),
            ends_at=dt.datetime(2024, 7, 18, 14, 30, tzinfo=CPH),
        ),
        SessionFactory(  # long Cyrillic text, folded many times; only a Russian summary
            title_ru="Защита персональных данных пациентов в цифровом здравоохранении: шифрование и доступ",
            summary_ru=long_ru,
            timezone="Asia/Almaty",
            starts_at=dt.datetime(2024, 2, 29, 16, 30, tzinfo=UTC),  # across Almaty's change of offset
            ends_at=dt.datetime(2024, 2, 29, 19, 30, tzinfo=UTC),
        ),
        SessionFactory(  # starts in the repeated hour: DTSTART in UTC, DTEND in the zone
            title_en="Data; security, and \\ backslashes\nsecond line ^caret^ \\N",
            starts_at=dt.datetime(2025, 10, 26, 1, 30, tzinfo=UTC),
            ends_at=dt.datetime(2025, 10, 26, 3, tzinfo=UTC),
        ),
        SessionFactory(  # cancelled, with a note in both languages
            status=Session.Status.CANCELLED,
            cancellation_note_en="Moved to spring, see the page.",
            cancellation_note_ru="Перенесено на весну; подробности на странице.",
            starts_at=dt.datetime(2025, 3, 30, 0, 30, tzinfo=UTC),  # across the spring gap
            ends_at=dt.datetime(2025, 3, 30, 2, tzinfo=UTC),
        ),
        SessionFactory(  # a zone icalendar writes as UTC; Russian floor language, no interpretation
            timezone="Atlantic/Reykjavik",
            floor_language="ru",
            interpretation_languages=[],
        ),
        SessionFactory(timezone="Asia/Kamchatka", interpretation_languages=["en", "ru"]),  # overnight in UTC+12
    ]
    SessionSpeakerFactory(session=sessions[0], role=SessionSpeaker.Role.MODERATOR)
    SessionSpeakerFactory(session=sessions[0], speaker=SpeakerFactory(position_en="", organisation_en=""))
    for role in SessionSpeaker.Role.values:
        SessionSpeakerFactory(session=sessions[1], role=role)
    SessionSpeakerFactory(session=sessions[3])
    return sessions


def fetch(sessions, language):
    queryset = Session.objects.filter(pk__in=[s.pk for s in sessions]).order_by("pk")
    return fetch_calendar_sessions(queryset, language=language)


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("join_link", ["", "https://127.0.0.1/j/Abc123_-personal-token-that-is-quite-long-indeed"])
def test_each_entry_matches_icalendars_serialisation(language, join_link):
    sessions = fetch(varied_sessions(), language)
    context = calendar.EntryContext(language=language, site_url=settings.SITE_URL)

    for session in sessions:
        expected = calendar.build_session_event(
            session, language=language, site_url=settings.SITE_URL, join_link=join_link
        ).to_ical()
        with translation.override(language):
            written = calendar.write_session_event(session, context=context, join_link=join_link, tzids=set())

        assert written == expected


def build_with_icalendar_only(sessions, *, language, name, description, calendar_id, url):
    """The published file as icalendar alone builds it: the reference for `build_publish_calendar`."""
    from icalendar import Calendar, vDuration, vText

    reference = Calendar.new(
        prodid=f"-//Decoded//Decoded calendar//{language.upper()}",
        method="PUBLISH",
        uid=f"{hashlib.sha256(calendar_id.encode()).hexdigest()[:32]}@{calendar.site_host(settings.SITE_URL)}",
        url=url,
    )
    reference.add("NAME", vText(name))
    reference.add("X-WR-CALNAME", vText(name))
    reference.add("DESCRIPTION", vText(description))
    reference.add("X-WR-CALDESC", vText(description))
    reference.add("REFRESH-INTERVAL", vDuration(calendar.REFRESH_INTERVAL), parameters={"VALUE": "DURATION"})
    reference.add("X-PUBLISHED-TTL", vDuration(calendar.REFRESH_INTERVAL))
    for session in sessions:
        reference.add_component(calendar.build_session_event(session, language=language, site_url=settings.SITE_URL))
    first = min(session.starts_at for session in sessions)
    last = max(session.ends_at for session in sessions)
    reference.add_missing_timezones(first_date=dt.date(first.year - 1, 1, 1), last_date=dt.date(last.year + 2, 1, 1))
    zones = sorted(reference.timezones, key=lambda timezone: str(timezone["TZID"]))
    reference.subcomponents = zones + reference.events
    for timezone in zones:
        for observance in timezone.subcomponents:
            ics.split_rdates(observance)
    return reference.to_ical()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_series_feed_matches_the_file_icalendar_alone_builds(language):
    sessions = fetch(varied_sessions(), language)
    arguments = {
        "language": language,
        "name": "Decoding data; digital health, \\ and more",
        "description": "Sessions of the series.\nSecond line, with «quotes».",
        "calendar_id": f"series-1-{language}",
        "url": f"{settings.SITE_URL}/{language}/",
    }

    content = calendar.build_publish_calendar(sessions, site_url=settings.SITE_URL, **arguments)

    assert content == build_with_icalendar_only(sessions, **arguments)
    assert_rfc5545_form(content)
    [events] = read_events(content)
    assert len(events) == len(sessions)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_feed_rows_give_the_bytes_of_full_model_rows(language):
    sessions = varied_sessions()
    queryset = Session.objects.filter(pk__in=[s.pk for s in sessions]).order_by("pk")
    arguments = {"language": language, "name": "n", "description": "d", "site_url": settings.SITE_URL}

    lean = calendar.build_publish_calendar(
        fetch_calendar_sessions(queryset, language=language), calendar_id="c", **arguments
    )
    full = calendar.build_publish_calendar(list(queryset.with_speakers()), calendar_id="c", **arguments)

    assert lean == full
    moderator = "Moderator" if language == "en" else "Модератор"
    assert f"({moderator})".encode() in lean.replace(b"\r\n ", b"")


def test_vtimezones_come_in_tzid_order_whatever_the_set_order():
    for zone_name in ("Europe/Copenhagen", "Asia/Almaty", "America/Sao_Paulo", "Asia/Kamchatka"):
        SessionFactory(timezone=zone_name)

    lines = unfolded_lines(build_series_feed(SeriesFactory(), language="en"))

    tzids = [line.removeprefix("TZID:") for line in lines if line.startswith("TZID:")]
    assert tzids == ["America/Sao_Paulo", "Asia/Almaty", "Asia/Kamchatka", "Europe/Copenhagen"]


def test_a_zone_written_as_utc_needs_no_vtimezone():
    SessionFactory(timezone="Atlantic/Reykjavik", starts_at=dt.datetime(2025, 1, 9, 12, tzinfo=UTC))

    lines = unfolded_lines(build_series_feed(SeriesFactory(), language="en"))

    assert "DTSTART:20250109T120000Z" in lines
    assert "BEGIN:VTIMEZONE" not in lines


# Zones with summer time in either hemisphere, without it (the search used to run to year 9999
# after their last change), with odd offsets, changes of standard offset, and an unknown name.
VTIMEZONE_CASES = [
    "Europe/Copenhagen",
    "Europe/Dublin",
    "Europe/London",
    "Europe/Moscow",
    "Atlantic/Azores",
    "Asia/Almaty",
    "Asia/Tashkent",
    "Asia/Vladivostok",
    "Asia/Kamchatka",
    "Asia/Kathmandu",
    "Asia/Tehran",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "America/St_Johns",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Pacific/Apia",
    "Africa/Casablanca",
    "Etc/GMT-5",
    "UTC",
    "No/Such_Zone",
]


@pytest.mark.parametrize("zone_name", VTIMEZONE_CASES)
@pytest.mark.parametrize(("first_year", "last_year"), [(2023, 2027), (2010, 2040)])
def test_vtimezones_match_icalendars_own(zone_name, first_year, last_year):
    from icalendar import Timezone

    try:
        reference = Timezone.from_tzid(
            zone_name, first_date=dt.date(first_year, 1, 1), last_date=dt.date(last_year, 1, 1)
        )
    except ValueError:
        expected = b""
    else:
        for observance in reference.subcomponents:
            ics.split_rdates(observance)
        expected = reference.to_ical()

    assert ics.vtimezone(zone_name, first_year, last_year) == expected
