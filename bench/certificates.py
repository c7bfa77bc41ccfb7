"""Certificate rendering, naive against ours, side by side in one run; or the whole pipeline.

    .venv/bin/python bench/certificates.py [--count 1000] [--workers 2]
    .venv/bin/python bench/certificates.py --end-to-end [--people 3000] [--workers 2]

Renders `count` certificates (half English, half Russian, varied names and titles) three ways,
each in fresh processes so their memory peaks are their own:

- naive: one `HTML(string=…).write_pdf()` per certificate with the stylesheet inline, so
  WeasyPrint re-parses the CSS and re-loads the fonts every time;
- ours, one process: `registrations.certificates.render_certificate_pdf` (one parsed CSS and one
  FontConfiguration per process);
- ours, `--workers` processes: the shipped configuration for a 2-core machine (two
  `manage.py db_worker` processes), measured as wall-clock time for all certificates.

Prints ms per certificate, the ratio to naive, peak RSS per process, PDF sizes, and whether
HarfBuzz's subsetter is loaded.

`--end-to-end` mirrors bench/run.py's `bench_certificates` against its own scratch database
(`--database`, default decoded_cert_bench; Redis db 14; PDFs in a temporary folder): `people`
attendees of a past session (as bench/bench_data.py makes them), `request_certificates`, then
`--workers` `manage.py db_worker` processes started with the shipped arguments (WORKER_ARGS,
as in docs/deploy.md). Prints the seconds until every certificate row exists (worker start-up
included, as bench/run.py counts), until every task (the emails too) has finished, the CPU time
per certificate of the workers and of their PostgreSQL backends, and where each worker's time
went: on a CPU, waiting for one (other processes on the machine), or blocked (database, disk,
idle). On a shared machine the wall-clock figure mostly measures the neighbours; the CPU-bound
floor printed last (all that CPU spread over the workers' cores) is what the code costs.
"""

import argparse
import contextlib
import itertools
import os
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

NAMES = {
    "en": ["Aigerim Sadykova", "Dr John A. Smith", "Maria-Luisa Fernández", "Nino Beridze", "Ayşe Demir"],
    "ru": ["Анна Сергеевна Петрова", "Иван Иванов", "Гульнара Ахметова", "Дмитрий Сергеевич Ким", "Ольга Кузнецова"],
}
TITLES = {
    "en": ["Cybersecurity in health care", "Data encryption for hospitals: a practical guide"],
    "ru": ["Кибербезопасность в здравоохранении", "Шифрование данных в больницах: практическое руководство"],
}


def _setup():
    import logging  # noqa: PLC0415

    import django  # noqa: PLC0415

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)


def build_data(index: int):
    from registrations.certificate_models import group_code, new_certificate_code  # noqa: PLC0415
    from registrations.certificates import CertificateData, build_qr, format_minutes  # noqa: PLC0415

    language = "en" if index % 2 == 0 else "ru"
    code = new_certificate_code()
    url = f"https://decoded.example/{language}/verify/{group_code(code)}/"
    return CertificateData(
        language=language,
        name=NAMES[language][index % 5],
        session_title=TITLES[language][index % 2],
        series_title=(
            "Decoding data and digital health" if language == "en" else "Расшифровка данных и цифрового здравоохранения"
        ),
        organiser_name="Regional Health Agency" if language == "en" else "Региональное агентство здравоохранения",
        date_text="18 July 2024" if language == "en" else "18 июля 2024\u202fг.",
        minutes_text=format_minutes(45 + index % 46, language),
        code=group_code(code),
        verify_url=url,
        qr=build_qr(url),
    )


def render_naive(data) -> bytes:
    """Everything rebuilt each time: the CSS inline in the HTML, fonts loaded per document."""
    from weasyprint import HTML

    from registrations.certificates import ASSETS_DIR, STYLESHEET, draw_qr, render_certificate_html  # noqa: PLC0415

    html = render_certificate_html(data).replace(
        "</head>", f"<style>{STYLESHEET.read_text(encoding='utf-8')}</style></head>"
    )
    return HTML(string=html, base_url=ASSETS_DIR.as_uri() + "/").write_pdf(
        pdf_variant="pdf/a-3b",
        finisher=lambda document, pdf: draw_qr(data.qr, document, pdf),  # the same QR code as ours
    )


def render_ours(data) -> bytes:
    from registrations.certificates import render_certificate_pdf  # noqa: PLC0415

    return render_certificate_pdf(data)


def run_batch(way: str, indexes: list[int]) -> dict:
    _setup()
    render = render_naive if way == "naive" else render_ours
    render(build_data(0))  # warm-up: imports, first font load (counted in neither way)
    items = [build_data(i) for i in indexes]
    sizes = []
    started = time.perf_counter()
    for data in items:
        sizes.append(len(render(data)))
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": elapsed, "count": len(items), "sizes": sizes, "peak_mb": peak_kb / 1024}


