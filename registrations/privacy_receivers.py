"""Signal receivers of the privacy work (connected by `RegistrationsConfig.ready`).

- `pseudonymise_user_session_ip`: allauth's `UserSession` never stores an IP address in clear
  (see registrations/ip_privacy.py).
- `record_unsubscribe`: the one-click unsubscribe of the announcement emails
  (`registrations.outbox.unsubscribe`, owned by the notifications code) leaves a `ConsentEvent`
  "withdrawn via an email link". When `registrations.privacy.withdraw_announcements_consent`
  is the caller, it records the event itself with its own channel (account page, organiser) and
  marks that with `withdrawal_channel`, so the withdrawal is on record exactly once.
"""

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from registrations.ip_privacy import pseudonymise_ip
from registrations.outbox_models import AnnouncementOptOut
from registrations.privacy_models import ConsentEvent

_withdrawal_channel: ContextVar[str | None] = ContextVar("decoded_withdrawal_channel", default=None)


@contextlib.contextmanager
def withdrawal_channel(channel: str) -> Iterator[None]:
    """Within this block, opt-outs are recorded by the caller (with `channel`), not by the receiver."""
    token = _withdrawal_channel.set(channel)
    try:
        yield
    finally:
        _withdrawal_channel.reset(token)


@receiver(pre_save, sender="usersessions.UserSession", dispatch_uid="decoded-pseudonymise-session-ip")
def pseudonymise_user_session_ip(sender, instance, **kwargs) -> None:
    """Replace a user session's IP address with today's pseudonym before it reaches the database.

    Arguments are those of Django's `pre_save`; `instance` is an allauth `UserSession`.
    """
    if instance.ip:
        instance.ip = pseudonymise_ip(instance.ip)


@receiver(post_save, sender=AnnouncementOptOut, dispatch_uid="decoded-record-unsubscribe")
def record_unsubscribe(sender, instance: AnnouncementOptOut, created: bool, **kwargs) -> None:
    """A new opt-out made through an email's unsubscribe link: record the withdrawal (when, how).

    Arguments are those of Django's `post_save`.
    """
    if not created or _withdrawal_channel.get() is not None:
        return
    ConsentEvent.objects.create(
        user_id=instance.user_id,
        registration_id=instance.registration_id,
        kind=ConsentEvent.Kind.ANNOUNCEMENTS,
        action=ConsentEvent.Action.WITHDRAWN,
        channel=ConsentEvent.Channel.EMAIL_LINK,
        created_at=instance.unsubscribed_at,
    )


@receiver(post_save, sender="registrations.PrivacyNotice", dispatch_uid="decoded-forget-current-notice")
@receiver(post_delete, sender="registrations.PrivacyNotice", dispatch_uid="decoded-forget-current-notice-delete")
def forget_current_notice(**kwargs) -> None:
    """The cached "notice in force" must not outlive an organiser's edit (see privacy.current_notice)."""
    from registrations.privacy import CURRENT_NOTICE_CACHE_KEY  # noqa: PLC0415 (privacy imports this module)

    cache.delete(CURRENT_NOTICE_CACHE_KEY)
