"""The organiser admin for attendance and certificates.

Registers its own entries (imported by registrations/admin.py, so nothing in the sessions admin
changes): "Attendance and certificates" lists sessions and leads to, per session,

- import a platform report: upload → preview (matched registrations with minutes, unmatched rows
  with the reason, people who joined more than once) → confirm. The file's bytes wait in a
  `PendingAttendanceReport` row between the two steps; nothing is imported before "confirm";
- attendance: each confirmed registration's minutes and source, and a form to set them by hand
  (with a reason);
- certificates: "issue certificates to eligible attendees" queues background tasks and shows
  progress (issued / eligible); repeating it is safe.

"Certificates" lists every certificate, with revoke and re-issue (both ask for a reason).
Every change goes through `registrations.attendance.services` or
`registrations.certificate_services`, which audit it.
"""

import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from events.models import Session
from registrations import certificate_services
from registrations.access_log import record_access
from registrations.attendance import services as attendance_services
from registrations.attendance.parsers import ReportError
from registrations.attendance_models import AttendanceImport, PendingAttendanceReport, SessionCertificateSettings
from registrations.certificate_forms import AttendanceReportForm, CertificateReasonForm, ManualAttendanceForm
from registrations.certificate_models import Certificate, SessionCertificates
from registrations.models import Registration

IMPORT_PERMISSION = "registrations.add_attendance"
MANUAL_PERMISSION = "registrations.change_attendance"
ISSUE_PERMISSION = "registrations.add_certificate"
REVOKE_PERMISSION = "registrations.change_certificate"
PENDING_REPORT_MAX_AGE = dt.timedelta(days=1)


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _issue_for_sessions(modeladmin, request, queryset) -> HttpResponseRedirect | None:
    _require(request, ISSUE_PERMISSION)
    sessions = list(queryset)
    for session in sessions:
        queued = certificate_services.request_certificates(session=session, actor=request.user)
        modeladmin.message_user(
            request,
            ngettext(
                "%(session)s: %(count)d certificate is being issued.",
                "%(session)s: %(count)d certificates are being issued.",
                queued,
            )
            % {"session": session, "count": queued},
            messages.SUCCESS,
        )
    if len(sessions) == 1:
        return HttpResponseRedirect(
            reverse("admin:registrations_sessioncertificates_certificates", args=[sessions[0].pk])
        )
    return None


@admin.action(description=_("Issue certificates to eligible attendees"), permissions=["issue"])
def issue_certificates_action(modeladmin, request, queryset):
    """For any session admin: add to its `actions` (needs `has_issue_permission`, see below)."""
    return _issue_for_sessions(modeladmin, request, queryset)


class IssuePermissionMixin:
    def has_issue_permission(self, request) -> bool:
        return request.user.has_perm(ISSUE_PERMISSION)


