"""Signing in by emailed code from the registration form, and the answers that wait meanwhile.

A signed-out visitor sends the form with an email address. The answers wait in *their browser
session* (never the database) while allauth's login-by-code flow proves the address; back on the
register page, signed in and verified, the registration is completed with them in the same flow.
Known and unknown addresses go through exactly the same steps, so the response reveals nothing.
"""

import time
from typing import TYPE_CHECKING

from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.login_by_code import LoginCodeVerificationProcess
from allauth.account.models import EmailAddress
from allauth.account.utils import filter_users_by_email
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists
from django.urls import reverse
from django.utils.http import urlencode

from events.models import Session
from registrations.services import AttendeeDetails

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

PENDING_SESSION_KEY = "decoded_pending_registrations"
# Long enough to read the email and type the code (allauth's code itself lives 3 minutes and
# can be sent again); short enough that a forgotten attempt does not register someone later.
PENDING_MAX_AGE_SECONDS = 30 * 60


def stash_pending_answers(request, *, session: Session, email: str, details: AttendeeDetails) -> None:
    """Keep the validated answers in the browser session until the address is proven."""
    pending = dict(request.session.get(PENDING_SESSION_KEY) or {})
    pending[str(session.pk)] = {
        "email": email,
        "details": {
            "full_name": details.full_name,
            "organisation": details.organisation,
            "profession": details.profession,
            "country": details.country,
            "language": details.language,
            "announcements_consent": details.announcements_consent,
            "privacy_notice_version": details.privacy_notice_version,
        },
        "stored_at": time.time(),
    }
    request.session[PENDING_SESSION_KEY] = pending


def pop_pending_answers(request, *, session: Session) -> tuple[str, AttendeeDetails] | None:
    """Take (and forget) the answers waiting for `session`: (email, details), or None."""
    pending = dict(request.session.get(PENDING_SESSION_KEY) or {})
    entry = pending.pop(str(session.pk), None)
    if entry is None:
        return None
    if pending:
        request.session[PENDING_SESSION_KEY] = pending
    else:
        request.session.pop(PENDING_SESSION_KEY, None)
    if time.time() - entry.get("stored_at", 0) > PENDING_MAX_AGE_SECONDS:
        return None
    try:
        return entry["email"], AttendeeDetails(**entry["details"])
    except (KeyError, TypeError):
        return None


def has_verified_address(user_id: int) -> Exists:
    """Whether the person proved an address through allauth, as an expression: asked on every
    registration POST, so it is read with the register view's session row, not on its own."""
    return Exists(EmailAddress.objects.filter(user_id=user_id, verified=True))


def has_verified_email(user: "AbstractBaseUser", email: str) -> bool:
    """Whether `user` proved this address through allauth."""
    return EmailAddress.objects.filter(user=user, verified=True, email__iexact=email).exists()


def get_sign_in_email(user: "AbstractBaseUser") -> str:
    """The address a signed-in person without a verified one proves: their primary one."""
    address = EmailAddress.objects.filter(user=user, primary=True).first()
    return address.email if address else (user.email or "")


def find_or_create_user(request, email: str) -> "AbstractBaseUser":
    """The account of `email`, or a new one with an unverified address, no password and a random
    username (registrations.accounts.AccountAdapter). Nothing is verified here: the code is."""
    users = filter_users_by_email(email, prefer_verified=True)
    if users:
        return users[0]
    user = get_user_model()(email=email)
    user.set_unusable_password()
    get_adapter(request).populate_username(request, user)
    with transaction.atomic():
        user.save()
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return user


def start_code_sign_in(request, *, user: "AbstractBaseUser", email: str, next_url: str) -> str:
    """Email a sign-in code to `email` (allauth's login by code) and return the URL where it is
    entered; once confirmed, allauth signs the person in, verifies the address and goes to
    `next_url`."""
    LoginCodeVerificationProcess.initiate(request=request, user=user, email=email)
    return f"{reverse('account_confirm_login_code')}?{urlencode({'next': next_url})}"
