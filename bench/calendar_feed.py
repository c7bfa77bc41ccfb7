"""Benchmark: the series calendar feed with 500 sessions, cold and cached.

Run: `.venv/bin/python bench/calendar_feed.py [--sessions 500] [--repeat 7]`

Self-contained: it creates a throwaway test database (in-memory SQLite by default, or a
`test_<name>` database next to the one DATABASE_URL names), fills it with one series of N public
sessions (two speakers each, alternating Europe/Copenhagen and Asia/Almaty, a tenth cancelled),
measures, prints a table and drops the database. Times are medians of `--repeat` runs.

Rows:
- build (cold): `build_series_feed()` alone: two queries and the icalendar work, no cache.
- response, cache miss: a full GET with an empty cache (version query, build, cache write).
- response, cached: a full GET served from the cache (series + version queries, no build).
- response, 304: a GET with the current ETag in If-None-Match (nothing read but the version).
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    import django  # noqa: PLC0415 (after the settings module is chosen)

    django.setup()
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import setup_test_environment  # noqa: PLC0415

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args.sessions, args.repeat)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def fill(count: int):
    from events.models import Series, Session, SessionSpeaker, Speaker  # noqa: PLC0415

    series = Series.objects.create(
        slug="decoding-data",
        title_en="Decoding data and digital health",
        title_ru="Расшифровка данных и цифрового здравоохранения",
        organiser_name_en="Regional Health Agency",
        organiser_name_ru="Региональное агентство здравоохранения",
        reply_to_email="webinars@agency.example",
    )
    speakers = Speaker.objects.bulk_create(
        Speaker(
            slug=f"speaker-{n}",
            name_en=f"Speaker Number{n}",
            name_ru=f"Докладчик Номер{n}",
            position_en="Chief information security officer",
            position_ru="Руководитель службы информационной безопасности",
            organisation_en="National Health Service",
            organisation_ru="Национальная служба здравоохранения",
        )
        for n in range(40)
    )
    start = dt.datetime(2024, 1, 4, 12, tzinfo=dt.UTC)
    sessions = Session.objects.bulk_create(
        Session(
            series=series,
            slug=f"session-{n}",
            title_en=f"Session {n}: protecting health data; encryption, access control",
            title_ru=f"Сессия {n}: защита данных здравоохранения; шифрование, управление доступом",
            summary_en="What every health organisation should know about protecting patient data. " * 3,
            summary_ru="Что должна знать каждая организация здравоохранения о защите данных пациентов. "
            * 3,
            starts_at=start + dt.timedelta(days=7 * n),
            ends_at=start + dt.timedelta(days=7 * n, minutes=90),
            timezone="Asia/Almaty" if n % 2 else "Europe/Copenhagen",
            interpretation_languages=["ru"],
            status=Session.Status.CANCELLED if n % 10 == 9 else Session.Status.PUBLISHED,
            join_url=f"https://meet.example.org/j/{n}",
        )
        for n in range(count)
    )
    SessionSpeaker.objects.bulk_create(
        SessionSpeaker(session=session, speaker=speakers[(n + k) % len(speakers)], order=k)
        for n, session in enumerate(sessions)
        for k in range(2)
    )
    return series


def timed(function, repeat: int) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples), result


def run(count: int, repeat: int) -> None:
    from django.core.cache import cache  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415

    from events.calendar_views import build_series_feed  # noqa: PLC0415

    series = fill(count)
    client = Client()
    rows = []
    for language in ("en", "ru"):
        url = f"/{language}/series/{series.slug}.ics"
        build_ms, content = timed(lambda language=language: build_series_feed(series, language=language), repeat)

        def miss(url=url):
            cache.clear()
            return client.get(url)

        miss_ms, response = timed(miss, repeat)
        assert response.status_code == 200  # noqa: S101
        hit_ms, cached = timed(lambda url=url: client.get(url), repeat * 3)
        assert cached.content == response.content  # noqa: S101
        etag = cached["ETag"]
        not_modified_ms, not_modified = timed(
            lambda url=url, etag=etag: client.get(url, headers={"If-None-Match": etag}), repeat * 3
        )
        assert not_modified.status_code == 304  # noqa: S101
        rows.append((language, len(content), build_ms, miss_ms, hit_ms, not_modified_ms))

    print(f"Series feed: {count} sessions, database {connection.vendor}, median of {repeat}+ runs (ms)")
    header = ("lang", "bytes", "build (cold)", "GET, cache miss", "GET, cached", "GET, 304")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for language, size, build_ms, miss_ms, hit_ms, not_modified_ms in rows:
        print(
            f"| {language} | {size:,} | {build_ms:.1f} | {miss_ms:.1f} | {hit_ms:.2f} | {not_modified_ms:.2f} |"
        )


if __name__ == "__main__":
    main()
