"""People's places in sessions, their profile, and the audit trail of every change.

State changes of a registration go through `registrations.services` only (register_attendee,
cancel_registration, promote_from_waitlist, …); each is atomic and writes an `AuditEntry`.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from registrations import tokens


class Profession(models.TextChoices):
    PHYSICIAN = "physician", _("Physician")
    NURSE = "nurse", _("Nurse or midwife")
    PUBLIC_HEALTH = "public_health", _("Public health professional")
    HEALTH_IT = "health_it", _("Health informatics or IT professional")
    DATA = "data", _("Data scientist or statistician")
    SECURITY = "security", _("Information security professional")
    MANAGER = "manager", _("Health manager or administrator")
    POLICY = "policy", _("Policy maker or government official")
    RESEARCHER = "researcher", _("Researcher or academic")
    STUDENT = "student", _("Student")
    OTHER = "other", pgettext_lazy("profession", "Other")


def language_choices():
    return settings.LANGUAGES


class Profile(models.Model):
    """What an attendee tells us once and reuses for every registration."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name=_("user")
    )
    full_name = models.CharField(
        _("full name"), max_length=150, blank=True, help_text=_("As it should appear on a certificate.")
    )
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    profession = models.CharField(_("profession"), max_length=32, choices=Profession.choices, blank=True)
    country = CountryField(_("country"), blank=True)
    language = models.CharField(_("language for emails"), max_length=8, choices=language_choices, default="en")
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return self.full_name or str(self.user_id)


def new_public_id() -> str:
    return secrets.token_urlsafe(12)


def new_token_salt() -> str:
    return secrets.token_hex(16)


class RegistrationQuerySet(models.QuerySet["Registration"]):
    def active(self) -> "RegistrationQuerySet":
        return self.exclude(status=Registration.Status.CANCELLED)

    def confirmed(self) -> "RegistrationQuerySet":
        return self.filter(status=Registration.Status.CONFIRMED)

    def waitlisted(self) -> "RegistrationQuerySet":
        return self.filter(status=Registration.Status.WAITLISTED)

    def waiting_order(self) -> "RegistrationQuerySet":
        """The waitlist in the order places are offered: first come, first served."""
        return self.waitlisted().order_by("waitlisted_at", "pk")

    def for_account_page(self) -> "RegistrationQuerySet":
        return self.select_related("session", "session__series").order_by("session__starts_at")


