"""The organisers' dashboard's own tables (registrations/dashboard_admin.py, report_queries.py).

`ReportsPermission` has no table (`managed = False`, and nothing ever queries it): it exists so
that the "view reports" permission has a model to belong to, and so that the dashboard gets an
entry on the admin index. `RegistrationTally` holds the dashboard's counts, kept up to date by
`registrations.report_tallies`. Imported into `registrations.models` (app label "registrations").
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

VIEW_REPORTS_PERMISSION = "registrations.view_reports"


class ReportsPermission(models.Model):
    """Never instantiated or queried; see the module docstring."""

    class Meta:
        app_label = "registrations"
        managed = False
        default_permissions = ()
        permissions = [("view_reports", _("Can view the organisers' dashboard"))]
        verbose_name = _("dashboard")
        verbose_name_plural = _("dashboard")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class RegistrationTally(models.Model):
    """How many of a session's registrations have one value of one attribute (status "confirmed",
    language "ru", country "KZ", profession "nurse", day "2026-05-17"), and how many of those
    attended and hold a valid certificate.

    Every registration counts once under each attribute, so a session's tallies of one attribute
    add up to its registrations. The dashboard adds these rows up instead of counting registrations
    (a few thousand rows instead of hundreds of thousands). Written only by
    `registrations.report_tallies`: `count_new_registration` (register_attendee),
    `count_status_change` (cancel and promote, registrations/services.py), the delta of
    `registrations.report_flags.refresh_report_flags()` (attendance and certificates), and
    `rebuild_report_tallies()` (after bulk loads; `manage.py rebuild_report_tallies`). Internal
    (not shown or edited anywhere), hence no translated verbose names.
    """

    class Attribute(models.TextChoices):
        STATUS = "status"
        LANGUAGE = "language"
        COUNTRY = "country"  # "" for a blank answer
        PROFESSION = "profession"  # "" for a blank answer
        DAY = "day"  # the UTC day of `Registration.created_at`, ISO 8601

    session = models.ForeignKey("events.Session", on_delete=models.CASCADE, related_name="+")
    attribute = models.CharField(max_length=16, choices=Attribute.choices)
    value = models.CharField(max_length=32, blank=True)
    registrations = models.IntegerField(default=0)
    attended = models.IntegerField(default=0)
    certified = models.IntegerField(default=0)

    class Meta:
        app_label = "registrations"
        constraints = [
            models.UniqueConstraint(fields=["session", "attribute", "value"], name="one_tally_per_session_and_value")
        ]

    def __str__(self) -> str:
        return f"{self.session_id} {self.attribute}={self.value}: {self.registrations}"
