"""Public calendar files: one session and the series feed, in EN and RU, read by two parsers."""

import datetime as dt
import gzip
import zoneinfo

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.http import parse_http_date

from events import calendar, calendar_views
from events.calendar_views import FEED_BODY_KEY, build_series_feed
from events.models import Session, SessionSpeaker
from events.responses import accepts_gzip
from tests.events.icalcheck import (
    assert_no_email_address,
    assert_rfc5545_form,
    parse_with_icaljs,
    read_events,
    unfolded_lines,
    utc,
)
from tests.factories import SeriesFactory, SessionFactory, SessionSpeakerFactory, SpeakerFactory

pytestmark = pytest.mark.django_db

CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")
ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")
HOST = "127.0.0.1"


def at(zone, *args, fold=0):
    return dt.datetime(*args, tzinfo=zone).replace(fold=fold)


def make_session(starts_at, ends_at, zone_name="Europe/Copenhagen", **kwargs):
    return SessionFactory(starts_at=starts_at, ends_at=ends_at, timezone=zone_name, **kwargs)


# (start, end, zone): the zone cases the issue names, each on both sides of a change.
ZONE_CASES = {
    # The real first session of the strand: summer time.
    "copenhagen-summer": (at(CPH, 2024, 7, 18, 13), at(CPH, 2024, 7, 18, 14, 30), "Europe/Copenhagen"),
    # On the autumn changeover day, after the change (CET).
    "copenhagen-changeover-day": (at(CPH, 2025, 10, 26, 10), at(CPH, 2025, 10, 26, 11, 30), "Europe/Copenhagen"),
    # Crossing the changeover: starts 01:30 CEST, ends 03:30 CET (3 hours of real time).
    "copenhagen-crossing-back": (at(CPH, 2025, 10, 26, 1, 30), at(CPH, 2025, 10, 26, 3, 30), "Europe/Copenhagen"),
    # Starts in the repeated hour, at its second occurrence (02:30 CET = 01:30 UTC): written in UTC.
    "copenhagen-repeated-hour": (at(CPH, 2025, 10, 26, 2, 30, fold=1), at(CPH, 2025, 10, 26, 4), "Europe/Copenhagen"),
    # Ends in the repeated hour, at its first occurrence (02:30 CEST = 00:30 UTC): in UTC too, as
    # RFC 5545 and ical.js read an ambiguous local time differently.
    "copenhagen-repeated-hour-first": (
        at(CPH, 2025, 10, 26, 1),
        at(CPH, 2025, 10, 26, 2, 30),
        "Europe/Copenhagen",
    ),
    # Crossing the spring gap: 01:30 CET to 04:00 CEST.
    "copenhagen-crossing-forward": (at(CPH, 2025, 3, 30, 1, 30), at(CPH, 2025, 3, 30, 4), "Europe/Copenhagen"),
    # Almaty moved from +06 to +05 on 2024-03-01: the day before, the day after, and across it.
    "almaty-before": (at(ALMATY, 2024, 2, 29, 12), at(ALMATY, 2024, 2, 29, 13, 30), "Asia/Almaty"),
    "almaty-after": (at(ALMATY, 2024, 3, 1, 12), at(ALMATY, 2024, 3, 1, 13, 30), "Asia/Almaty"),
    "almaty-across": (at(ALMATY, 2024, 2, 29, 22, 30), at(ALMATY, 2024, 3, 1, 0, 30), "Asia/Almaty"),
}


def test_zone_cases_come_out_at_the_database_instants_in_both_parsers(client):
    sessions = {name: make_session(start, end, zone) for name, (start, end, zone) in ZONE_CASES.items()}
    files = [client.get(f"/en/sessions/{s.slug}.ics").content for s in sessions.values()]
    series_feed = client.get("/en/series/decoding-data.ics").content

    per_file = read_events(*files, series_feed)

    expected = {f"decoded-{s.pk}@{HOST}": (utc(s.starts_at), utc(s.ends_at)) for s in Session.objects.all()}
    for events in per_file[:-1]:
        assert len(events) == 1
        assert {e["uid"]: (e["start"], e["end"]) for e in events}.items() <= expected.items()
    assert {e["uid"]: (e["start"], e["end"]) for e in per_file[-1]} == expected


