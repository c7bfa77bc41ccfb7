"""What deactivating an account ends: its sessions and every personal link.

`revoke_access` is the one path. It runs whenever a user is saved inactive, through the
`post_save` receiver `end_access_of_inactive_user` (a decoupled side effect of `is_active=False`,
wherever it is set: the admin's user form, a shell, a script), rather than through an admin
action that other paths could forget. The receiver is connected when this module is imported
(`RegistrationsConfig.ready()` imports it).

Receiver arguments (Django's `post_save`): `sender` (the user model), `instance` (the user),
`created`, `update_fields` (a save limited to fields other than `is_active`, such as the
`last_login` update of every sign-in, is skipped). Saving an already inactive user again revokes
again, which is harmless: nothing is left to end, and fresh salts are as unknown as the old ones.

Reactivating an account does not bring the old links back; the person's next email carries new
ones only once an organiser or the person re-issues them (out of scope here).
"""

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from registrations.calendar_tokens import CalendarFeedToken, revoke_feed_token
from registrations.models import Registration

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


@dataclass(frozen=True)
class RevokedAccess:
    sessions_ended: int
    registrations_revoked: int
    feed_revoked: bool


def revoke_access(*, user: "AbstractBaseUser") -> RevokedAccess:
    """End every session of `user` and revoke their calendar feed, join and cancel links.

    Side effects: each session tracked by allauth.usersessions is deleted from the session store
    and from the list; the calendar feed token is deleted; every registration of the user gets a
    new token salt (which changes its join and cancel tokens) and loses its join-token hash (so
    no join link, old or new, opens anything). Registrations keep their status: deactivating an
    account is not cancelling places (organisers do that explicitly).
    """
    with transaction.atomic():
        user_sessions = list(UserSession.objects.filter(user_id=user.pk))
        for user_session in user_sessions:
            user_session.end()
        had_feed = CalendarFeedToken.objects.filter(user=user).exists()
        revoke_feed_token(user=user)
        registrations = list(Registration.objects.filter(user=user).only("pk", "token_salt", "join_token_hash"))
        for registration in registrations:
            registration.token_salt = secrets.token_hex(16)
            registration.join_token_hash = None
        Registration.objects.bulk_update(registrations, ["token_salt", "join_token_hash"])
    return RevokedAccess(
        sessions_ended=len(user_sessions), registrations_revoked=len(registrations), feed_revoked=had_feed
    )


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="decoded-end-access-of-inactive-user")
def end_access_of_inactive_user(sender, instance, created, update_fields=None, **kwargs) -> None:
    if created or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    revoke_access(user=instance)
