"""Outbox throughput: reminders through a real local SMTP server (aiosmtpd on 127.0.0.1).

    .venv/bin/python bench/notifications.py [--sizes 100,1000,10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/decoded_bench .venv/bin/python bench/notifications.py

For each size, in a fresh database (a temporary SQLite file unless DATABASE_URL is set; the
database is created by `migrate` and left behind for inspection on PostgreSQL): one session, that
many confirmed registrations, their 1-hour reminders planned by `plan_reminders()`, then one worker
(`dispatch_due_messages`, the code `db_worker` and `send_due_messages` run) sends them all over
one SMTP connection per batch. Prints messages per second for that one worker and database
queries per message (which must not grow with the number of registrants).
"""

import argparse
import asyncio
import datetime as dt
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"


class CountingHandler:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000,10000")
    args = parser.parse_args()

    import django  # noqa: PLC0415

    django.setup()
    import logging  # noqa: PLC0415

    import time_machine  # noqa: PLC0415
    from aiosmtpd.controller import Controller  # noqa: PLC0415
    from django.conf import settings  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command
    asyncio.set_event_loop(asyncio.new_event_loop())
    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "use_tls": False, "timeout": 20},
        }
    }
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    call_command("migrate", verbosity=0)

    from django.contrib.auth.models import User  # noqa: PLC0415

    from events.models import Series, Session  # noqa: PLC0415
    from registrations.models import Registration  # noqa: PLC0415
    from registrations.outbox import plan_reminders  # noqa: PLC0415
    from registrations.outbox_delivery import dispatch_due_messages  # noqa: PLC0415
    from registrations.outbox_models import OutboxMessage  # noqa: PLC0415

    series, _ = Series.objects.get_or_create(
        slug="bench",
        defaults={"title_en": "Bench", "organiser_name_en": "Agency", "reply_to_email": "r@agency.example"},
    )
    print(f"database: {connection.vendor}; one worker process (the SMTP server runs in a thread of the same process)")
    print(f"{'registrants':>11} {'seconds':>8} {'msg/s':>8} {'queries/msg':>12} {'SMTP received':>14}")
    for run, size in enumerate(int(s) for s in args.sizes.split(",")):
        start = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
        session = Session.objects.create(
            series=series, slug=f"bench-{run}-{size}-{int(time.time())}", title_en=f"Bench {size}",
            summary_en="Bench", starts_at=start, ends_at=start + dt.timedelta(minutes=90), status="published",
            join_url="https://meet.example.org/j/1",
        )
        now = timezone.now()
        users = User.objects.bulk_create(
            User(username=f"b{run}-{i}-{session.pk}", email=f"p{run}-{i}-{session.pk}@health.example")
            for i in range(size)
        )
        Registration.objects.bulk_create(
            Registration(
                session=session, user=u, status="confirmed", full_name=f"Person {i}",
                language="ru" if i % 2 else "en", privacy_notice_version="2026-11", privacy_consent_at=now,
                confirmed_at=now,
            )
            for i, u in enumerate(users)
        )
        plan_reminders()
        OutboxMessage.objects.filter(session=session).exclude(offset_minutes=60).delete()
        received_before = handler.count
        with time_machine.travel(start - dt.timedelta(minutes=60), tick=True):
            began = time.perf_counter()
            queries = []

            def count(execute, sql, params, many, context, *, queries=queries):
                queries.append(1)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                report = dispatch_due_messages(plan=False)
            seconds = time.perf_counter() - began
        if report.sent != size:
            raise SystemExit(f"only {report.sent} of {size} sent: {report}")
        print(
            f"{size:>11} {seconds:>8.2f} {size / seconds:>8.0f} {len(queries) / size:>12.2f} "
            f"{handler.count - received_before:>14}"
        )
    controller.stop()


if __name__ == "__main__":
    main()