def run(way: str, count: int, processes: int) -> dict:
    chunks = [list(range(start, count, processes)) for start in range(processes)]
    with ProcessPoolExecutor(max_workers=processes) as pool:
        started = time.perf_counter()
        futures = [pool.submit(run_batch, way, chunk) for chunk in chunks]
        results = [future.result() for future in futures]
        wall = time.perf_counter() - started
    sizes = [size for result in results for size in result["sizes"]]
    busy = max(result["seconds"] for result in results)  # the slowest process, without start-up
    return {
        "ms": busy * 1000 / count,
        "wall_ms": wall * 1000 / count,
        "peak_mb": max(result["peak_mb"] for result in results),
        "sizes": sizes,
    }


# The worker command line that ships (docs/deploy.md, decoded-worker@.service), without --worker-id.
WORKER_ARGS = ["db_worker", "--interval", "2"]


def make_attendees(people: int) -> int:
    """A past session with `people` confirmed registrations who attended 80 of 90 minutes, half
    English, half Russian (as bench/bench_data.py builds the certified session); returns its pk."""
    _setup()
    import datetime as dt  # noqa: PLC0415

    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from events.models import Series, Session  # noqa: PLC0415
    from registrations.attendance_models import Attendance, AttendanceSource  # noqa: PLC0415
    from registrations.models import Registration  # noqa: PLC0415

    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    series = Series.objects.create(
        slug="bench",
        title_en="Decoding data and digital health",
        title_ru="Расшифровка данных и цифрового здравоохранения",
        organiser_name_en="Regional Health Agency",
        reply_to_email="webinars@agency.example",
    )
    session = Session.objects.create(
        series=series,
        slug="certified",
        title_en="Data encryption for hospitals",
        title_ru="Шифрование данных в больницах",
        summary_en="Past.",
        starts_at=now - dt.timedelta(days=2),
        ends_at=now - dt.timedelta(days=2) + dt.timedelta(minutes=90),
        status=Session.Status.PUBLISHED,
        join_url="https://meet.example.org/j/past",
    )
    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        user_model(username=f"cert{i}", email=f"cert{i}@health.example") for i in range(people)
    )
    registrations = Registration.objects.bulk_create(
        Registration(
            session=session,
            user=user,
            status="confirmed",
            full_name=f"Person Number{i}",
            language="ru" if i % 2 else "en",
            privacy_notice_version="2026-11",
            privacy_consent_at=now,
            confirmed_at=now,
        )
        for i, user in enumerate(users)
    )
    Attendance.objects.bulk_create(
        Attendance(registration=registration, source=AttendanceSource.MANUAL, minutes=80, reason="bench")
        for registration in registrations
    )
    return session.pk


# Work still to do: running tasks, tasks due now (a task queued without a time has run_after at the
# far end of time, see django_tasks_db's `ready()`), and outbox emails not sent yet.
UNFINISHED_SQL = """
    SELECT (SELECT count(*) FROM django_tasks_database_dbtaskresult
            WHERE status = 'RUNNING' OR (status = 'READY' AND (run_after <= now() OR run_after > '9000-01-01')))
         + (SELECT count(*) FROM registrations_outboxmessage WHERE status IN ('pending', 'sending'))
"""


def _psql(database: str, sql: str) -> str:
    import subprocess  # noqa: PLC0415

    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-tAc", sql],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _psql_count(database: str, sql: str) -> int:
    return int(_psql(database, sql))


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _run_and_queue_seconds(pid: int) -> tuple[float, float]:
    """Seconds `pid` has run on a CPU, and waited runnable for one (the scheduler's own count)."""
    on_cpu, waiting, _slices = Path(f"/proc/{pid}/schedstat").read_text().split()
    return int(on_cpu) / 1e9, int(waiting) / 1e9


def _sample_backends(database: str, seen: dict[int, float]) -> None:
    """Record in `seen` the CPU seconds of each PostgreSQL backend now serving `database` (a backend
    closed between two samples keeps its last figure: the workers' connections live 60 s)."""
    sql = f"SELECT pid FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()"  # noqa: S608 (our own argument)
    for line in _psql(database, sql).split():
        with contextlib.suppress(FileNotFoundError):  # closed meanwhile
            seen[int(line)] = _cpu_seconds(int(line))