def test_zone_cases_have_the_instants_the_issue_names():
    # The expectations, written out once in UTC so a wrong fixture cannot hide a wrong file.
    instants = {name: (utc(start), utc(end)) for name, (start, end, _zone) in ZONE_CASES.items()}

    assert instants == {
        "copenhagen-summer": ("2024-07-18T11:00:00Z", "2024-07-18T12:30:00Z"),
        "copenhagen-changeover-day": ("2025-10-26T09:00:00Z", "2025-10-26T10:30:00Z"),
        "copenhagen-crossing-back": ("2025-10-25T23:30:00Z", "2025-10-26T02:30:00Z"),
        "copenhagen-repeated-hour": ("2025-10-26T01:30:00Z", "2025-10-26T03:00:00Z"),
        "copenhagen-repeated-hour-first": ("2025-10-25T23:00:00Z", "2025-10-26T00:30:00Z"),
        "copenhagen-crossing-forward": ("2025-03-30T00:30:00Z", "2025-03-30T02:00:00Z"),
        "almaty-before": ("2024-02-29T06:00:00Z", "2024-02-29T07:30:00Z"),
        "almaty-after": ("2024-03-01T07:00:00Z", "2024-03-01T08:30:00Z"),
        "almaty-across": ("2024-02-29T16:30:00Z", "2024-02-29T19:30:00Z"),
    }


def test_times_are_written_in_the_session_zone_with_its_vtimezone(client):
    start, end, zone = ZONE_CASES["almaty-after"]
    session = make_session(start, end, zone)

    lines = unfolded_lines(client.get(f"/en/sessions/{session.slug}.ics").content)

    assert "DTSTART;TZID=Asia/Almaty:20240301T120000" in lines
    assert "DTEND;TZID=Asia/Almaty:20240301T133000" in lines
    assert lines.count("BEGIN:VTIMEZONE") == 1
    assert "TZID:Asia/Almaty" in lines
    assert lines.index("BEGIN:VTIMEZONE") < lines.index("BEGIN:VEVENT")


def test_an_ambiguous_local_start_is_written_in_utc(client):
    start, end, zone = ZONE_CASES["copenhagen-repeated-hour"]
    session = make_session(start, end, zone)

    lines = unfolded_lines(client.get(f"/en/sessions/{session.slug}.ics").content)

    assert "DTSTART:20251026T013000Z" in lines
    assert "DTEND;TZID=Europe/Copenhagen:20251026T040000" in lines


def test_an_ambiguous_local_end_at_the_first_occurrence_is_written_in_utc_too(client):
    start, end, zone = ZONE_CASES["copenhagen-repeated-hour-first"]
    session = make_session(start, end, zone)

    content = client.get(f"/en/sessions/{session.slug}.ics").content
    lines = unfolded_lines(content)

    assert "DTSTART;TZID=Europe/Copenhagen:20251026T010000" in lines
    assert "DTEND:20251026T003000Z" in lines
    [events] = read_events(content)  # both parsers: the same instants
    assert (events[0]["start"], events[0]["end"]) == (utc(start), utc(end))


@pytest.mark.parametrize(
    ("language", "summary", "languages_line", "role"),
    [
        ("en", "Cybersecurity in health care", "In English, with interpretation into Russian.", "Moderator"),
        (
            "ru",
            "Кибербезопасность в здравоохранении",
            "На английском языке с синхронным переводом на русский.",
            "Модератор",
        ),
    ],
)
def test_session_file_in_each_language(client, language, summary, languages_line, role):
    session = make_session(
        at(CPH, 2024, 7, 18, 13),
        at(CPH, 2024, 7, 18, 14, 30),
        slug="cybersecurity-in-health-care",
        title_en="Cybersecurity in health care",
        title_ru="Кибербезопасность в здравоохранении",
    )
    speaker = SpeakerFactory(name_en="Anna Petrova", name_ru="Анна Петрова")
    SessionSpeakerFactory(session=session, speaker=speaker, role=SessionSpeaker.Role.MODERATOR)

    response = client.get(f"/{language}/sessions/cybersecurity-in-health-care.ics")

    from icalendar import Calendar

    event = Calendar.from_ical(response.content).events[0]
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="cybersecurity-in-health-care.ics"'
    assert str(event["SUMMARY"]) == summary
    assert str(event["URL"]) == f"{settings.SITE_URL}/{language}/sessions/cybersecurity-in-health-care/"
    assert str(event["UID"]) == f"decoded-{session.pk}@{HOST}"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["SEQUENCE"] == 0
    assert event["DTSTAMP"].dt == session.updated_at.replace(microsecond=0)
    assert event["LAST-MODIFIED"].dt == session.updated_at.replace(microsecond=0)
    description = str(event["DESCRIPTION"])
    assert languages_line in description.split("\n\n")
    name = "Anna Petrova" if language == "en" else "Анна Петрова"
    assert f"{name} ({role}), {speaker.position}, {speaker.organisation}" in description.split("\n")
    assert_rfc5545_form(response.content)


