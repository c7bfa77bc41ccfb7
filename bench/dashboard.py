"""Benchmark of the organisers' dashboard: server time and query count at the series' scale.

Builds 100 sessions (70 in the past twelve months, 30 upcoming) with 3,000 registrations each
(300,000 rows; 3,000 people, each registering for every session; confirmed, waitlisted,
cancelled and promoted ones; about 55 % of past confirmed places attended, most of those with a
certificate) with bulk_create, then counts the dashboard's tallies from the rows, in a throwaway
SQLite database or the database of DATABASE_URL, which must be disposable (a second run reuses
the data it finds there). Then requests the dashboard (default filter, so all 100 sessions) with
Django's test Client as a signed-in organiser and prints the query count and the median and p95
server time, for the page in English and in Russian and for the CSV download.

    .venv/bin/python bench/dashboard.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/decoded_dash_bench \
        .venv/bin/python bench/dashboard.py
"""

import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "30"))
SESSION_COUNT = 100
PAST_COUNT = 70
REGISTRATIONS_PER_SESSION = 3000
CAPACITY = 2500
BATCH = 5000


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

    import registrations.dashboard_admin  # noqa: F401, PLC0415 (registers the dashboard before the URLconf loads)

    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    from events.models import Series  # noqa: PLC0415

    if Series.objects.filter(slug="bench-series").exists():
        print(f"reusing the data built by an earlier run, on {connection.vendor}")
    else:
        started = time.perf_counter()
        build_data()
        print(f"data built in {time.perf_counter() - started:.1f} s on {connection.vendor}")
    if connection.vendor == "postgresql":
        # VACUUM as well: building the data updates every registration once (created_at), which
        # leaves half the table dead and the visibility map empty until autovacuum runs; measure
        # the table as a running site has it, not as a bulk load leaves it.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

    client = Client()
    sign_in(client)
    pages = [
        ("dashboard (en)", "/en/admin/registrations/reportspermission/"),
        ("dashboard (ru)", "/ru/admin/registrations/reportspermission/"),
        ("dashboard CSV", "/en/admin/registrations/reportspermission/csv/"),
    ]
    print(f"{SESSION_COUNT} sessions × {REGISTRATIONS_PER_SESSION} registrations, {REQUESTS} requests per page")
    print(f"{'page':<16} {'status':>6} {'queries':>7} {'median ms':>9} {'p95 ms':>7}")
    for name, path in pages:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        query_count = len(queries)
        timings = []
        for _attempt in range(REQUESTS):
            reset_queries()
            started = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(f"{name:<16} {response.status_code:>6} {query_count:>7} {statistics.median(timings):>9.1f} {p95:>7.1f}")
    tmpdir.cleanup()


def sign_in(client) -> None:
    """An organiser who passed MFA in this session (the admin requires it)."""
    from allauth.account.internal.flows.login import (  # noqa: PLC0415
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from allauth.mfa.models import Authenticator  # noqa: PLC0415
    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from django.contrib.auth.models import Group  # noqa: PLC0415

    user, _created = get_user_model().objects.get_or_create(
        username="bench-organiser", defaults={"email": "bench@agency.example", "is_staff": True}
    )
    user.groups.add(Group.objects.get(name="Organisers"))
    Authenticator.objects.get_or_create(user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "x"}})
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "mfa", "at": time.time(), "type": "totp"}]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()