class Registration(models.Model):
    """One person's place in one session.

    Created by `register_attendee`; cancelled by `cancel_registration`; promoted from the waitlist
    by `promote_from_waitlist` (all in registrations/services.py). At most one active (confirmed or
    waitlisted) registration per person and session, enforced by the database.
    """

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", pgettext_lazy("registration status", "Confirmed")
        WAITLISTED = "waitlisted", pgettext_lazy("registration status", "Waitlisted")
        CANCELLED = "cancelled", pgettext_lazy("registration status", "Cancelled")

    public_id = models.CharField(_("public ID"), max_length=32, unique=True, default=new_public_id, editable=False)
    session = models.ForeignKey(
        "events.Session", on_delete=models.PROTECT, related_name="registrations", verbose_name=_("session")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("user")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    full_name = models.CharField(_("full name"), max_length=150)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    profession = models.CharField(_("profession"), max_length=32, choices=Profession.choices, blank=True)
    country = CountryField(_("country"), blank=True)
    language = models.CharField(_("language for emails"), max_length=8, choices=language_choices, default="en")
    privacy_notice_version = models.CharField(_("privacy notice version"), max_length=32)
    privacy_consent_at = models.DateTimeField(_("privacy notice accepted at"))
    announcements_consent = models.BooleanField(_("wants to hear about future sessions"), default=False)
    announcements_consent_at = models.DateTimeField(_("future-sessions consent given at"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    waitlisted_at = models.DateTimeField(_("waitlisted at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # A random salt the personal link tokens are derived from (see registrations/tokens.py);
    # changing it revokes every link handed out so far.
    token_salt = models.CharField(max_length=32, default=new_token_salt, editable=False)
    join_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    # Kept up to date by registrations.report_flags.refresh_report_flags() whenever attendance or
    # certificates change, so the dashboard counts them without looking up other tables. Internal
    # (not shown or edited anywhere), hence no translated verbose names.
    attended = models.BooleanField(default=False, editable=False)
    has_valid_certificate = models.BooleanField(default=False, editable=False)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=~Q(status="cancelled"),
                name="one_active_registration_per_person",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["confirmed", "waitlisted", "cancelled"]), name="registration_status_known"
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status", "waitlisted_at"]),
            # The dashboard's waitlist figures (registrations/report_queries.py) read these columns
            # of the rows ever waitlisted, from this index alone.
            models.Index(
                fields=["session", "waitlisted_at", "confirmed_at", "cancelled_at"],
                condition=Q(waitlisted_at__isnull=False),
                name="registration_waitlist_history",
            ),
        ]
        permissions = [("export_registration", _("Can export registrations as CSV"))]

    def __str__(self) -> str:
        return f"{self.public_id}"

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CANCELLED

    @property
    def join_token(self) -> str:
        """The personal join token; derived, never stored (only its hash is)."""
        return tokens.derive(purpose="join", public_id=self.public_id, salt=self.token_salt)

    @property
    def cancel_token(self) -> str:
        return tokens.derive(purpose="cancel", public_id=self.public_id, salt=self.token_salt)


class AuditEntry(models.Model):
    """Who did what to which registration or session, and when. Never holds personal data itself:
    it points at the objects and says what changed."""

    class Action(models.TextChoices):
        REGISTERED = "registered", _("Registered (confirmed)")
        WAITLISTED = "waitlisted", _("Registered (waitlisted)")
        PROMOTED = "promoted", _("Promoted from the waitlist")
        CANCELLED = "cancelled", _("Cancelled")
        EXPORTED = "exported", _("Exported registrations")
        ATTENDANCE_IMPORTED = "attendance_imported", _("Imported an attendance report")
        ATTENDANCE_SET = "attendance_set", _("Set attendance by hand")
        ATTENDANCE_CLEARED = "attendance_cleared", _("Cleared attendance set by hand")
        CERTIFICATES_REQUESTED = "certificates_requested", _("Asked for certificates to be issued")
        CERTIFICATE_ISSUED = "certificate_issued", _("Issued a certificate")
        CERTIFICATE_REVOKED = "certificate_revoked", _("Revoked a certificate")
        CERTIFICATE_REPLACED = "certificate_replaced", _("Replaced a certificate")
        CERTIFICATE_DOWNLOADED = "certificate_downloaded", _("Downloaded a certificate")
        SESSION_CANCELLED = "session_cancelled", _("Cancelled the session")
        FOLLOW_UPS_QUEUED = "follow_ups_queued", _("Queued the follow-up emails")
        ORGANISER_MESSAGE_QUEUED = "organiser_message_queued", _("Sent a message to registrants")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed from announcements")
        PERSON_ERASED = "person_erased", _("Erased a person's data")

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    action = models.CharField(_("what"), max_length=32, choices=Action.choices)
    session = models.ForeignKey(
        "events.Session",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("session"),
    )
    registration = models.ForeignKey(
        Registration,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("registration"),
    )
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.created_at:%Y-%m-%d %H:%M}"


# Attendance and certificates (issue 5) live in their own modules; imported here so Django loads them.
from registrations.attendance_models import (  # noqa: E402, F401
    Attendance,
    AttendanceImport,
    PendingAttendanceReport,
    SessionCertificateSettings,
)
from registrations.calendar_tokens import CalendarFeedToken  # noqa: E402, F401
from registrations.certificate_models import Certificate, SessionCertificates  # noqa: E402, F401
from registrations.outbox_models import (  # noqa: E402, F401
    AnnouncementOptOut,
    OrganiserMessage,
    OutboxMessage,
    SeriesNotificationSettings,
    SessionNotificationSettings,
)
from registrations.privacy_models import (  # noqa: E402, F401
    AccessLogEntry,
    ConsentEvent,
    PersonalDataRequest,
    PrivacyNotice,
    RetentionSchedule,
    SeriesRetention,
    SessionPurge,
)
from registrations.report_models import RegistrationTally, ReportsPermission  # noqa: E402, F401