def test_draft_session_file_is_404(client):
    session = SessionFactory(status=Session.Status.DRAFT)

    assert client.get(f"/en/sessions/{session.slug}.ics").status_code == 404


def test_title_with_special_characters_round_trips_escaped(client):
    title = "Data; security, and \\ backslashes\nsecond line"
    session = SessionFactory(title_en=title, summary_en="Комментарии, «кавычки»; и \\ обратная черта")

    content = client.get(f"/en/sessions/{session.slug}.ics").content

    from icalendar import Calendar

    event = Calendar.from_ical(content).events[0]
    assert str(event["SUMMARY"]) == title
    assert "SUMMARY:Data\\; security\\, and \\\\ backslashes\\nsecond line" in unfolded_lines(content)
    assert str(event["DESCRIPTION"]).startswith("Комментарии, «кавычки»; и \\ обратная черта\n\n")
    [js_file] = parse_with_icaljs(content)
    assert js_file["events"][0]["summary"] == title


def test_long_russian_text_folds_without_splitting_characters(client):
    session = SessionFactory(
        title_ru="Защита персональных данных пациентов в цифровом здравоохранении: шифрование и доступ",
        summary_ru="Ёмкий обзор " * 40,
    )

    content = client.get(f"/ru/sessions/{session.slug}.ics").content

    assert_rfc5545_form(content)
    assert max(len(line) for line in content.split(b"\r\n")) == 75 or b"\r\n " in content
    [events] = read_events(content)
    assert events[0]["uid"] == f"decoded-{session.pk}@{HOST}"


@pytest.mark.parametrize(
    ("language", "name", "description"),
    [
        ("en", "Decoding data and digital health", "Sessions of the webinar series"),
        ("ru", "Расшифровка данных и цифрового здравоохранения", "Сессии вебинарной серии"),
    ],
)
def test_series_feed_in_each_language(client, language, name, description):
    published = SessionFactory()
    cancelled = SessionFactory(status=Session.Status.CANCELLED, cancellation_note_en="Moved to spring.")
    SessionFactory(status=Session.Status.DRAFT)

    response = client.get(f"/{language}/series/decoding-data.ics")

    from icalendar import Calendar

    feed = Calendar.from_ical(response.content)
    lines = unfolded_lines(response.content)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert str(feed["METHOD"]) == "PUBLISH"
    assert str(feed["X-WR-CALNAME"]) == name
    assert str(feed["NAME"]) == name
    assert str(feed["X-WR-CALDESC"]).startswith(description)
    assert str(feed["DESCRIPTION"]).startswith(description)
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H" in lines
    assert "X-PUBLISHED-TTL:PT6H" in lines
    statuses = {str(e["UID"]): str(e["STATUS"]) for e in feed.events}
    assert statuses == {
        f"decoded-{published.pk}@{HOST}": "CONFIRMED",
        f"decoded-{cancelled.pk}@{HOST}": "CANCELLED",
    }
    assert_rfc5545_form(response.content)
    read_events(response.content)


def test_no_join_url_and_no_email_address_in_public_files(client):
    sessions = [SessionFactory(), SessionFactory(status=Session.Status.CANCELLED)]
    for session in sessions:
        SessionSpeakerFactory(session=session)
    contents = [client.get(f"/{lang}/sessions/{s.slug}.ics").content for s in sessions for lang in ("en", "ru")]
    contents += [client.get(f"/{lang}/series/decoding-data.ics").content for lang in ("en", "ru")]

    for content in contents:
        for session in sessions:
            assert session.join_url.encode() not in content
            assert b"meet.example.org" not in content
        assert b"webinars@agency.example" not in content
        assert b"no-reply@" not in content
        assert_no_email_address(content)


def test_series_feed_conditional_get(client):
    SessionFactory()
    first = client.get("/en/series/decoding-data.ics")

    by_etag = client.get("/en/series/decoding-data.ics", headers={"If-None-Match": first["ETag"]})
    by_date = client.get("/en/series/decoding-data.ics", headers={"If-Modified-Since": first["Last-Modified"]})
    other_language = client.get("/ru/series/decoding-data.ics", headers={"If-None-Match": first["ETag"]})

    assert first.status_code == 200
    assert (by_etag.status_code, by_etag.content, by_etag["ETag"]) == (304, b"", first["ETag"])
    assert by_date.status_code == 304
    assert other_language.status_code == 200


