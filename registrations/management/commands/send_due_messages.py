"""Send the outbox's due messages: once (cron, tests), in a loop (a process of its own), or start
the worker's own clock (`--schedule`, idempotent; see registrations/notification_tasks.py)."""

import signal
import time

from django.core.management.base import BaseCommand

from registrations.notification_tasks import schedule_tick
from registrations.outbox_delivery import dispatch_due_messages


class Command(BaseCommand):
    help = "Plan reminders and follow-ups and send every due message of the outbox."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep running; check every --interval seconds.")
        parser.add_argument("--interval", type=float, default=30.0, help="Seconds between rounds with --loop.")
        parser.add_argument("--limit", type=int, default=None, help="Send at most this many messages per round.")
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Only make sure the db_worker's periodic tick is queued, then exit.",
        )

    def handle(self, *args, loop, interval, limit, schedule, **options):
        if schedule:
            queued = schedule_tick(only_if_missing=True)
            self.stdout.write("tick queued" if queued else "tick already queued (or the backend cannot defer)")
            return
        self._stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        while True:
            report = dispatch_due_messages(limit=limit)
            if report.handled or options["verbosity"] > 1:
                self.stdout.write(
                    f"sent {report.sent}, retried {report.retried}, failed {report.failed}, skipped {report.skipped}"
                )
            if not loop or self._stopping:
                return
            # Sleep in short steps so SIGTERM stops the loop between rounds, never mid-send.
            deadline = time.monotonic() + interval
            while not self._stopping and time.monotonic() < deadline:
                time.sleep(min(0.5, interval))
            if self._stopping:
                return

    def _stop(self, signum, frame):
        self._stopping = True
