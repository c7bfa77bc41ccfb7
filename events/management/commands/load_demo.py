"""`manage.py load_demo`: load or refresh the demo content (see `events.demo`)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from events.demo import PASSWORD_ENV, load_demo
from registrations.certificate_demo import DEMO_ATTENDEE_EMAIL, load_certificate_demo


class Command(BaseCommand):
    help = (
        "Create or update the demo series, sessions, example speakers and the demo organiser "
        "account. Safe to run repeatedly. Refuses to run in production unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even when DJANGO_ENV=production (adds demo data and a staff user).",
        )

    def handle(self, *args, **options):
        if settings.IS_PRODUCTION and not options["force"]:
            raise CommandError(
                "Refusing to load demo data in production (DJANGO_ENV=production). Use --force to override."
            )
        try:
            result = load_demo()
        except ValidationError as error:
            raise CommandError(f"Demo data not loaded: {'; '.join(error.messages)}") from error
        # The past first session gets an imported attendance report and the demo attendee's certificate.
        certificate = load_certificate_demo(session=result.sessions[0])
        password = result.shown_password or f"(the value of {PASSWORD_ENV})"
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded: 1 series, {len(result.sessions)} sessions, {len(result.speakers)} example speakers."
            )
        )
        self.stdout.write("Demo organiser (development only):")
        self.stdout.write(f"  admin:    {settings.SITE_URL}/en/admin/")
        self.stdout.write(f"  username: {result.organiser_username}")
        self.stdout.write(f"  password: {password}")
        if certificate is not None:
            self.stdout.write("Demo attendee (signs in with a code printed on this console):")
            self.stdout.write(f"  sign in:  {settings.SITE_URL}/ru/accounts/login/  ({DEMO_ATTENDEE_EMAIL})")
            self.stdout.write(f"  verify:   {settings.SITE_URL}/ru/verify/{certificate.code}/")
