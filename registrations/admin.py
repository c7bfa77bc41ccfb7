"""The organiser admin for registrations and their audit trail.

Registrations are read-only here. Places change only through the two admin actions, which call
`registrations.services` (`cancel_registration`, `promote_registration`): every change is atomic,
audited with the organiser as its actor, and the person is told by email. The CSV export of a
session's registrations lives at `registration/export/<session_id>/`, needs the
`registrations.export_registration` permission and is audited (`services.record_export`).

The audit trail's admin is in `admin_audit.py`; the pieces for the session admin
(`registration_counts()`, `RegistrationCountsMixin`) are in `admin_counts.py` and importable from
here.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter

from events.models import Session
from registrations import exports
from registrations.access_log import record_access
from registrations.admin_audit import AuditEntryAdmin, describe_actor, short_session_title
from registrations.admin_counts import (
    EXPORT_PERMISSION,
    SESSION_FILTER_PARAMETER,
    RegistrationCountsMixin,
    registration_counts,
    registration_export_url,
    registration_list_url,
)
from registrations.models import AuditEntry, Registration
from registrations.services import cancel_registration, promote_registration, record_export, waitlist_position

# The session admin imports these from here (see RegistrationCountsMixin).
__all__ = ["AuditEntryAdmin", "RegistrationAdmin", "RegistrationCountsMixin", "registration_counts"]

# The confirmation page of an action names at most this many registrations, then counts the rest.
CONFIRMATION_LIST_LIMIT = 100

Status = Registration.Status


def with_waitlist_position(queryset: QuerySet[Registration]) -> QuerySet[Registration]:
    """Annotate `waitlist_place`: the number `services.waitlist_position()` gives a waitlisted
    registration (1 for the first in line), computed in the list's own query; None otherwise."""
    ahead = (
        Registration.objects.filter(
            session_id=OuterRef("session_id"),
            status=Status.WAITLISTED,
            waitlisted_at__lt=OuterRef("waitlisted_at"),
        )
        .order_by()
        .values("session_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    position = Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0)) + Value(1)
    return queryset.annotate(
        waitlist_place=Case(When(status=Status.WAITLISTED, then=position), default=None, output_field=IntegerField())
    )


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = [
        "public_id",
        "session_in_list",
        "full_name",
        "status",
        "waitlist_place",
        "language",
        "country",
        "created_at",
    ]
    list_filter = ["session", "status", "language", "profession", ("country", CountryFilter)]
    list_select_related = ["session"]
    search_fields = ["full_name", "user__email", "organisation", "=public_id"]
    search_help_text = _("Search by name, email address, organisation or the exact public ID.")
    ordering = ["-created_at", "-pk"]
    actions = ["cancel_selected", "promote_selected"]
    fieldsets = [
        (None, {"fields": ["public_id", "session", "email", "status", "waitlist_position_now"]}),
        (_("Answers"), {"fields": ["full_name", "organisation", "profession", "country", "language"]}),
        (
            _("Consent"),
            {
                "fields": [
                    "privacy_notice_version",
                    "privacy_consent_at",
                    "announcements_consent",
                    "announcements_consent_at",
                ]
            },
        ),
        (_("History"), {"fields": ["created_at", "waitlisted_at", "confirmed_at", "cancelled_at", "audit_trail"]}),
    ]
    # The join token's hash and its salt are secrets: they are in no fieldset, so never shown.
    readonly_fields = ["email", "waitlist_position_now", "audit_trail"]

    class Media:
        css = {"all": ["registrations/admin.css"]}

    def get_queryset(self, request):
        return with_waitlist_position(super().get_queryset(request))

    def get_list_display(self, request):
        # Filtered to one session, the heading names it: a session column would only repeat it.
        if SESSION_FILTER_PARAMETER in request.GET:
            return [name for name in self.list_display if name != "session_in_list"]
        return self.list_display

    def get_urls(self):
        export = path(
            "export/<int:session_id>/",
            self.admin_site.admin_view(self.export_view),
            name="registrations_registration_export",
        )
        return [export, *super().get_urls()]

    # Registrations come from the public form; they are cancelled, never deleted; their state
    # changes only through the actions. "change" stays granted for the actions only: the detail
    # page is view-only for everyone.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None:
            return False
        return super().has_change_permission(request)

    @admin.display(description=_("session"), ordering="session__starts_at")
    def session_in_list(self, obj: Registration) -> str:
        return short_session_title(obj.session)

    @admin.display(description=_("waitlist position"), ordering="waitlist_place")
    def waitlist_place(self, obj: Registration) -> int | None:
        return obj.waitlist_place

    @admin.display(description=_("waitlist position"))
    def waitlist_position_now(self, obj: Registration) -> int | str:
        position = waitlist_position(obj)
        return self.get_empty_value_display() if position is None else position

    @admin.display(description=_("email address"))
    def email(self, obj: Registration) -> str:
        return obj.user.email

    @admin.display(description=_("audit trail"))
    def audit_trail(self, obj: Registration) -> str:
        entries = obj.audit_entries.select_related("actor").order_by("created_at", "pk")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (formats.date_format(timezone.localtime(entry.created_at), "DATETIME_FORMAT"),
                 entry.get_action_display(),
                 describe_actor(entry))
                for entry in entries
            ),
        )
        if not rows:
            return ""
        return format_html(
            '<table class="registration-audit"><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
            '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
            capfirst(AuditEntry._meta.get_field("created_at").verbose_name),
            capfirst(AuditEntry._meta.get_field("action").verbose_name),
            capfirst(AuditEntry._meta.get_field("actor").verbose_name),
            rows,
        )

    # --- the per-session view --------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        session = self._filtered_session(request)
        if session is not None:
            extra_context.update(
                title=gettext("Registrations for “%(session)s”") % {"session": session},
                filtered_session=session,
                session_when=_session_when(session),
                registration_counts=_count_summary(session),
                export_url=registration_export_url(session) if request.user.has_perm(EXPORT_PERMISSION) else None,
            )
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:  # a list was shown (not an action's redirect or confirmation)
            record_access(
                request=request, kind="registrant_list", session=session, rows=len(changelist.result_list)
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        registration = getattr(response, "context_data", {}).get("original")
        if registration is not None:
            record_access(
                request=request, kind="registrant_detail", session=registration.session_id,
                registration=registration, rows=1,
            )
        return response

    def _filtered_session(self, request) -> Session | None:
        try:
            session_id = int(request.GET.get(SESSION_FILTER_PARAMETER, ""))
        except ValueError:
            return None
        return registration_counts(Session.objects.filter(pk=session_id)).first()

    # --- actions -------------------------------------------------------------------------------

    @admin.action(description=_("Cancel selected registrations"), permissions=["change"])
    def cancel_selected(self, request, queryset):
        registrations = list(queryset.select_related("session", "user").order_by("created_at", "pk"))
        affected = [registration for registration in registrations if registration.is_active]
        skipped = len(registrations) - len(affected)
        if affected and request.POST.get("post") != "yes":
            return self._confirm(
                request,
                registrations,
                affected,
                action="cancel_selected",
                title=gettext("Cancel registrations"),
                question=ngettext(
                    "Cancel %(count)d registration? The person is told by email, and a freed place goes "
                    "to the first person on the waitlist.",
                    "Cancel %(count)d registrations? Each person is told by email, and freed places go to "
                    "the waitlist in order.",
                    len(affected),
                )
                % {"count": len(affected)},
                confirm_label=gettext("Yes, cancel"),
                skipped_message=_already_cancelled_message(skipped) if skipped else "",
            )
        for registration in affected:
            cancel_registration(registration=registration, actor=request.user)
        if affected:
            self.message_user(request, _cancelled_message(len(affected)), messages.SUCCESS)
        if skipped:
            self.message_user(request, _already_cancelled_message(skipped), messages.WARNING)
        return None

    @admin.action(description=_("Promote selected from the waitlist"), permissions=["change"])
    def promote_selected(self, request, queryset):
        registrations = list(queryset.select_related("session", "user").order_by("waitlisted_at", "pk"))
        affected = [registration for registration in registrations if registration.status == Status.WAITLISTED]
        skipped = len(registrations) - len(affected)
        if affected and request.POST.get("post") != "yes":
            return self._confirm(
                request,
                registrations,
                affected,
                action="promote_selected",
                title=gettext("Promote from the waitlist"),
                question=ngettext(
                    "Give %(count)d waitlisted person a place? They are told by email. This can take "
                    "the session beyond its capacity.",
                    "Give %(count)d waitlisted people a place? Each is told by email. This can take "
                    "the session beyond its capacity.",
                    len(affected),
                )
                % {"count": len(affected)},
                confirm_label=gettext("Yes, promote"),
                skipped_message=_not_waitlisted_message(skipped) if skipped else "",
            )
        for registration in affected:
            promote_registration(registration=registration, actor=request.user)
        if affected:
            self.message_user(request, _promoted_message(len(affected)), messages.SUCCESS)
        if skipped:
            self.message_user(request, _not_waitlisted_message(skipped), messages.WARNING)
        return None

    def _confirm(self, request, selected, affected, *, action, title, question, confirm_label, skipped_message):
        shown = affected[:CONFIRMATION_LIST_LIMIT]
        hidden = len(affected) - len(shown)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "opts": self.opts,
            "media": self.media,
            "question": question,
            "affected": shown,
            "more_message": _more_message(hidden) if hidden else "",
            "skipped_message": skipped_message,
            "selected": selected,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "confirm_label": confirm_label,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/registrations/registration/action_confirmation.html", context)

    # --- CSV export ----------------------------------------------------------------------------

    def export_view(self, request, session_id: int):
        """Serve the session's registrations as CSV; audited; 403 without the export permission."""
        if not request.user.has_perm(EXPORT_PERMISSION):
            raise PermissionDenied
        session = get_object_or_404(Session, pk=session_id)
        content, row_count = exports.render_csv(exports.registrations_for_export(session).iterator(chunk_size=2000))
        record_export(session=session, actor=request.user, row_count=row_count)
        record_access(request=request, kind="export", session=session, rows=row_count)
        response = HttpResponse(content.encode("utf-8"), content_type="text/csv; charset=utf-8")
        filename = exports.build_filename(session, timezone.now().date())
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
        # Personal data: no cache along the way may keep a copy (admin_view adds its own never-cache
        # directives on top).
        response["Cache-Control"] = "no-store"
        return response


def _session_when(session: Session) -> str:
    local = session.starts_at.astimezone(session.zoneinfo)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({session.timezone})"


def _count_summary(session: Session) -> list[tuple[str, str]]:
    """(link, text) per status, for the heading of the per-session registration list."""
    return [
        (
            registration_list_url(session, Status.CONFIRMED),
            ngettext("%(count)d confirmed place", "%(count)d confirmed places", session.confirmed_count)
            % {"count": session.confirmed_count},
        ),
        (
            registration_list_url(session, Status.WAITLISTED),
            ngettext(
                "%(count)d person on the waitlist", "%(count)d people on the waitlist", session.waitlisted_count
            )
            % {"count": session.waitlisted_count},
        ),
        (
            registration_list_url(session, Status.CANCELLED),
            ngettext(
                "%(count)d cancelled registration", "%(count)d cancelled registrations", session.cancelled_count
            )
            % {"count": session.cancelled_count},
        ),
    ]


def _cancelled_message(count: int) -> str:
    return ngettext(
        "%(count)d registration was cancelled; the person is told by email.",
        "%(count)d registrations were cancelled; each person is told by email.",
        count,
    ) % {"count": count}


def _already_cancelled_message(count: int) -> str:
    return ngettext(
        "%(count)d registration was already cancelled and was left unchanged.",
        "%(count)d registrations were already cancelled and were left unchanged.",
        count,
    ) % {"count": count}


def _promoted_message(count: int) -> str:
    return ngettext(
        "%(count)d person was given a place from the waitlist and is told by email.",
        "%(count)d people were given a place from the waitlist and are told by email.",
        count,
    ) % {"count": count}


def _not_waitlisted_message(count: int) -> str:
    return ngettext(
        "%(count)d registration was left unchanged: only waitlisted registrations can be promoted.",
        "%(count)d registrations were left unchanged: only waitlisted registrations can be promoted.",
        count,
    ) % {"count": count}


def _more_message(count: int) -> str:
    return ngettext("…and %(count)d more registration.", "…and %(count)d more registrations.", count) % {
        "count": count
    }


# The other admin modules of this app register their entries when imported.
from registrations import (  # noqa: E402
    certificates_admin,  # noqa: F401
    dashboard_admin,  # noqa: F401
    notifications_admin,  # noqa: F401
    privacy_admin,  # noqa: F401
)
