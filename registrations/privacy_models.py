"""Privacy records: the versioned privacy notice, consents given and withdrawn, every organiser
access to personal data, and how long each series keeps what.

Imported into `registrations.models` (app label "registrations"). Written only by
`registrations.privacy` (notices, consents, erasure), `registrations.retention` (the daily purge)
and `registrations.access_log` (`record_access`). None of these rows holds personal data itself:
they point at users, registrations and sessions and say what happened, when and how.
"""

from django.conf import settings
from django.contrib.auth.models import User
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from events.models import Session

DEFAULT_DETAILS_MONTHS = 12
DEFAULT_CERTIFICATE_YEARS = 10


class PrivacyNoticeQuerySet(models.QuerySet["PrivacyNotice"]):
    def published(self, now=None) -> "PrivacyNoticeQuerySet":
        """Versions already in force at `now`, newest first."""
        return self.filter(published_at__lte=now or timezone.now()).order_by("-published_at", "-pk")


class PrivacyNotice(models.Model):
    """One version of the privacy notice, written by the organisers in EN and RU.

    The version in force is the most recent one published (`registrations.privacy.current_notice`).
    The registration form asks consent to it, and each registration records the version accepted.
    A version is never edited after people accepted it: publish a new one instead.
    """

    version = models.CharField(
        _("version"), max_length=32, unique=True, help_text=_("A short label people can quote, e.g. 2026-11.")
    )
    published_at = models.DateTimeField(
        _("in force from"), help_text=_("From this moment on, registrations ask consent to this version.")
    )
    summary = models.TextField(
        _("what changed"), max_length=2000, blank=True,
        help_text=_("Shown to returning people who accepted an earlier version."),
    )
    body = models.TextField(
        _("notice"), max_length=20000, help_text=_("The full notice; blank lines separate paragraphs.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PrivacyNoticeQuerySet.as_manager()

    class Meta:
        app_label = "registrations"
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notice versions")
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return self.version


class ConsentEvent(models.Model):
    """A consent given or withdrawn outside the registration form, and how.

    Consent given with a registration is on the registration itself (`privacy_notice_version`,
    `privacy_consent_at`, `announcements_consent_at`); this records everything after that:
    withdrawing the "future sessions" consent (account page, email link, an organiser on the
    person's behalf) and reading a new notice version from the account page. Written only by
    `registrations.privacy`.
    """

    class Kind(models.TextChoices):
        PRIVACY_NOTICE = "privacy_notice", _("Privacy notice")
        ANNOUNCEMENTS = "announcements", _("Emails about future sessions")

    class Action(models.TextChoices):
        GIVEN = "given", pgettext_lazy("consent", "Given")
        WITHDRAWN = "withdrawn", pgettext_lazy("consent", "Withdrawn")

    class Channel(models.TextChoices):
        ACCOUNT_PAGE = "account_page", _("Account page")
        EMAIL_LINK = "email_link", _("Link in an email")
        ORGANISER = "organiser", _("By an organiser, on the person's request")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="consent_events",
        verbose_name=_("person"),
    )
    registration = models.ForeignKey(
        "registrations.Registration", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("registration"),
    )
    kind = models.CharField(_("consent"), max_length=24, choices=Kind.choices)
    action = models.CharField(_("given or withdrawn"), max_length=16, choices=Action.choices)
    channel = models.CharField(_("how"), max_length=16, choices=Channel.choices)
    notice_version = models.CharField(_("privacy notice version"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        app_label = "registrations"
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_action_display()} · {self.created_at:%Y-%m-%d %H:%M}"


class AccessLogEntry(models.Model):
    """An organiser looked at or took out personal data: who, when, which session, how many rows.

    Never the data itself, never a search term or a URL (both can hold a name). Written only by
    `registrations.access_log.record_access`; visible to superusers; deleted after
    `settings.ACCESS_LOG_RETENTION_DAYS` by the daily purge.
    """

    class Kind(models.TextChoices):
        REGISTRANT_LIST = "registrant_list", _("Registrant list")
        REGISTRANT_DETAIL = "registrant_detail", _("Registrant details")
        EXPORT = "export", _("Registrations export (CSV)")
        ATTENDANCE_IMPORT = "attendance_import", _("Attendance report import")
        ATTENDANCE_LIST = "attendance_list", _("Attendance list")
        DASHBOARD = "dashboard", _("Registration dashboard")
        PERSON_EXPORT = "person_export", _("Personal data export for a person")
        PERSON_ERASURE = "person_erasure", _("Erasure for a person")

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("who"),
    )
    kind = models.CharField(_("what"), max_length=24, choices=Kind.choices)
    session = models.ForeignKey(
        Session, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("session")
    )
    registration = models.ForeignKey(
        "registrations.Registration", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("registration"),
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("about the person"),
    )
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)

    class Meta:
        app_label = "registrations"
        verbose_name = _("access to personal data")
        verbose_name_plural = _("access log")
        ordering = ["-created_at", "-pk"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.created_at:%Y-%m-%d %H:%M}"


class SeriesRetention(models.Model):
    """How long a series keeps registrants' details and certificates (a series without a row uses
    the defaults: 12 months and 10 years after each session)."""

    series = models.OneToOneField(
        "events.Series", on_delete=models.CASCADE, related_name="retention", verbose_name=_("series")
    )
    details_months = models.PositiveSmallIntegerField(
        _("registrant details kept (months after the session)"),
        default=DEFAULT_DETAILS_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Names, email addresses, answers and attendance are anonymised after this."),
    )
    certificate_years = models.PositiveSmallIntegerField(
        _("certificates kept (years after the session)"),
        default=DEFAULT_CERTIFICATE_YEARS,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("Until then the verification page confirms a certificate by its code (name, session, date)."),
    )

    class Meta:
        app_label = "registrations"
        verbose_name = _("retention period")
        verbose_name_plural = _("retention periods")

    def __str__(self) -> str:
        return str(self.series)


class SessionPurge(models.Model):
    """When the daily purge anonymised a session's registrant details and removed its certificates.

    Written only by `registrations.retention.purge_expired`; a session with its mark set is not
    purged again (the purge is idempotent either way).
    """

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="purge", verbose_name=_("session"))
    details_purged_at = models.DateTimeField(_("registrant details anonymised at"), null=True, blank=True)
    certificates_purged_at = models.DateTimeField(_("certificates removed at"), null=True, blank=True)

    class Meta:
        app_label = "registrations"
        verbose_name = _("purge")
        verbose_name_plural = _("purges")

    def __str__(self) -> str:
        return str(self.session_id)


class RetentionSchedule(Session):
    """Sessions as the admin's "What is purged when" page lists them (a proxy: no table)."""

    class Meta:
        proxy = True
        app_label = "registrations"
        default_permissions = ("view",)
        verbose_name = _("retention schedule")
        verbose_name_plural = _("retention schedule")


class PersonalDataRequest(User):
    """People as the admin's "Personal data requests" page finds them (a proxy: no table): the
    organisers' export and erasure for a person who writes in. The project uses Django's own
    `auth.User` (AUTH_USER_MODEL is not swapped)."""

    class Meta:
        proxy = True
        app_label = "registrations"
        default_permissions = ()
        permissions = [("manage_personal_data", _("Can export and erase a person's data"))]
        verbose_name = _("personal data request")
        verbose_name_plural = _("personal data requests")
