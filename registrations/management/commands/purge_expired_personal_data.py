"""Anonymise and delete personal data whose retention period is over (once; idempotent), or start
the worker's daily purge (`--schedule`; see registrations/privacy_tasks.py)."""

from django.core.management.base import BaseCommand

from registrations.privacy_tasks import schedule_daily_purge
from registrations.retention import purge_expired


class Command(BaseCommand):
    help = "Anonymise registrant details and delete certificates whose retention period is over."

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule", action="store_true", help="Only make sure the db_worker's daily purge is queued, then exit."
        )

    def handle(self, *args, schedule, **options):
        if schedule:
            queued = schedule_daily_purge(only_if_missing=True)
            self.stdout.write(
                "daily purge queued" if queued else "daily purge already queued (or the backend cannot defer)"
            )
            return
        report = purge_expired()
        self.stdout.write(
            f"sessions {report.sessions}, registrations {report.registrations}, "
            f"certificates deleted {report.certificates_deleted}, people {report.people}, "
            f"access log entries {report.access_log_entries}"
        )