def run_end_to_end(people: int, workers: int, database: str) -> None:
    """Certificates for `people` attendees through `workers` real db_worker processes (see the module doc)."""
    import signal  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    from bench.prodstack import PYTHON, ROOT, manage, production_env, reset_database  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="decoded-certificates-") as private:
        env = production_env(reset_database(database), redis_db=14, DECODED_PRIVATE_MEDIA_ROOT=private)
        manage(env, "migrate", "--noinput")
        session_pk = int(
            subprocess.run(
                [PYTHON, __file__, "--make-attendees", str(people)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()[-1]
        )
        print(f"{people} attendees ready; load average {os.getloadavg()[0]:.2f}", flush=True)
        manage(
            env,
            "shell",
            "-c",
            "from events.models import Session; from registrations.certificate_services import "
            f"request_certificates; request_certificates(session=Session.objects.get(pk={session_pk}), actor=None)",
        )
        processes = [
            subprocess.Popen(
                [PYTHON, "manage.py", *WORKER_ARGS, "--worker-id", f"bench-{n}"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for n in range(workers)
        ]
        began, issued, all_issued, cpu = time.perf_counter(), 0, None, 0.0
        backends: dict[int, float] = {}
        try:
            for tick in itertools.count():
                if time.perf_counter() - began > 600:
                    break
                time.sleep(0.25)
                if tick % 4 == 0:
                    _sample_backends(database, backends)
                if all_issued is None:
                    issued = _psql_count(database, "SELECT count(*) FROM registrations_certificate")
                    if issued >= people:
                        all_issued = time.perf_counter() - began
                pending = _psql_count(database, UNFINISHED_SQL)
                if all_issued is not None and pending == 0:
                    break
            all_done = time.perf_counter() - began
            cpu = sum(_cpu_seconds(process.pid) for process in processes)
            run_queue = [_run_and_queue_seconds(process.pid) for process in processes]
            _sample_backends(database, backends)
            database_cpu = sum(backends.values())
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=60)
        failed = _psql_count(
            database, "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'FAILED'"
        )
        emails = _psql_count(database, "SELECT count(*) FROM registrations_outboxmessage WHERE status = 'sent'")
    print(
        f"{workers} workers ({' '.join(WORKER_ARGS)}): {issued} certificates in "
        f"{all_issued or float('nan'):.1f} s (incl. worker start-up); every task, {emails} emails too, done "
        f"after {all_done:.1f} s; {failed} failed tasks"
    )
    print(
        f"worker CPU: {cpu:.1f} s, {cpu * 1000 / max(issued, 1):.1f} ms per certificate (emails included); "
        f"PostgreSQL backends' CPU: {database_cpu:.1f} s, {database_cpu * 1000 / max(issued, 1):.1f} ms per "
        f"certificate; load average now {os.getloadavg()[0]:.2f}"
    )
    # Where each worker's time went: on a CPU, waiting for one (other processes), or neither (blocked
    # on the database, the disk, or idle between tasks). Only the last says something about our code.
    for n, (on_cpu, waiting) in enumerate(run_queue):
        print(
            f"worker {n}: {on_cpu:.1f} s on a CPU, {waiting:.1f} s waiting for one, "
            f"{max(all_done - on_cpu - waiting, 0):.1f} s blocked or idle (of {all_done:.1f} s)"
        )
    print(
        f"CPU-bound floor on this machine: {(cpu + database_cpu) / min(workers, os.cpu_count() or 1):.0f} s "
        "(workers' and backends' CPU spread over the cores the workers can use)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--end-to-end", action="store_true", help="the whole pipeline through real db_workers")
    parser.add_argument("--people", type=int, default=3000, help="attendees in --end-to-end")
    parser.add_argument("--database", default="decoded_cert_bench", help="scratch PostgreSQL database (dropped!)")
    parser.add_argument("--make-attendees", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_attendees:
        print(make_attendees(args.make_attendees))
        return
    if args.end_to_end:
        run_end_to_end(args.people, args.workers, args.database)
        return

    _setup()
    from registrations.certificate_checks import has_harfbuzz_subset  # noqa: PLC0415

    subsetter = "yes" if has_harfbuzz_subset() else "MISSING (about 5x slower)"
    print(f"HarfBuzz subsetter: {subsetter}; CPUs: {os.cpu_count()}")
    print(f"{args.count} certificates, half EN, half RU\n")
    naive = run("naive", args.count, 1)
    ours = run("ours", args.count, 1)
    workers = run("ours", args.count, args.workers)
    rows = [
        ("naive, 1 process", naive),
        ("ours, 1 process", ours),
        (f"ours, {args.workers} processes", workers),
    ]
    print(f"{'way':<22}{'ms/cert':>9}{'ratio':>8}{'peak RSS/process':>18}{'PDF median':>12}{'PDF max':>10}")
    for label, result in rows:
        print(
            f"{label:<22}{result['ms']:>9.1f}{naive['ms'] / result['ms']:>7.2f}x{result['peak_mb']:>15.0f} MB"
            f"{statistics.median(result['sizes']) / 1024:>9.1f} KB{max(result['sizes']) / 1024:>7.1f} KB"
        )
    print(
        f"\nWall clock including process start-up: {workers['wall_ms']:.1f} ms/cert with {args.workers} processes "
        f"({naive['ms'] / workers['wall_ms']:.2f}x naive)."
    )


if __name__ == "__main__":
    main()