def test_series_feed_changes_etag_when_a_session_changes(client, django_capture_on_commit_callbacks):
    session = SessionFactory()
    first = client.get("/en/series/decoding-data.ics")
    session.title_en = "A new title"
    with django_capture_on_commit_callbacks(execute=True):  # the content version moves on commit
        session.save()

    second = client.get("/en/series/decoding-data.ics", headers={"If-None-Match": first["ETag"]})

    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    assert b"A new title" in second.content


def test_series_feed_changes_when_a_speaker_is_renamed(client, django_capture_on_commit_callbacks):
    link = SessionSpeakerFactory()
    first = client.get("/en/series/decoding-data.ics")
    link.speaker.name_en = "Renamed Person"
    with django_capture_on_commit_callbacks(execute=True):
        link.speaker.save()

    second = client.get("/en/series/decoding-data.ics", headers={"If-None-Match": first["ETag"]})

    assert second.status_code == 200
    assert b"Renamed Person" in second.content.replace(b"\r\n ", b"")


def test_series_feed_stays_304_after_a_change_that_leaves_it_as_it_was(client, django_capture_on_commit_callbacks):
    SessionFactory()
    draft = SessionFactory(status=Session.Status.DRAFT)
    first = client.get("/en/series/decoding-data.ics")
    draft.title_en = "Still a draft"
    with django_capture_on_commit_callbacks(execute=True):  # the content version moves: the feed is built again
        draft.save()

    again = client.get("/en/series/decoding-data.ics", headers={"If-None-Match": first["ETag"]})

    assert (again.status_code, again["ETag"], again["Last-Modified"]) == (304, first["ETag"], first["Last-Modified"])


def test_series_feed_withdrawn_session_moves_etag_and_last_modified(client, django_capture_on_commit_callbacks):
    kept, withdrawn = SessionFactory(), SessionFactory()
    first = client.get("/en/series/decoding-data.ics")
    withdrawn.status = Session.Status.DRAFT
    with django_capture_on_commit_callbacks(execute=True):
        withdrawn.save()

    second = client.get("/en/series/decoding-data.ics", headers={"If-Modified-Since": first["Last-Modified"]})

    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    assert parse_http_date(second["Last-Modified"]) > parse_http_date(first["Last-Modified"])
    assert [e["uid"] for e in read_events(second.content)[0]] == [f"decoded-{kept.pk}@{HOST}"]


def test_series_feed_bytes_evicted_from_the_cache_are_built_again(client, django_assert_num_queries):
    SessionFactory()
    first = client.get("/en/series/decoding-data.ics")
    cache.delete(FEED_BODY_KEY.format(etag=first["ETag"].strip('"')))
    calendar_views._recent_bodies.clear()  # as in another process

    with django_assert_num_queries(3):  # series, sessions, speakers (none)
        again = client.get("/en/series/decoding-data.ics")

    assert (again.status_code, again["ETag"], again["Last-Modified"]) == (200, first["ETag"], first["Last-Modified"])
    assert again.content == first.content


def test_series_feed_bytes_come_from_process_memory_once_served(client, django_assert_num_queries):
    SessionFactory()
    first = client.get("/en/series/decoding-data.ics")
    cache.delete(FEED_BODY_KEY.format(etag=first["ETag"].strip('"')))  # only the small record is read

    with django_assert_num_queries(0):
        again = client.get("/en/series/decoding-data.ics")

    assert (again.status_code, again.content) == (200, first.content)


GZIP = {"Accept-Encoding": "gzip, deflate, br"}  # as browsers and calendar apps send it


def test_series_feed_is_gzipped_for_clients_that_accept_it(client):
    session = make_session(
        at(CPH, 2030, 3, 5, 13), at(CPH, 2030, 3, 5, 14, 30), title_en="Data quality, 2026: what “good” means"
    )
    SessionSpeakerFactory.create_batch(2, session=session)
    for day in (12, 19, 26):  # a feed of a few sessions, as a series has
        make_session(at(CPH, 2030, 3, day, 13), at(CPH, 2030, 3, day, 14, 30))
    plain = client.get("/en/series/decoding-data.ics")

    zipped = client.get("/en/series/decoding-data.ics", headers=GZIP)

    content = gzip.decompress(zipped.content)
    assert zipped.status_code == 200
    assert zipped["Content-Encoding"] == "gzip"
    assert content == plain.content
    assert len(zipped.content) < len(plain.content) / 2
    assert zipped["Content-Type"] == plain["Content-Type"]
    assert zipped["Last-Modified"] == plain["Last-Modified"]
    # A strong validator names one representation: the gzipped bytes have their own.
    assert zipped["ETag"] == plain["ETag"][:-1] + '-gzip"'
    for response in (plain, zipped):
        assert "Accept-Encoding" in response["Vary"]
    assert "Content-Encoding" not in plain
    [events] = read_events(content)  # both parsers
    assert len(events) == 4
    assert events[0]["uid"] == f"decoded-{session.pk}@{HOST}"
    [js_file] = parse_with_icaljs(content)
    assert js_file["events"][0]["summary"] == "Data quality, 2026: what “good” means"


