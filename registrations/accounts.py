"""How django-allauth behaves here: random usernames (an email's local part is personal data),
and account emails marked as automatic mail."""

import secrets

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import user_username


class AccountAdapter(DefaultAccountAdapter):
    def populate_username(self, request, user) -> None:
        if not user_username(user):
            user_username(user, f"u-{secrets.token_hex(8)}")

    def render_mail(self, template_prefix, email, context, headers=None):
        headers = {"Auto-Submitted": "auto-generated", **(headers or {})}
        return super().render_mail(template_prefix, email, context, headers=headers)
