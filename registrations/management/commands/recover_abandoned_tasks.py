"""Recover the tasks a dead worker left RUNNING (see registrations/task_recovery.py): at a worker's
start for its own id (ExecStartPre of decoded-worker@.service), or by age, by hand or from cron."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from registrations.task_recovery import recover_abandoned_tasks


class Command(BaseCommand):
    help = "Run again (or mark failed) the tasks a killed db_worker left in the RUNNING state."

    def add_arguments(self, parser):
        parser.add_argument(
            "--worker-id", help="The id of the worker about to start: its RUNNING tasks were abandoned."
        )
        parser.add_argument(
            "--older-than", type=int, metavar="SECONDS", help="Tasks RUNNING for longer than this were abandoned."
        )

    def handle(self, *args, worker_id, older_than, **options):
        if (worker_id is None) == (older_than is None):
            raise CommandError("Give either --worker-id or --older-than.")
        recovery = recover_abandoned_tasks(
            worker_id=worker_id, older_than=None if older_than is None else dt.timedelta(seconds=older_than)
        )
        self.stdout.write(f"re-queued {recovery.requeued}, marked failed {recovery.failed}")
