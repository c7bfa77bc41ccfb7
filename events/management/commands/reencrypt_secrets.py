"""Rewrite every secret stored at rest under the newest key of DECODED_ENCRYPTION_KEYS:
meeting URLs and the TOTP secrets of allauth.mfa."""

from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand
from django.db import transaction

from events import crypto
from events.models import Session


class Command(BaseCommand):
    help = "Re-encrypt meeting URLs and TOTP secrets under the newest encryption key."

    def handle(self, *args, **options):
        sessions = totp = 0
        with transaction.atomic():
            for session in Session.objects.select_for_update().exclude(join_url="").only("pk", "join_url"):
                session.save(update_fields=["join_url"])
                sessions += 1
            for authenticator in Authenticator.objects.select_for_update().filter(type=Authenticator.Type.TOTP):
                authenticator.data["secret"] = crypto.rotate(authenticator.data["secret"])
                authenticator.save(update_fields=["data"])
                totp += 1
        self.stdout.write(f"Re-encrypted {sessions} meeting URL(s) and {totp} TOTP secret(s).")
