"""The notification outbox: every message the site sends on its own, one row per message.

Imported into `registrations.models` (app label "registrations"). Rows are created only by
`registrations.outbox` (planning: reminders, follow-ups, change notices, organiser messages) and
change state only in `registrations.outbox_delivery` (claim → sending → sent / retry / failed /
skipped). The unique key (registration, kind, slot) makes planning idempotent: a reminder, a
follow-up or a change notice can be planned as often as a worker likes and exists once.

Slots:
- reminders: "r<round>:<minutes before the start>", e.g. "r0:1440". The round rises when a session
  moves by more than a day, so its reminders are sent again for the new time;
- follow-ups: "follow-up" (once per registration, ever);
- change notices: "seq<Session.sequence>" (one per change);
- organiser messages: "m<OrganiserMessage.pk>";
- certificate emails: "c<Certificate.pk>" (a replacement certificate gets its own email).
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

DEFAULT_REMINDER_OFFSETS = (24 * 60, 60)  # minutes before the start: a day, an hour
DEFAULT_FOLLOW_UP_DELAY_HOURS = 48
MAX_REMINDER_OFFSET_MINUTES = 14 * 24 * 60


def default_reminder_offsets() -> list[int]:
    return list(DEFAULT_REMINDER_OFFSETS)


def validate_reminder_offsets(value) -> None:
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ValidationError(_("Enter a list of whole numbers of minutes, e.g. [1440, 60]."))
    if any(v < 1 or v > MAX_REMINDER_OFFSET_MINUTES for v in value) or len(set(value)) != len(value):
        raise ValidationError(
            _("Each reminder must be between 1 minute and 14 days before the start, and each only once.")
        )


def new_message_token() -> str:
    return secrets.token_hex(16)


class SeriesNotificationSettings(models.Model):
    """When a series reminds its registrants and sends follow-ups (a series without a row uses the defaults)."""

    series = models.OneToOneField(
        "events.Series", on_delete=models.CASCADE, related_name="notification_settings", verbose_name=_("series")
    )
    reminder_offsets = models.JSONField(
        _("reminders (minutes before the start)"),
        default=default_reminder_offsets,
        blank=True,
        validators=[validate_reminder_offsets],
        help_text=_("E.g. [1440, 60] for a day and an hour before. An empty list sends no reminders."),
    )
    follow_up_delay_hours = models.PositiveIntegerField(
        _("follow-up after the end (hours)"),
        null=True,
        blank=True,
        default=DEFAULT_FOLLOW_UP_DELAY_HOURS,
        help_text=_(
            "Follow-ups go out when an organiser marks the recording available, or this many hours after "
            "the end, whichever comes first. Leave empty to send them only when an organiser says so."
        ),
    )

    class Meta:
        app_label = "registrations"
        verbose_name = _("series notification settings")
        verbose_name_plural = _("series notification settings")

    def __str__(self) -> str:
        return str(self.series)

    @property
    def offsets(self) -> list[int]:
        return sorted(set(self.reminder_offsets or []), reverse=True)


class SessionNotificationSettings(models.Model):
    """A session's notification state: its feedback link and the bookkeeping of its reminders.

    `reminders_anchor_at` is the start time the current round of reminders was planned for;
    `reminder_round` rises when the session moves more than a day away from it (see
    `registrations.outbox.replan_reminders`). Written only by `registrations.outbox`.
    """

    session = models.OneToOneField(
        "events.Session", on_delete=models.CASCADE, related_name="notification_settings", verbose_name=_("session")
    )
    feedback_url = models.URLField(
        _("feedback form"), max_length=500, blank=True, help_text=_("Linked in the follow-up to attendees.")
    )
    reminder_round = models.PositiveIntegerField(_("reminder round"), default=0, editable=False)
    reminders_anchor_at = models.DateTimeField(_("reminders planned for"), null=True, blank=True, editable=False)
    follow_ups_queued_at = models.DateTimeField(_("follow-ups queued at"), null=True, blank=True, editable=False)

    class Meta:
        app_label = "registrations"
        verbose_name = _("session notification settings")
        verbose_name_plural = _("session notification settings")

    def __str__(self) -> str:
        return str(self.session)


class OrganiserMessage(models.Model):
    """A message organisers wrote to a session's registrants; the history of the session's messages.

    Subject and body exist in EN and RU (django-modeltranslation, RU falls back to EN). Created and
    queued only by `registrations.outbox.queue_organiser_message`.
    """

    class Audience(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed registrants")
        WAITLISTED = "waitlisted", _("Waitlisted registrants")
        ATTENDED = "attended", _("Confirmed registrants who attended")
        NOT_ATTENDED = "not_attended", _("Confirmed registrants who did not attend")

    session = models.ForeignKey(
        "events.Session", on_delete=models.CASCADE, related_name="organiser_messages", verbose_name=_("session")
    )
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    queued_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        app_label = "registrations"
        verbose_name = _("message to registrants")
        verbose_name_plural = _("messages to registrants")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.subject


class AnnouncementOptOut(models.Model):
    """A person who asked for no more announcements or organiser messages (one-click unsubscribe).

    Written only by `registrations.outbox.unsubscribe`, which also withdraws
    `Registration.announcements_consent` on every registration of the person.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="announcement_opt_out",
        verbose_name=_("user"),
    )
    registration = models.ForeignKey(
        "registrations.Registration", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("unsubscribed from the emails of"),
    )
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), auto_now_add=True)

    class Meta:
        app_label = "registrations"
        verbose_name = _("unsubscribed person")
        verbose_name_plural = _("unsubscribed people")

    def __str__(self) -> str:
        return f"{self.user_id} · {self.unsubscribed_at:%Y-%m-%d %H:%M}"