@admin.register(SessionCertificates)
class SessionCertificatesAdmin(IssuePermissionMixin, admin.ModelAdmin):
    list_display = ["title", "starts_at", "attendance_count", "certificate_count", "workflow_links"]
    list_display_links = None
    search_fields = ["title_en", "title_ru", "slug"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at"]
    actions = [issue_certificates_action]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("series")
            .annotate(
                attendance_total=Count("registrations__attendances__registration", distinct=True),
                certificate_total=Count(
                    "registrations__certificates", filter=Q(registrations__certificates__status="valid"), distinct=True
                ),
            )
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("with attendance"), ordering="attendance_total")
    def attendance_count(self, obj):
        return obj.attendance_total

    @admin.display(description=_("valid certificates"), ordering="certificate_total")
    def certificate_count(self, obj):
        return obj.certificate_total

    @admin.display(description=_("attendance and certificates"))
    def workflow_links(self, obj):
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:registrations_sessioncertificates_import", args=[obj.pk]),
            gettext("Import a report"),
            reverse("admin:registrations_sessioncertificates_attendance", args=[obj.pk]),
            gettext("Attendance"),
            reverse("admin:registrations_sessioncertificates_certificates", args=[obj.pk]),
            gettext("Certificates"),
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        name = "registrations_sessioncertificates"
        return [
            path("<int:session_id>/import/", view(self.import_view), name=f"{name}_import"),
            path("<int:session_id>/import/<str:token>/", view(self.preview_view), name=f"{name}_preview"),
            path("<int:session_id>/attendance/", view(self.attendance_view), name=f"{name}_attendance"),
            path(
                "<int:session_id>/attendance/<int:registration_id>/",
                view(self.manual_view),
                name=f"{name}_manual",
            ),
            path("<int:session_id>/certificates/", view(self.certificates_view), name=f"{name}_certificates"),
            *super().get_urls(),
        ]

    def _context(self, request, session, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "session": session,
            "title": title,
            "subtitle": str(session),
            **extra,
        }

    def _session(self, request, session_id) -> Session:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(Session.objects.select_related("series"), pk=session_id)

    def import_view(self, request, session_id):
        session = self._session(request, session_id)
        _require(request, IMPORT_PERMISSION)
        form = AttendanceReportForm(
            request.POST or None, request.FILES or None, initial={"report_zone": session.timezone, "source": "zoom"}
        )
        if request.method == "POST" and form.is_valid():
            PendingAttendanceReport.objects.filter(created_at__lt=timezone.now() - PENDING_REPORT_MAX_AGE).delete()
            pending = PendingAttendanceReport.objects.create(
                session=session,
                uploaded_by=request.user,
                source=form.cleaned_data["source"],
                report_zone=form.cleaned_data["report_zone"],
                content=form.cleaned_data["report"].read(),
            )
            return HttpResponseRedirect(
                reverse("admin:registrations_sessioncertificates_preview", args=[session.pk, pending.token])
            )
        imports = AttendanceImport.objects.filter(session=session).select_related("imported_by")[:10]
        context = self._context(request, session, gettext("Import an attendance report"), form=form, imports=imports)
        return TemplateResponse(request, "admin/certificates/attendance_import.html", context)

    def preview_view(self, request, session_id, token):
        session = self._session(request, session_id)
        _require(request, IMPORT_PERMISSION)
        pending = PendingAttendanceReport.objects.filter(
            session=session, token=token, uploaded_by=request.user
        ).first()
        if pending is None:
            raise Http404
        content = bytes(pending.content)
        try:
            if request.method == "POST":
                record = attendance_services.import_attendance_report(
                    session=session,
                    source=pending.source,
                    content=content,
                    zone=pending.report_zone,
                    actor=request.user,
                )
                pending.delete()
                record_access(request=request, kind="attendance_import", session=session, rows=record.matched_count)
                self.message_user(
                    request,
                    ngettext(
                        "Attendance imported for %(count)d registration.",
                        "Attendance imported for %(count)d registrations.",
                        record.matched_count,
                    )
                    % {"count": record.matched_count},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:registrations_sessioncertificates_attendance", args=[session.pk])
                )
            preview = attendance_services.read_report(
                session=session, source=pending.source, content=content, zone=pending.report_zone
            )
        except ReportError as error:
            pending.delete()
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:registrations_sessioncertificates_import", args=[session.pk]))
        record_access(request=request, kind="attendance_import", session=session, rows=None)
        context = self._context(
            request, session, gettext("Check the report before importing it"), preview=preview, pending=pending
        )
        return TemplateResponse(request, "admin/certificates/attendance_preview.html", context)

    def attendance_view(self, request, session_id):
        session = self._session(request, session_id)
        registrations = list(
            Registration.objects.filter(session=session).confirmed().select_related("user").order_by("full_name")
        )
        counted = attendance_services.attendance_by_registration(session)
        needed = attendance_services.required_minutes(session)
        rows = [
            {
                "registration": registration,
                "attendance": counted.get(registration.pk),
                "is_eligible": registration.pk in counted and counted[registration.pk].minutes >= needed,
            }
            for registration in registrations
        ]
        record_access(request=request, kind="attendance_list", session=session, rows=len(rows))
        context = self._context(
            request,
            session,
            gettext("Attendance"),
            rows=rows,
            required_minutes=needed,
            can_edit=request.user.has_perm(MANUAL_PERMISSION),
        )
        return TemplateResponse(request, "admin/certificates/attendance_list.html", context)

    def manual_view(self, request, session_id, registration_id):
        session = self._session(request, session_id)
        _require(request, MANUAL_PERMISSION)
        registration = get_object_or_404(
            Registration.objects.select_related("user"), pk=registration_id, session=session
        )
        current = attendance_services.attended_minutes(registration)
        form = ManualAttendanceForm(request.POST or None, initial={"minutes": current})
        back = reverse("admin:registrations_sessioncertificates_attendance", args=[session.pk])
        if request.method == "POST" and "clear" in request.POST:
            attendance_services.clear_manual_attendance(registration=registration, actor=request.user)
            self.message_user(request, gettext("The figure set by hand was removed."), messages.SUCCESS)
            return HttpResponseRedirect(back)
        if request.method == "POST" and form.is_valid():
            attendance_services.set_manual_attendance(
                registration=registration,
                minutes=form.cleaned_data["minutes"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
            self.message_user(request, gettext("Attendance saved."), messages.SUCCESS)
            return HttpResponseRedirect(back)
        context = self._context(
            request,
            session,
            gettext("Set attendance by hand"),
            form=form,
            registration=registration,
            attendances=registration.attendances.all(),
        )
        return TemplateResponse(request, "admin/certificates/attendance_manual.html", context)

    def certificates_view(self, request, session_id):
        session = self._session(request, session_id)
        if request.method == "POST":
            response = _issue_for_sessions(self, request, Session.objects.filter(pk=session.pk))
            return response or HttpResponseRedirect(request.path)
        issued, eligible = certificate_services.certificate_progress(session)
        certificates = Certificate.objects.filter(registration__session=session).order_by("printed_name", "-issued_at")
        context = self._context(
            request,
            session,
            gettext("Certificates"),
            issued=issued,
            eligible=eligible,
            is_running=issued < eligible,
            required_minutes=attendance_services.required_minutes(session),
            certificates=certificates,
            can_issue=request.user.has_perm(ISSUE_PERMISSION),
        )
        return TemplateResponse(request, "admin/certificates/certificate_progress.html", context)


@admin.register(SessionCertificateSettings)
class SessionCertificateSettingsAdmin(admin.ModelAdmin):
    list_display = ["session", "minimum_minutes", "minimum_percent"]
    raw_id_fields = ["session"]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["grouped_code", "printed_name", "printed_title", "status", "language", "minutes", "issued_at"]
    list_filter = ["status", "language"]
    search_fields = ["=code", "printed_name", "registration__user__email"]
    list_select_related = ["registration"]
    readonly_fields = [
        "grouped_code",
        "registration",
        "status",
        "language",
        "printed_name",
        "printed_title",
        "session_date",
        "minutes",
        "issued_at",
        "issued_by",
        "revoked_at",
        "reason",
        "replaced_by",
        "workflow_links",
    ]
    fields = readonly_fields

    def get_search_results(self, request, queryset, search_term):
        # Codes are searched in their stored form, whatever way they were typed.
        from registrations.certificate_models import normalise_code  # noqa: PLC0415

        code = normalise_code(search_term)
        return super().get_search_results(request, queryset, code or search_term)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("verification code"))
    def grouped_code(self, obj):
        return obj.grouped_code

    @admin.display(description=_("actions"))
    def workflow_links(self, obj):
        if obj.pk is None:
            return ""
        links = [
            (reverse("certificates:certificate-download", args=[obj.grouped_code]), gettext("Download the PDF")),
            (reverse("certificates:certificate-verify", args=[obj.grouped_code]), gettext("Verification page")),
        ]
        if obj.is_valid:
            links += [
                (reverse("admin:registrations_certificate_revoke", args=[obj.pk]), gettext("Revoke")),
                (reverse("admin:registrations_certificate_reissue", args=[obj.pk]), gettext("Re-issue")),
            ]
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/revoke/", view(self.revoke_view), name="registrations_certificate_revoke"),
            path("<int:pk>/reissue/", view(self.reissue_view), name="registrations_certificate_reissue"),
            *super().get_urls(),
        ]

    def _reason_view(self, request, pk, *, title, intro, service):
        _require(request, REVOKE_PERMISSION)
        certificate = get_object_or_404(Certificate.objects.select_related("registration__session"), pk=pk)
        if not certificate.is_valid:
            self.message_user(request, gettext("Only a valid certificate can be changed."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:registrations_certificate_change", args=[pk]))
        form = CertificateReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            result = service(certificate=certificate, reason=form.cleaned_data["reason"], actor=request.user)
            self.message_user(request, gettext("Done."), messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:registrations_certificate_change", args=[result.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "intro": intro,
            "certificate": certificate,
            "form": form,
        }
        return TemplateResponse(request, "admin/certificates/certificate_reason.html", context)

    def revoke_view(self, request, pk):
        return self._reason_view(
            request,
            pk,
            title=gettext("Revoke a certificate"),
            intro=gettext("Its code will then show as revoked to anyone who checks it. This cannot be undone."),
            service=certificate_services.revoke_certificate,
        )

    def reissue_view(self, request, pk):
        return self._reason_view(
            request,
            pk,
            title=gettext("Re-issue a certificate"),
            intro=gettext(
                "A new certificate with a new code is made with the name now on the person's profile; "
                "the old code will show as replaced. The person gets an email."
            ),
            service=certificate_services.reissue_certificate,
        )
