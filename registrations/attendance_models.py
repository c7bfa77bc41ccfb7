"""Attendance: minutes per registration, from platform reports or set by hand, and the rule that
decides who attended long enough for a certificate.

Imported into `registrations.models` (app label "registrations"). Every write goes through
`registrations.attendance.services`: `import_attendance_report()` replaces one source's rows of a
session, `set_manual_attendance()` records an organiser's decision. Both are atomic and audited.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Used when a session has no SessionCertificateSettings row: half the session's length.
DEFAULT_MINIMUM_PERCENT = 50


class AttendanceSource(models.TextChoices):
    ZOOM = "zoom", _("Zoom webinar attendee report")
    TEAMS = "teams", _("Microsoft Teams attendance report")
    WEBEX = "webex", _("Webex attendee report")
    CSV = "csv", _("Plain CSV (email, minutes)")
    MANUAL = "manual", pgettext_lazy("attendance source", "Set by hand")


REPORT_SOURCES = [source for source in AttendanceSource if source != AttendanceSource.MANUAL]


class SessionCertificateSettings(models.Model):
    """A session's eligibility rule for certificates.

    A separate one-to-one row because `events.Session` belongs to the content app; a session
    without a row uses the default (50 % of its length). With `minimum_minutes` set, that number
    is the rule; otherwise `minimum_percent` of the session's scheduled length, rounded up.
    """

    session = models.OneToOneField(
        "events.Session",
        on_delete=models.CASCADE,
        related_name="certificate_settings",
        verbose_name=_("session"),
    )
    minimum_minutes = models.PositiveIntegerField(
        _("minimum minutes"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Minutes a person must attend to get a certificate. Leave empty to use the percentage."),
    )
    minimum_percent = models.PositiveSmallIntegerField(
        _("minimum percentage"),
        default=DEFAULT_MINIMUM_PERCENT,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Share of the session's length a person must attend, when no minimum minutes are set."),
    )

    class Meta:
        app_label = "registrations"
        verbose_name = _("certificate rule")
        verbose_name_plural = _("certificate rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum_percent__gte=1, minimum_percent__lte=100), name="certificate_percent_in_range"
            ),
        ]

    def __str__(self) -> str:
        return str(self.session)


class AttendanceImport(models.Model):
    """One confirmed import of a platform report: what was read, never the file itself."""

    session = models.ForeignKey(
        "events.Session", on_delete=models.CASCADE, related_name="attendance_imports", verbose_name=_("session")
    )
    source = models.CharField(_("source"), max_length=16, choices=AttendanceSource.choices)
    report_zone = models.CharField(_("time zone of the report"), max_length=64)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("imported by"),
    )
    matched_count = models.PositiveIntegerField(_("matched registrations"), default=0)
    unmatched_count = models.PositiveIntegerField(_("unmatched rows"), default=0)

    class Meta:
        app_label = "registrations"
        verbose_name = _("attendance import")
        verbose_name_plural = _("attendance imports")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} · {self.imported_at:%Y-%m-%d %H:%M}"


class Attendance(models.Model):
    """Minutes one registration attended, according to one source.

    One row per registration and source. A platform source's rows are replaced as a whole when
    its report is imported again. The minutes that count (`attended_minutes()` in the services):
    the manual row when there is one (the organiser's decision), else the largest platform figure.
    """

    registration = models.ForeignKey(
        "registrations.Registration", on_delete=models.CASCADE, related_name="attendances",
        verbose_name=_("registration"),
    )
    source = models.CharField(_("source"), max_length=16, choices=AttendanceSource.choices)
    minutes = models.PositiveIntegerField(_("minutes attended"))
    connections = models.PositiveSmallIntegerField(
        _("connections"), default=1, help_text=_("How many times the person joined.")
    )
    report = models.ForeignKey(
        AttendanceImport, on_delete=models.CASCADE, null=True, blank=True, related_name="attendances",
        verbose_name=_("import"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("set by"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        app_label = "registrations"
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["registration_id", "source"]
        constraints = [
            models.UniqueConstraint(fields=["registration", "source"], name="one_attendance_per_source"),
            models.CheckConstraint(
                condition=Q(source__in=["zoom", "teams", "webex", "csv", "manual"]), name="attendance_source_known"
            ),
            models.CheckConstraint(
                condition=~Q(source="manual") | ~Q(reason=""), name="manual_attendance_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration_id} · {self.get_source_display()} · {self.minutes}"


def new_pending_token() -> str:
    return secrets.token_urlsafe(24)


class PendingAttendanceReport(models.Model):
    """An uploaded report between "preview" and "confirm": nothing is imported until confirmed.

    Holds the file's bytes (it has attendees' email addresses), so it is deleted as soon as the
    import is confirmed, and any pending report older than a day is deleted on the next upload.
    Only the organiser who uploaded it can open or confirm it.
    """

    token = models.CharField(max_length=64, unique=True, default=new_pending_token, editable=False)
    session = models.ForeignKey("events.Session", on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=16, choices=AttendanceSource.choices)
    report_zone = models.CharField(max_length=64)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        app_label = "registrations"
        verbose_name = _("uploaded attendance report")
        verbose_name_plural = _("uploaded attendance reports")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.get_source_display()} · {self.created_at:%Y-%m-%d %H:%M}"
