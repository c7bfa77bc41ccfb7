"""The organisers' dashboard in the admin: charts and a sortable table of the series' sessions.

Registered as the admin of `ReportsPermission` (a permission holder without a table), so the
dashboard has an entry on the admin index ("Dashboard" under Registrations) and lives at
`admin/registrations/reportspermission/`, with its CSV at `…/csv/`. Both need a staff account
with the `registrations.view_reports` permission (403 otherwise). Every view and download is
recorded in the access log (`registrations.access_log.record_access`, kind "dashboard"). The numbers come from
`registrations.dashboard.build_dashboard()`; this module only parses the filter and renders.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, ngettext

from registrations.access_log import record_access
from registrations.dashboard import Dashboard, build_dashboard, render_csv
from registrations.dashboard_forms import DashboardFilterForm
from registrations.privacy_models import AccessLogEntry
from registrations.report_models import VIEW_REPORTS_PERMISSION, ReportsPermission
from registrations.report_queries import MIN_CELL_SIZE, ReportFilters

ORDER_PARAMETER = "o"


def _record_dashboard_view(request, dashboard: Dashboard) -> None:
    """Put a view or download of the dashboard in the access log, like other views of personal data.

    The dashboard shows aggregates only, but they are derived from registrations: the entry says
    who looked, when, and how many registrations the figures summarise (the access log stores no
    filters, by design).
    """
    record_access(
        request=request, kind=AccessLogEntry.Kind.DASHBOARD, rows=sum(row.registered for row in dashboard.rows)
    )


@admin.register(ReportsPermission)
class DashboardAdmin(admin.ModelAdmin):
    """The dashboard is this admin's changelist; nothing is added, changed or deleted here."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and request.user.has_perm(VIEW_REPORTS_PERMISSION)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        name = "registrations_reportspermission"
        return [
            path("", view(self.changelist_view), name=f"{name}_changelist"),
            path("csv/", view(self.csv_view), name=f"{name}_csv"),
        ]

    def _parse(self, request) -> tuple[DashboardFilterForm, ReportFilters]:
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = DashboardFilterForm(request.GET, today=timezone.localdate())
        return form, form.get_filters()

    def changelist_view(self, request, extra_context=None):
        form, filters = self._parse(request)
        dashboard = build_dashboard(filters, order=request.GET.get(ORDER_PARAMETER))
        _record_dashboard_view(request, dashboard)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Dashboard"),
            "subtitle": None,
            "form": form,
            "dashboard": dashboard,
            "header": _sortable_header(request, dashboard),
            "csv_query": _query_without_order(request),
            "small_cells_note": ngettext(
                "To protect privacy, a country or profession with fewer than %(min)d person in a group is "
                "counted only under “Other”.",
                "To protect privacy, a country or profession with fewer than %(min)d people in a group is "
                "counted only under “Other”.",
                MIN_CELL_SIZE,
            )
            % {"min": MIN_CELL_SIZE},
            "session_count_text": ngettext(
                "%(count)d session in the selection.", "%(count)d sessions in the selection.", len(dashboard.rows)
            )
            % {"count": len(dashboard.rows)},
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/registrations/dashboard.html", context)

    def csv_view(self, request):
        _form, filters = self._parse(request)
        dashboard = build_dashboard(filters, order=request.GET.get(ORDER_PARAMETER))
        content = render_csv(dashboard)
        _record_dashboard_view(request, dashboard)
        response = HttpResponse(content.encode("utf-8"), content_type="text/csv; charset=utf-8")
        filename = f"decoded-dashboard-{timezone.localdate():%Y%m%d}.csv"
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
        response["Cache-Control"] = "no-store"
        return response


def _query_without_order(request) -> str:
    query = request.GET.copy()
    query.pop(ORDER_PARAMETER, None)
    return query.urlencode()


def _sortable_header(request, dashboard) -> list[dict]:
    """Per column: its label, and for sortable ones the link that sorts by it (the other way round
    when it is already the sort) and the `aria-sort` value."""
    header = []
    for column in dashboard.columns:
        cell = {"label": column.label, "is_numeric": column.is_numeric, "url": "", "aria_sort": ""}
        if column.key:
            if dashboard.order == column.key:
                cell["aria_sort"], target = "ascending", f"-{column.key}"
            elif dashboard.order == f"-{column.key}":
                cell["aria_sort"], target = "descending", column.key
            else:
                # Numbers largest first, text A to Z.
                target = f"-{column.key}" if column.is_numeric else column.key
            query = request.GET.copy()
            query[ORDER_PARAMETER] = target
            cell["url"] = f"?{query.urlencode()}"
            cell["sorts_descending"] = target.startswith("-")
        header.append(cell)
    return header