def test_gzipped_series_feed_conditional_get(client):
    SessionFactory()
    zipped = client.get("/en/series/decoding-data.ics", headers=GZIP)

    again = client.get("/en/series/decoding-data.ics", headers={**GZIP, "If-None-Match": zipped["ETag"]})
    as_plain = client.get("/en/series/decoding-data.ics", headers={"If-None-Match": zipped["ETag"]})

    assert (again.status_code, again.content, again["ETag"]) == (304, b"", zipped["ETag"])
    assert "Accept-Encoding" in again["Vary"]
    assert (as_plain.status_code, "Content-Encoding" in as_plain) == (200, False)


def test_gzipped_series_feed_is_compressed_once_and_kept(client, django_assert_num_queries):
    SessionFactory()
    first = client.get("/en/series/decoding-data.ics", headers=GZIP)
    plain_etag = first["ETag"].strip('"').removesuffix("-gzip")
    # Another process: nothing in its memory, and the plain bytes gone from the cache.
    calendar_views._recent_bodies.clear()
    cache.delete(FEED_BODY_KEY.format(etag=plain_etag))

    with django_assert_num_queries(0):  # not built again: the gzipped bytes come from the cache
        again = client.get("/en/series/decoding-data.ics", headers=GZIP)

    assert (again.status_code, again.content) == (200, first.content)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", False),
        ("gzip", True),
        ("GZIP", True),
        ("x-gzip", True),
        ("deflate, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0, *", False),
        ("identity", False),
        ("br, *", True),
        ("*;q=0", False),
        ("gzip;q=nonsense", False),
    ],
)
def test_accepts_gzip_reads_the_weights(rf, header, expected):
    request = rf.get("/", headers={"Accept-Encoding": header} if header else {})

    assert accepts_gzip(request) is expected


def test_unknown_series_feed_is_404(client):
    SessionFactory()

    assert client.get("/en/series/no-such-series.ics").status_code == 404


def test_session_file_conditional_get(client):
    session = SessionFactory()
    first = client.get(f"/en/sessions/{session.slug}.ics")

    again = client.get(f"/en/sessions/{session.slug}.ics", headers={"If-None-Match": first["ETag"]})

    assert again.status_code == 304
    assert first["Last-Modified"] == again["Last-Modified"]


@pytest.mark.parametrize("item_count", [1, 3])
def test_series_feed_query_count(client, django_assert_num_queries, item_count):
    for index in range(item_count):
        session = SessionFactory(starts_at=timezone.now() + dt.timedelta(days=index + 1))
        SessionSpeakerFactory.create_batch(2, session=session)

    # series, sessions, their speakers (the content version is read from the cache)
    with django_assert_num_queries(3):
        cold = client.get("/en/series/decoding-data.ics")
    # the feed's record and bytes come from the cache
    with django_assert_num_queries(0):
        warm = client.get("/en/series/decoding-data.ics")

    assert cold.content == warm.content
    assert len(read_events(cold.content)[0]) == item_count


def test_series_feed_is_built_once_per_change_and_language(client, django_assert_num_queries):
    SessionFactory.create_batch(3)
    client.get("/en/series/decoding-data.ics")

    with django_assert_num_queries(3):  # series, sessions, speakers (none)
        client.get("/ru/series/decoding-data.ics")
    with django_assert_num_queries(0):
        warm = client.get("/ru/series/decoding-data.ics")
        not_modified = client.get("/ru/series/decoding-data.ics", headers={"If-None-Match": warm["ETag"]})

    assert (warm.status_code, not_modified.status_code) == (200, 304)


def test_builders_give_the_same_bytes_for_the_same_data():
    SessionSpeakerFactory.create_batch(2)
    series = SeriesFactory()

    assert build_series_feed(series, language="ru") == build_series_feed(series, language="ru")


def test_invite_sequence_stays_monotonic_across_cancel_and_register_again():
    session = SessionFactory.build(sequence=4, status=Session.Status.PUBLISHED)

    first_request = calendar.invite_sequence(session, earlier_registrations=0, method="REQUEST")
    own_cancel = calendar.invite_sequence(session, earlier_registrations=0, method="CANCEL")
    second_request = calendar.invite_sequence(session, earlier_registrations=1, method="REQUEST")

    assert (first_request, own_cancel, second_request) == (4, 5, 6)
