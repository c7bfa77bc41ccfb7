"""The audit trail in the organiser admin: read-only, written only by `registrations.services`."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from events.models import Session
from registrations.models import AuditEntry

# How much of a session's title the lists show.
SESSION_TITLE_CHARS = 28


def short_session_title(session: Session | None) -> str:
    """The title cut short on one line (in full on hover), so lists keep their other columns on screen."""
    if session is None:
        return ""
    title = str(session)
    return format_html(
        '<span class="registration-session" title="{}">{}</span>', title, Truncator(title).chars(SESSION_TITLE_CHARS)
    )


def describe_actor(entry: AuditEntry) -> str:
    if entry.actor is None:
        # Translators: the actor of an automatic change, e.g. a promotion after a cancellation.
        return gettext("the system")
    return entry.actor.email or entry.actor.get_username()


def describe_details(details: dict) -> str:
    """The entry's details in words; keys this code does not know are shown as they are."""
    parts = []
    for key, value in sorted(details.items()):
        if key == "rows":
            parts.append(ngettext("%(count)d row exported", "%(count)d rows exported", value) % {"count": value})
        elif key == "by_organiser":
            if value:
                parts.append(gettext("by an organiser"))
        elif key == "was_confirmed":
            if value:
                parts.append(gettext("the place was confirmed"))
        else:
            parts.append(f"{key}: {value}")
    return "; ".join(parts)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: entries are written by the services and never edited or removed here."""

    list_display = ["created_at", "who", "action", "session_in_list", "registration_link", "details_in_words"]
    list_filter = ["action", "session"]
    list_select_related = ["actor", "session", "registration"]
    search_fields = ["=registration__public_id"]
    search_help_text = _("Search by the exact public ID of a registration.")
    date_hierarchy = "created_at"
    fields = ["created_at", "who", "action", "session", "registration_link", "details_in_words"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("who"), ordering="actor")
    def who(self, obj: AuditEntry) -> str:
        return describe_actor(obj)

    @admin.display(description=_("session"), ordering="session__starts_at")
    def session_in_list(self, obj: AuditEntry) -> str:
        return short_session_title(obj.session)

    @admin.display(description=_("registration"), ordering="registration__public_id")
    def registration_link(self, obj: AuditEntry) -> str:
        if obj.registration is None:
            return ""
        url = reverse("admin:registrations_registration_change", args=[obj.registration_id])
        return format_html('<a href="{}">{}</a>', url, obj.registration.public_id)

    @admin.display(description=_("details"))
    def details_in_words(self, obj: AuditEntry) -> str:
        return describe_details(obj.details)
