"""The organiser admin for privacy: notice versions (EN/RU tabs), retention periods and what is
purged when, consent records, the access log (superusers only), and personal data requests
(export and erasure for a person who writes in; both on the access log).

Imported by registrations/admin.py (see the wiring note of issue 8).
"""

import json

from django.contrib import admin
from django.contrib.admin.options import ActionLocation, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import formats, timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin

from registrations import privacy, retention
from registrations.access_log import record_access
from registrations.privacy_models import (
    AccessLogEntry,
    ConsentEvent,
    PersonalDataRequest,
    PrivacyNotice,
    RetentionSchedule,
    SeriesRetention,
)

MANAGE_PERSONAL_DATA = "registrations.manage_personal_data"


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(TabbedTranslationAdmin):
    """Versions of the notice. A version people accepted is read-only: publish a new one instead."""

    list_display = ["version", "published_at", "is_current"]
    fields = ["version", "published_at", "summary", "body"]

    @admin.display(description=_("in force now"), boolean=True)
    def is_current(self, obj: PrivacyNotice) -> bool:
        current = privacy.current_notice()
        return current is not None and current.pk == obj.pk

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.published_at <= timezone.now():
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj) and super().has_delete_permission(request, obj)


@admin.register(SeriesRetention)
class SeriesRetentionAdmin(admin.ModelAdmin):
    list_display = ["series", "details_months", "certificate_years"]


@admin.register(RetentionSchedule)
class RetentionScheduleAdmin(ReadOnlyAdmin):
    """What is purged when: each ended or coming session with its two dates, soonest first."""

    list_display = ["__str__", "ends_at", "details_purge", "certificates_purge"]
    ordering = ["ends_at"]
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("series")

    def _schedule(self, obj) -> retention.ScheduledPurge:
        return retention.upcoming_purges([obj])[0]

    @admin.display(description=_("registrant details anonymised"))
    def details_purge(self, obj) -> str:
        return _describe(self._schedule(obj).details_at, done=self._schedule(obj).details_done)

    @admin.display(description=_("certificates removed"))
    def certificates_purge(self, obj) -> str:
        return _describe(self._schedule(obj).certificates_at, done=self._schedule(obj).certificates_done)


def _describe(moment, *, done: bool) -> str:
    date = formats.date_format(timezone.localtime(moment), "DATE_FORMAT")
    if done:
        return gettext("done (due %(date)s)") % {"date": date}
    return date


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "kind", "action", "channel", "notice_version"]
    list_filter = ["kind", "action", "channel"]
    search_fields = ["=user__email"]
    search_help_text = _("Search by the exact email address.")
    date_hierarchy = "created_at"


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    """Superusers only: who looked at which personal data, and when."""

    list_display = ["created_at", "actor", "kind", "session", "rows"]
    list_filter = ["kind"]
    list_select_related = ["actor", "session"]
    date_hierarchy = "created_at"

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(PersonalDataRequest)
class PersonalDataRequestAdmin(ReadOnlyAdmin):
    """Find a person by their exact email address, then export or erase their data.

    The list is empty until searched (nobody browses the people here); each export and erasure is
    on the access log and needs the `registrations.manage_personal_data` permission.
    """

    list_display = ["email", "date_joined", "last_login", "is_active"]
    search_fields = ["=email"]
    search_help_text = _("Enter the person's exact email address.")
    actions = ["export_data", "erase_data", "erase_data_keep_certificates"]

    def has_module_permission(self, request):
        return request.user.has_perm(MANAGE_PERSONAL_DATA)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(MANAGE_PERSONAL_DATA)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(is_staff=False, is_superuser=False)

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            # Nothing listed until searched; an action's POST acts on the rows ticked in that search.
            return (queryset if request.method == "POST" else queryset.none()), False
        return super().get_search_results(request, queryset, search_term.strip().lower())

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)
        return actions

    def _require(self, request) -> None:
        if not request.user.has_perm(MANAGE_PERSONAL_DATA):
            raise PermissionDenied

    @admin.action(description=_("Export the selected person's data (JSON)"))
    def export_data(self, request, queryset):
        self._require(request)
        people = list(queryset[:2])
        if len(people) != 1:
            self.message_user(request, gettext("Select exactly one person to export."), messages.WARNING)
            return None
        person = people[0]
        data = privacy.export_personal_data(user=person)
        record_access(request=request, kind=AccessLogEntry.Kind.PERSON_EXPORT, subject=person,
                      rows=len(data["registrations"]))
        response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2),
                                content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"personal-data-{person.pk}.json"
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Erase the selected people's data"))
    def erase_data(self, request, queryset):
        return self._erase(request, queryset, keep_certificates=False, action="erase_data")

    @admin.action(description=_("Erase the selected people's data, keeping their certificates verifiable"))
    def erase_data_keep_certificates(self, request, queryset):
        return self._erase(request, queryset, keep_certificates=True, action="erase_data_keep_certificates")

    def _erase(self, request, queryset, *, keep_certificates: bool, action: str):
        self._require(request)
        people = list(queryset)
        if request.POST.get("post") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": gettext("Erase personal data"),
                "opts": self.opts,
                "people": people,
                "action": action,
                "question": ngettext(
                    "Erase the data of %(count)d person? Their places are cancelled, their account is closed "
                    "and their name and email address are removed. This cannot be undone.",
                    "Erase the data of %(count)d people? Their places are cancelled, their accounts are closed "
                    "and their names and email addresses are removed. This cannot be undone.",
                    len(people),
                )
                % {"count": len(people)},
            }
            return TemplateResponse(request, "admin/privacy/erase_confirmation.html", context)
        for person in people:
            record_access(request=request, kind=AccessLogEntry.Kind.PERSON_ERASURE, subject=person, rows=1)
            privacy.erase_person(user=person, actor=request.user, keep_certificates=keep_certificates)
        self.message_user(
            request,
            ngettext("The data of %(count)d person was erased.", "The data of %(count)d people was erased.",
                     len(people)) % {"count": len(people)},
            messages.SUCCESS,
        )
        return None
