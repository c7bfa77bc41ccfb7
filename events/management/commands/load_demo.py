"""`manage.py load_demo`: load or refresh the demo content (see `events.demo`)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from events.demo import ORGANISER_EMAIL, PASSWORD_ENV, load_demo
from registrations.certificate_demo import DEMO_ATTENDEE_EMAIL, load_certificate_demo
from registrations.dashboard_demo import load_dashboard_demo


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
        # Past sessions with registrations and attendance, so the organisers' dashboard tells a story.
        dashboard = load_dashboard_demo(sessions=result.sessions)
        password = result.shown_password or f"(the value of {PASSWORD_ENV})"
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded: 1 series, {len(result.sessions)} sessions, {len(result.speakers)} example speakers."
            )
        )
        self.stdout.write(f"Dashboard demo: {len(dashboard.sessions)} past sessions with registrations and attendance.")
        self.stdout.write("Demo organiser (development only):")
        self.stdout.write(f"  admin:    {settings.SITE_URL}/en/admin/")
        self.stdout.write(f"  username: {result.organiser_username}")
        self.stdout.write(f"  password: {password}")
        mfa = result.organiser_mfa
        if mfa is not None:
            # Staff need MFA for the admin: these let a newcomer in (never created in production).
            self.stdout.write(
                f"  sign in:  {settings.SITE_URL}/en/accounts/login/code/ as {ORGANISER_EMAIL}: "
                "the code is printed on this console (or use the password above)"
            )
            self.stdout.write(f"  then MFA: TOTP secret {mfa.totp_secret} (add it to an authenticator app)")
            self.stdout.write(f"            otpauth URI {mfa.totp_url}")
            self.stdout.write(f"            or the recovery code {mfa.recovery_code} (each code works once)")
        else:
            self.stdout.write("  MFA:      none given in production; set it up at the first sign-in")
        if certificate is not None:
            self.stdout.write("Demo attendee (signs in with a code printed on this console):")
            self.stdout.write(f"  sign in:  {settings.SITE_URL}/ru/accounts/login/  ({DEMO_ATTENDEE_EMAIL})")
            self.stdout.write(f"  verify:   {settings.SITE_URL}/ru/verify/{certificate.code}/")
