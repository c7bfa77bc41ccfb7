"""Benchmark: the series calendar feed with 500 sessions, cold and cached.

Run: `.venv/bin/python bench/calendar_feed.py [--sessions 500] [--repeat 7] [--production]`

Self-contained: it creates a throwaway test database (in-memory SQLite by default, or a
`test_<name>` database next to the one DATABASE_URL names), fills it with one series of N public
sessions (two speakers each, alternating Europe/Copenhagen and Asia/Almaty, a tenth cancelled),
measures, prints a table and drops the database. Times are medians of `--repeat` runs, wall and this process's CPU. It clears
the configured cache (REDIS_URL: use a Redis database of your own).

`--production` runs the production configuration (DJANGO_ENV=production and the other variables
of `bench.prodstack.production_env`, with throwaway secrets) on the DATABASE_URL and REDIS_URL
given, e.g. `DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> REDIS_URL=redis://127.0.0.1:6379/<n>`.

Rows:
- build, first in process: the first `build_series_feed()` of this process after
  `config.warmup.warm_up()`, as in a fresh gunicorn worker (its VTIMEZONEs and first queries).
- build (cold): `build_series_feed()` alone, later calls: two queries and the writing, no cache
  (the time ranges' per-process memo is cleared before each: a fresh worker has none).
- GET, cache miss: a full GET with an empty cache (version, series, build, cache write; the time
  ranges' memo cleared too).
- GET, cached: a full GET served from the cache (version and record in one read; the bytes from
  this process's memory).
- GET, 304: a GET with the current ETag in If-None-Match (version and record only).

`--gunicorn N` measures instead what `make bench` calls the cold build: N times, a freshly started
gunicorn (config/gunicorn.conf.py, preloaded and warmed up as in production, on the loopback port
`--port`) answers its first GET of /en/series/<slug>.ics with the Redis database of REDIS_URL
flushed before. It needs a database already filled by bench/bench_data.py (series "bench"):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> REDIS_URL=redis://127.0.0.1:6379/<n> \
        python bench/calendar_feed.py --gunicorn 7 --port 8800

Each start prints the wall time of the request and the CPU the workers spent meanwhile (all of
them: any may take the request; the others idle).
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
    parser.add_argument("--production", action="store_true", help="the production configuration (see above)")
    parser.add_argument("--gunicorn", type=int, default=0, metavar="N", help="N cold first requests (see above)")
    parser.add_argument("--port", type=int, default=8800)
    parser.add_argument("--slug", default="bench")
    args = parser.parse_args()
    if args.gunicorn:
        if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
            parser.error("--gunicorn needs DATABASE_URL and REDIS_URL")
        run_gunicorn(args.gunicorn, port=args.port, slug=args.slug)
        return
    if args.production:
        from bench.prodstack import production_env  # noqa: PLC0415

        if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
            parser.error("--production needs DATABASE_URL and REDIS_URL")
        os.environ.update(production_env(os.environ["DATABASE_URL"], REDIS_URL=os.environ["REDIS_URL"]))

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
            summary_ru="Что должна знать каждая организация здравоохранения о защите данных пациентов. " * 3,
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


def timed_cpu(function, repeat: int) -> tuple[float, float, object]:
    """Median wall and median CPU time of this process in ms (the CPU figure is what other
    processes on a shared machine disturb least; the database's own work is not in it)."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        began, cpu_began = time.perf_counter(), time.process_time()
        result = function()
        cpus.append((time.process_time() - cpu_began) * 1000)
        walls.append((time.perf_counter() - began) * 1000)
    return statistics.median(walls), statistics.median(cpus), result


def run(count: int, repeat: int) -> None:
    from django.conf import settings  # noqa: PLC0415
    from django.core.cache import cache  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415

    from config.warmup import warm_up  # noqa: PLC0415
    from events import timefmt  # noqa: PLC0415
    from events.calendar_views import build_series_feed  # noqa: PLC0415

    def forget_time_ranges() -> None:
        getattr(timefmt.format_time_range, "cache_clear", lambda: None)()

    series = fill(count)
    warm_up()
    client = Client()
    # Production redirects plain HTTP to HTTPS (behind the TLS proxy): ask as if through it.
    secure = {"secure": True} if settings.SECURE_SSL_REDIRECT else {}
    first_ms, first_cpu_ms, _content = timed_cpu(lambda: build_series_feed(series, language="en"), 1)
    rows = []
    for language in ("en", "ru"):
        url = f"/{language}/series/{series.slug}.ics"

        def build(language=language):
            forget_time_ranges()
            return build_series_feed(series, language=language)

        build_ms, build_cpu_ms, content = timed_cpu(build, repeat)

        def miss(url=url):
            cache.clear()
            forget_time_ranges()
            return client.get(url, **secure)

        miss_ms, miss_cpu_ms, response = timed_cpu(miss, repeat)
        assert response.status_code == 200, response.status_code  # noqa: S101
        hit_ms, hit_cpu_ms, cached = timed_cpu(lambda url=url: client.get(url, **secure), repeat * 3)
        assert cached.content == response.content  # noqa: S101
        etag = cached["ETag"]
        not_modified_ms, not_modified_cpu_ms, not_modified = timed_cpu(
            lambda url=url, etag=etag: client.get(url, headers={"If-None-Match": etag}, **secure), repeat * 3
        )
        assert not_modified.status_code == 304  # noqa: S101
        rows.append(
            (
                language,
                len(content),
                (build_ms, build_cpu_ms),
                (miss_ms, miss_cpu_ms),
                (hit_ms, hit_cpu_ms),
                (not_modified_ms, not_modified_cpu_ms),
            )
        )

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"Series feed: {count} sessions, database {connection.vendor}, cache {settings.CACHES['default']['BACKEND']}, "
        f"DEBUG {settings.DEBUG}; median of {repeat}+ runs (ms); load average {load}"
    )
    print(f"First build after the warm-up (VTIMEZONEs, first queries): {first_ms:.1f} ms ({first_cpu_ms:.1f} CPU)")
    header = ("lang", "bytes", "build (cold)", "GET, cache miss", "GET, cached", "GET, 304")
    print("Each cell: wall ms / CPU ms of this process.")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for language, size, *cells in rows:
        print(f"| {language} | {size:,} | " + " | ".join(f"{wall:.2f} / {cpu:.2f}" for wall, cpu in cells) + " |")


