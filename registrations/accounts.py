"""How django-allauth behaves here: random usernames (an email's local part is personal data),
account emails marked as automatic mail, and MFA secrets (TOTP keys) encrypted at rest."""

import secrets

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import user_username
from allauth.mfa.adapter import DefaultMFAAdapter

from events import crypto
from registrations.ip_privacy import pseudonymise_ip


class AccountAdapter(DefaultAccountAdapter):
    def populate_username(self, request, user) -> None:
        if not user_username(user):
            user_username(user, f"u-{secrets.token_hex(8)}")

    def get_client_ip(self, request) -> str:
        """Rate limits key on a pseudonym of the address (daily salt), never the address itself."""
        return pseudonymise_ip(super().get_client_ip(request))

    def render_mail(self, template_prefix, email, context, headers=None):
        headers = {"Auto-Submitted": "auto-generated", **(headers or {})}
        return super().render_mail(template_prefix, email, context, headers=headers)


class MFAAdapter(DefaultMFAAdapter):
    """allauth stores TOTP secrets in clear by default; ours go through events.crypto (Fernet)."""

    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text)
