"""The permission holder of the organisers' dashboard (registrations/dashboard_admin.py).

`ReportsPermission` has no table (`managed = False`, and nothing ever queries it): it exists so
that the "view reports" permission has a model to belong to, and so that the dashboard gets an
entry on the admin index. Imported into `registrations.models` (app label "registrations").
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