def run_gunicorn(starts: int, *, port: int, slug: str) -> None:
    from bench.prodstack import Gunicorn, flush_redis, http_get, production_env  # noqa: PLC0415

    redis_url = os.environ["REDIS_URL"]
    env = production_env(os.environ["DATABASE_URL"], REDIS_URL=redis_url)
    walls, cpus = [], []
    for _ in range(starts):
        flush_redis(int(redis_url.rsplit("/", 1)[1]))
        with Gunicorn(env, port=port) as server:
            cpu_before = workers_cpu_ms(server.process.pid)
            began = time.perf_counter()
            status, _headers, body = http_get(f"{server.base}/en/series/{slug}.ics")
            walls.append((time.perf_counter() - began) * 1000)
            cpus.append(workers_cpu_ms(server.process.pid) - cpu_before)
        print(
            f"status {status}, {len(body):,} bytes: {walls[-1]:.1f} ms wall, workers' CPU {cpus[-1]:.0f} ms", flush=True
        )
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"Cold first request, {starts} fresh starts: median {statistics.median(walls):.1f} ms wall "
        f"(min {min(walls):.1f}), workers' CPU median {statistics.median(cpus):.0f} ms; load average {load}"
    )


def workers_cpu_ms(master: int) -> float:
    """The user and system CPU of the master's children so far, in ms (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == master:  # ppid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total * 1000 / ticks


if __name__ == "__main__":
    main()