class OutboxMessageQuerySet(models.QuerySet["OutboxMessage"]):
    def claimable(self, now) -> "OutboxMessageQuerySet":
        """Due pending rows, and rows whose sender vanished mid-send (their lease ran out)."""
        return self.filter(
            Q(status=OutboxMessage.Status.PENDING, due_at__lte=now)
            | Q(status=OutboxMessage.Status.SENDING, claimed_until__lt=now)
        )


class OutboxMessage(models.Model):
    """One email to one registrant, planned for `due_at` and sent at most once by a worker.

    Life: pending → sending (claimed by one worker, with a lease) → sent; or back to pending with a
    later `due_at` after a temporary failure; failed after the last attempt or a permanent refusal;
    skipped when, at its moment, it no longer applies (registration or session cancelled, reminder
    superseded). See `registrations.outbox_delivery`.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", pgettext_lazy("email kind", "Reminder")
        FOLLOW_UP = "follow_up", pgettext_lazy("email kind", "Follow-up")
        SESSION_UPDATED = "session_updated", pgettext_lazy("email kind", "Session updated")
        SESSION_CANCELLED = "session_cancelled", pgettext_lazy("email kind", "Session cancelled")
        ORGANISER_MESSAGE = "organiser_message", pgettext_lazy("email kind", "Message from the organisers")
        CERTIFICATE = "certificate", pgettext_lazy("email kind", "Certificate of attendance")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("email status", "Waiting")
        SENDING = "sending", pgettext_lazy("email status", "Being sent")
        SENT = "sent", pgettext_lazy("email status", "Sent")
        FAILED = "failed", pgettext_lazy("email status", "Failed")
        SKIPPED = "skipped", pgettext_lazy("email status", "Not sent (no longer applies)")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    registration = models.ForeignKey(
        "registrations.Registration", on_delete=models.CASCADE, related_name="outbox_messages",
        verbose_name=_("registration"),
    )
    session = models.ForeignKey(
        "events.Session", on_delete=models.CASCADE, related_name="outbox_messages", verbose_name=_("session")
    )
    slot = models.CharField(_("slot"), max_length=40)
    organiser_message = models.ForeignKey(
        OrganiserMessage, on_delete=models.CASCADE, null=True, blank=True, related_name="outbox_messages",
        verbose_name=_("message to registrants"),
    )
    certificate = models.ForeignKey(
        "registrations.Certificate", on_delete=models.CASCADE, null=True, blank=True, related_name="outbox_messages",
        verbose_name=_("certificate"),
    )
    offset_minutes = models.PositiveIntegerField(_("minutes before the start"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    skip_reason = models.CharField(_("why not sent"), max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    # The Message-ID's local part: fixed per row, so a retried send carries the same Message-ID
    # and receiving systems can recognise a duplicate after a crash mid-send.
    message_token = models.CharField(max_length=32, default=new_message_token, editable=False)
    created_at = models.DateTimeField(_("planned at"), auto_now_add=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        app_label = "registrations"
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-due_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["registration", "kind", "slot"], name="outbox_message_once"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed", "skipped"]),
                name="outbox_status_known",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="outbox_due"),
            models.Index(fields=["session", "kind", "status"], name="outbox_session_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.registration_id} · {self.slot}"
