"""Count the dashboard's tallies again from the registrations (registrations/report_tallies.py),
after writes that bypassed the services (bulk loads, repairs in SQL); or, with `--check`, only
compare them and fail when any differs."""

from django.core.management.base import BaseCommand, CommandError

from events.models import Session
from registrations.report_tallies import find_tally_differences, rebuild_report_tallies


class Command(BaseCommand):
    help = "Count the organisers' dashboard's tallies again from the registrations (or only check them)."

    def add_arguments(self, parser):
        parser.add_argument("--session", action="append", default=[], metavar="SLUG", help="Only this session.")
        parser.add_argument("--check", action="store_true", help="Change nothing; fail if a tally is wrong.")

    def handle(self, *args, session, check, **options):
        sessions = Session.objects.filter(slug__in=session) if session else None
        if check:
            differences = find_tally_differences(sessions=sessions)
            for (session_id, attribute, value), (stored, counted) in differences.items():
                self.stderr.write(f"session {session_id} {attribute}={value!r}: stored {stored}, counted {counted}")
            if differences:
                noun = "tally differs" if len(differences) == 1 else "tallies differ"
                raise CommandError(f"{len(differences)} {noun} from the registrations.")
            self.stdout.write("The tallies agree with the registrations.")
            return
        written = rebuild_report_tallies(sessions=sessions)
        self.stdout.write(f"{written} tallies counted.")
