"""Session times: babel formatting in the announced zone and the viewer's, both zones named."""

import datetime as dt

import pytest
from babel.dates import format_date, format_time

from events.middleware import VIEWER_TIMEZONE_SESSION_KEY
from events.timefmt import _format_named_date, _parsed, format_moment, format_time_range, get_babel_locale
from tests.factories import SessionFactory

# "Cybersecurity in health care": 18 July 2024, 13:00-14:30 in Copenhagen (summer time).
# babel writes Russian years with a narrow no-break space (U+202F) before the abbreviation of
# "year", and ranges with an en dash (U+2013).
STARTS_AT = dt.datetime(2024, 7, 18, 11, 0, tzinfo=dt.UTC)
ENDS_AT = dt.datetime(2024, 7, 18, 12, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("zone", "language", "expected"),
    [
        ("Europe/Copenhagen", "en", "Thursday, 18 July 2024, 13:00\u201314:30 CEST"),
        (
            "Europe/Copenhagen",
            "ru",
            "четверг, 18 июля 2024\u202fг., 13:00\u201314:30 (Центральная Европа, летнее время)",
        ),
        ("Asia/Tashkent", "en", "Thursday, 18 July 2024, 16:00\u201317:30 Uzbekistan Standard Time"),
        ("Asia/Tashkent", "ru", "четверг, 18 июля 2024\u202fг., 16:00\u201317:30 (Узбекистан, стандартное время)"),
        ("Europe/London", "en", "Thursday, 18 July 2024, 12:00\u201313:30 BST"),
        ("Europe/Dublin", "en", "Thursday, 18 July 2024, 12:00\u201313:30 Irish Standard Time"),
        ("UTC", "en", "Thursday, 18 July 2024, 11:00\u201312:30 UTC"),
    ],
)
def test_format_time_range_names_the_zone(zone, language, expected):
    assert format_time_range(STARTS_AT, ENDS_AT, zone, language) == expected


def test_format_time_range_uses_winter_names_in_winter():
    starts_at = dt.datetime(2025, 1, 16, 11, 0, tzinfo=dt.UTC)

    text = format_time_range(starts_at, starts_at + dt.timedelta(minutes=90), "Europe/Copenhagen", "en")

    assert text == "Thursday, 16 January 2025, 12:00\u201313:30 CET"


def test_format_time_range_across_midnight_writes_both_dates():
    starts_at = dt.datetime(2024, 7, 18, 11, 0, tzinfo=dt.UTC)  # 23:00 in Kamchatka

    en = format_time_range(starts_at, starts_at + dt.timedelta(minutes=90), "Asia/Kamchatka", "en")
    ru = format_time_range(starts_at, starts_at + dt.timedelta(minutes=90), "Asia/Kamchatka", "ru")

    assert en == "Thursday, 18 July 2024, 23:00 \u2013 Friday, 19 July 2024, 00:30 Kamchatka Standard Time"
    assert ru == (
        "четверг, 18 июля 2024\u202fг., 23:00 \u2013 пятница, 19 июля 2024\u202fг., 00:30 "
        "(Петропавловск-Камчатский, стандартное время)"
    )


def test_format_moment_names_the_zone():
    assert format_moment(STARTS_AT, "Europe/Copenhagen", "en") == "18 July 2024, 13:00 CEST"
    assert format_moment(STARTS_AT, "Europe/Copenhagen", "ru") == (
        "18 июля 2024\u202fг., 13:00 (Центральная Европа, летнее время)"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "announced", "viewer"),
    [
        (
            "en",
            "Thursday, 18 July 2024, 13:00\u201314:30 CEST",
            "Thursday, 18 July 2024, 16:00\u201317:30 Uzbekistan Standard Time",
        ),
        (
            "ru",
            "четверг, 18 июля 2024\u202fг., 13:00\u201314:30 (Центральная Европа, летнее время)",
            "четверг, 18 июля 2024\u202fг., 16:00\u201317:30 (Узбекистан, стандартное время)",
        ),
    ],
)
def test_session_page_shows_announced_and_picked_viewer_zone(client, language, announced, viewer):
    SessionFactory(slug="cyber", starts_at=STARTS_AT, ends_at=ENDS_AT, timezone="Europe/Copenhagen")
    session = client.session
    session[VIEWER_TIMEZONE_SESSION_KEY] = "Asia/Tashkent"
    session.save()

    page = client.get(f"/{language}/sessions/cyber/").content.decode()

    assert f'<time datetime="2024-07-18T11:00:00+00:00">{announced}</time>' in page
    assert f'<time datetime="2024-07-18T16:00:00+05:00">{viewer}</time>' in page


@pytest.mark.django_db
def test_session_page_leaves_the_viewer_time_to_the_browser_when_no_zone_was_picked(client):
    SessionFactory(slug="cyber", starts_at=STARTS_AT, ends_at=ENDS_AT, timezone="Europe/Copenhagen")

    page = client.get("/ru/sessions/cyber/").content.decode()

    assert (
        '<time data-localtime datetime="2024-07-18T11:00:00+00:00" data-end="2024-07-18T12:30:00+00:00" '
        'data-locale="ru"></time>'
    ) in page
    assert 'data-announced-offset="120"' in page


@pytest.mark.django_db
def test_session_page_shows_no_second_time_when_the_picked_zone_has_the_same_offset(client):
    SessionFactory(slug="cyber", starts_at=STARTS_AT, ends_at=ENDS_AT, timezone="Europe/Copenhagen")
    session = client.session
    session[VIEWER_TIMEZONE_SESSION_KEY] = "Europe/Berlin"
    session.save()

    page = client.get("/en/sessions/cyber/").content.decode()

    assert page.count("<dt>Your time</dt>") == 0


@pytest.mark.parametrize("language", ["en", "ru"])
def test_hours_and_minutes_are_babels_in_every_site_language(language):
    moments = [dt.datetime(2024, 7, 18, hour, minute, tzinfo=dt.UTC) for hour in range(24) for minute in range(60)]

    ours = [format_moment(moment, "UTC", language).split(", ")[-1].split(" ")[0] for moment in moments]

    assert ours == [format_time(moment, "HH:mm", locale=get_babel_locale(language)) for moment in moments]


@pytest.mark.parametrize("locale", ["en_GB", "ru"])
@pytest.mark.parametrize("length", ["full", "long", "medium"])
def test_named_dates_are_babels_on_every_day(locale, length):
    parsed = _parsed(locale)
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=offset) for offset in range(366 * 16)]

    mismatches = [day for day in days if _format_named_date(day, length, parsed) != format_date(day, length, parsed)]

    assert mismatches == []