def build_data() -> None:
    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from django.db.models import F  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from events.models import Series, Session  # noqa: PLC0415
    from registrations.attendance_models import Attendance  # noqa: PLC0415
    from registrations.certificate_models import Certificate  # noqa: PLC0415
    from registrations.models import Profession, Registration  # noqa: PLC0415
    from registrations.report_flags import attended_condition, certified_condition  # noqa: PLC0415
    from registrations.report_tallies import rebuild_report_tallies  # noqa: PLC0415

    rng = random.Random(2024)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    series = Series.objects.create(
        slug="bench-series", title_en="Bench series", organiser_name_en="Agency", reply_to_email="a@agency.example"
    )
    sessions = []
    for index in range(SESSION_COUNT):
        days = -360 + index * 5 if index < PAST_COUNT else (index - PAST_COUNT + 1) * 3
        starts_at = now + dt.timedelta(days=days)
        sessions.append(
            Session(
                series=series,
                slug=f"bench-{index}",
                title_en=f"Bench session {index}",
                title_ru=f"Сессия {index}",
                summary_en="Bench.",
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(minutes=90),
                registration_opens_at=starts_at - dt.timedelta(days=30),
                capacity=CAPACITY,
                status="published",
            )
        )
    sessions = Session.objects.bulk_create(sessions)
    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [
            user_model(username=f"bench-{n}@example.invalid", email=f"bench-{n}@example.invalid", password="!")  # noqa: S106 (an unusable password)
            for n in range(REGISTRATIONS_PER_SESSION)
        ],
        batch_size=BATCH,
    )
    countries = ["KZ", "UZ", "UA", "GE", "AM", "DE", "GB", "PL", "TR", "FR", "IT", "ES", "NL", "DK", "SE", "MT", "IS"]
    professions = [choice.value for choice in Profession]
    pending: list[Registration] = []
    facts: list[tuple[bool, int]] = []  # per registration: is past, attended minutes (0: none)

    def flush() -> None:
        created = Registration.objects.bulk_create(pending, batch_size=BATCH)
        Attendance.objects.bulk_create(
            [
                Attendance(registration=registration, source="zoom", minutes=minutes)
                for registration, (_past, minutes) in zip(created, facts, strict=True)
                if minutes
            ],
            batch_size=BATCH,
        )
        Certificate.objects.bulk_create(
            [
                Certificate(
                    registration=registration,
                    language=registration.language,
                    printed_name="Bench",
                    printed_title="Bench",
                    session_date=registration.session.starts_at.date(),
                    minutes=minutes,
                )
                for registration, (_past, minutes) in zip(created, facts, strict=True)
                if minutes >= 45
            ],
            batch_size=BATCH,
        )
        pending.clear()
        facts.clear()

    for session in sessions:
        is_past = session.starts_at < now
        for position, user in enumerate(users):
            at = session.registration_opens_at + dt.timedelta(minutes=rng.randrange(30 * 24 * 60))
            status, confirmed_at, waitlisted_at, cancelled_at = "confirmed", at, None, None
            if position >= CAPACITY:
                status, confirmed_at, waitlisted_at = "waitlisted", None, at
                if rng.random() < 0.3:
                    status, confirmed_at = "confirmed", at + dt.timedelta(hours=5)
            if rng.random() < 0.06:
                status, cancelled_at = "cancelled", at + dt.timedelta(hours=2)
            minutes = rng.randint(5, 90) if is_past and status == "confirmed" and rng.random() < 0.55 else 0
            pending.append(
                Registration(
                    session=session,
                    user=user,
                    status=status,
                    full_name="Bench Person",
                    country=rng.choice(countries),
                    profession=rng.choice(professions),
                    language="ru" if rng.random() < 0.4 else "en",
                    privacy_notice_version="bench",
                    privacy_consent_at=at,
                    confirmed_at=confirmed_at,
                    waitlisted_at=waitlisted_at,
                    cancelled_at=cancelled_at,
                )
            )
            facts.append((is_past, minutes))
        if len(pending) >= BATCH * 4:
            flush()
    flush()
    Registration.objects.update(created_at=F("privacy_consent_at"))
    # A bulk load bypasses the services: set the stored flags and count the tallies from the rows
    # (refresh_report_flags would also move each row between tallies, one by one).
    Registration.objects.update(attended=attended_condition(), has_valid_certificate=certified_condition())
    rebuild_report_tallies()


if __name__ == "__main__":
    main()
