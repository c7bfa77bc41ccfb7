"""Personal calendar feed tokens: the secret in `/calendar/<token>.ics`.

A token is an HMAC-SHA256 (keyed from SECRET_KEY) of the user's id and a random 128-bit salt:
256 bits nobody can guess, recomputable whenever the account page shows the URL, so the token
itself is never stored. The database keeps the salt and a SHA-256 of the token (to find the owner
when the feed is fetched): a database dump alone reveals no feed URL. Resetting draws a new salt,
which revokes the old URL at once. This is the scheme of the join links (registrations/tokens.py).

Trade-off, chosen on purpose: the URL can be shown again on every visit of the account page
(people subscribe on a phone and a PC from the same page) instead of once. The price: tokens are
derived from the current SECRET_KEY only (SECRET_KEY_FALLBACKS do not apply to a derivation), so
rotating the key revokes every feed URL, as it does the join links; people then reset theirs.

State changes go through `issue_feed_token` and `revoke_feed_token` only.
"""

import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from registrations import tokens

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def new_feed_salt() -> str:
    return secrets.token_hex(16)


class CalendarFeedToken(models.Model):
    """The one live feed token of a user; reset by `issue_feed_token`, deleted by `revoke_feed_token`."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_token", verbose_name=_("user")
    )
    salt = models.CharField(max_length=32, default=new_feed_salt, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    issued_at = models.DateTimeField(_("issued"), auto_now=True)

    class Meta:
        app_label = "registrations"
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")

    def __str__(self) -> str:
        return str(self.user_id)

    @property
    def token(self) -> str:
        return derive_feed_token(user_id=self.user_id, salt=self.salt)


def derive_feed_token(*, user_id: int, salt: str) -> str:
    return salted_hmac("decoded.calendar-feed", f"{user_id}:{salt}", algorithm="sha256").hexdigest()


@transaction.atomic
def issue_feed_token(*, user: "AbstractBaseUser") -> str:
    """Give `user` a new feed token and return it; the previous one stops working at once."""
    feed, _created = CalendarFeedToken.objects.select_for_update().get_or_create(
        user=user, defaults={"token_hash": ""}
    )
    feed.salt = new_feed_salt()
    feed.token_hash = tokens.digest(derive_feed_token(user_id=user.pk, salt=feed.salt))
    feed.save()
    return feed.token


def get_feed_token(*, user: "AbstractBaseUser") -> str | None:
    """The user's current feed token (for the account page), or None when they have none."""
    feed = CalendarFeedToken.objects.filter(user=user).first()
    return feed.token if feed is not None else None


def revoke_feed_token(*, user: "AbstractBaseUser") -> None:
    """Switch the user's personal feed off (no URL works until a new token is issued)."""
    CalendarFeedToken.objects.filter(user=user).delete()


def find_feed_owner(token: str):
    """The user a feed token belongs to (with their profile), or None: unknown, revoked or malformed."""
    if not tokens.is_well_formed(token):
        return None
    feed = (
        CalendarFeedToken.objects.select_related("user", "user__profile")
        .filter(token_hash=tokens.digest(token), user__is_active=True)
        .first()
    )
    return feed.user if feed is not None else None
