"""Benchmark of the public pages: query count and median server time per page.

Builds 100 sessions (half past, half upcoming, 3 speakers each) and 50 speakers in a throwaway
SQLite database (or the database of DATABASE_URL, which must be disposable), then requests each
page 50 times with Django's test Client and prints a table. Run: `.venv/bin/python bench/public_pages.py`.
"""

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REQUESTS_PER_PAGE = int(os.environ.get("BENCH_REQUESTS", "50"))
SESSION_COUNT = 100
SPEAKER_COUNT = 50


def main() -> None:
    tmpdir = tempfile.TemporaryDirectory()
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmpdir.name) / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_LOG_LEVEL"] = "ERROR"

    import django  # noqa: PLC0415 (after the environment is set)

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415
    from django.db import connection, reset_queries  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: PLC0415

    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    build_data()

    client = Client()
    pages = [
        ("home", "/en/"),
        ("home (ru)", "/ru/"),
        ("session list", "/en/sessions/"),
        ("past sessions", "/en/sessions/past/"),
        ("session detail", "/en/sessions/bench-session-75/"),
        ("speaker list", "/en/speakers/"),
        ("speaker detail", "/ru/speakers/bench-speaker-7/"),
        ("zone picker", "/ru/timezone/"),
        ("sitemap", "/sitemap.xml"),
    ]
    print(f"{SESSION_COUNT} sessions, {SPEAKER_COUNT} speakers, {REQUESTS_PER_PAGE} requests per page")
    print(f"{'page':<16} {'path':<32} {'status':>6} {'queries':>7} {'median ms':>9} {'p90 ms':>7}")
    for name, path in pages:
        timings = []
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        query_count = len(queries)  # read now: reset_queries() below empties the log it slices
        for _attempt in range(REQUESTS_PER_PAGE):
            reset_queries()
            started = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
        p90 = statistics.quantiles(timings, n=10)[-1]
        print(
            f"{name:<16} {path:<32} {response.status_code:>6} {query_count:>7}"
            f" {statistics.median(timings):>9.1f} {p90:>7.1f}"
        )
    tmpdir.cleanup()


def build_data() -> None:
    from django.utils import timezone  # noqa: PLC0415

    from events.models import Series, Session, SessionSpeaker, Speaker  # noqa: PLC0415

    series = Series.objects.create(
        slug="bench",
        title_en="Decoding data and digital health",
        title_ru="Расшифровка данных и цифрового здравоохранения",
        organiser_name_en="Regional Health Agency",
        reply_to_email="webinars@agency.example",
    )
    speakers = Speaker.objects.bulk_create(
        Speaker(slug=f"bench-speaker-{n}", name_en=f"Speaker Number{n}", name_ru=f"Докладчик Номер{n}", bio_en="Bio.")
        for n in range(SPEAKER_COUNT)
    )
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    sessions = Session.objects.bulk_create(
        Session(
            series=series,
            slug=f"bench-session-{n}",
            title_en=f"Session {n} on health data",
            title_ru=f"Сессия {n} о данных здравоохранения",
            summary_en="What every health organisation should know.",
            starts_at=now + dt.timedelta(days=n - SESSION_COUNT // 2),
            ends_at=now + dt.timedelta(days=n - SESSION_COUNT // 2, minutes=90),
            interpretation_languages=["ru"],
            status=Session.Status.PUBLISHED,
            join_url=f"https://meet.example.org/j/{n}",
        )
        for n in range(SESSION_COUNT)
    )
    SessionSpeaker.objects.bulk_create(
        SessionSpeaker(session=session, speaker=speakers[(index + offset) % SPEAKER_COUNT], order=offset)
        for index, session in enumerate(sessions)
        for offset in range(3)
    )


if __name__ == "__main__":
    main()
