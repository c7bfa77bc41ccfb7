"""The organiser admin for series, sessions and speakers, with EN/RU side by side in tabs.

Status changes go through `events.services` (admin actions), never through the change form;
speaker photos go through the photo pipeline (`events.photos`) before they are stored.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter
from modeltranslation.admin import TabbedTranslationAdmin, TranslationTabularInline

from events.admin_forms import SessionAdminForm, SpeakerAdminForm
from events.models import Series, Session, SessionMaterial, SessionSpeaker, Speaker
from events.services import publish_session, remove_speaker_photo, set_speaker_photo, unpublish_session
from registrations.admin import RegistrationCountsMixin
from registrations.notifications_admin import SessionNotificationsMixin

THUMBNAIL_LIST_SIDE = 40
THUMBNAIL_FORM_SIDE = 120


@admin.register(Series)
class SeriesAdmin(TabbedTranslationAdmin):
    list_display = ["title", "organiser_name", "reply_to_email", "timezone"]
    search_fields = ["title_en", "title_ru", "slug"]
    prepopulated_fields = {"slug": ["title_en"]}
    fieldsets = [
        (None, {"fields": ["title", "slug", "tagline", "description"]}),
        (_("Organiser"), {"fields": ["organiser_name", "reply_to_email", "timezone"]}),
    ]


class UpcomingOrPastFilter(admin.SimpleListFilter):
    title = _("when")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("upcoming", _("Upcoming")), ("past", _("Past"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "upcoming":
            return queryset.upcoming(now)
        if self.value() == "past":
            return queryset.past(now)
        return queryset


class SessionSpeakerInline(admin.TabularInline):
    model = SessionSpeaker
    fields = ["order", "speaker", "role"]
    ordering = ["order", "pk"]
    autocomplete_fields = ["speaker"]
    extra = 1


class SessionMaterialInline(TranslationTabularInline):
    model = SessionMaterial
    fields = ["order", "title", "url"]
    ordering = ["order", "pk"]
    extra = 0


@admin.register(Session)
class SessionAdmin(SessionNotificationsMixin, RegistrationCountsMixin, TabbedTranslationAdmin):
    form = SessionAdminForm
    inlines = [SessionSpeakerInline, SessionMaterialInline]
    list_display = [
        "title",
        "series",
        "starts_in_own_zone",
        "status",
        "capacity",
        "confirmed",
        "waitlisted",
        "cancelled",
        "registration_export",
    ]
    list_filter = ["series", "status", UpcomingOrPastFilter, "floor_language"]
    list_select_related = ["series"]
    search_fields = ["title_en", "title_ru", "slug"]
    prepopulated_fields = {"slug": ["title_en"]}
    date_hierarchy = "starts_at"
    ordering = ["-starts_at"]
    # Status changes only through the actions below, which call the services.
    readonly_fields = ["status"]
    actions = ["publish_selected", "unpublish_selected"]
    fieldsets = [
        (_("Content"), {"fields": ["series", "title", "slug", "status", "summary", "description"]}),
        (_("Time"), {"fields": ["timezone", "starts_at", "ends_at"]}),
        (_("Languages"), {"fields": ["floor_language", "interpretation_languages"]}),
        (_("Registration"), {"fields": ["capacity", "registration_opens_at", "registration_closes_at"]}),
        (_("After the session"), {"fields": ["recording_url"]}),
        (_("Cancellation"), {"fields": ["cancellation_note"], "classes": ["collapse"]}),
        (
            _("Secret join link"),
            {
                "fields": ["join_url"],
                "classes": ["collapse"],
                "description": _(
                    "Never post this link anywhere. Registered attendees receive it through their personal link only."
                ),
            },
        ),
    ]

    @admin.display(description=_("starts"), ordering="starts_at")
    def starts_in_own_zone(self, obj: Session) -> str:
        local = obj.starts_at.astimezone(obj.zoneinfo)
        return format_html("{} <small>{}</small>", formats.date_format(local, "Y-m-d H:i"), obj.timezone)

    @admin.action(description=_("Publish selected sessions"), permissions=["change"])
    def publish_selected(self, request, queryset):
        self._change_status(request, queryset, publish_session, done=_published_message, refused=_not_draft_message)

    @admin.action(description=_("Move selected sessions back to draft"), permissions=["change"])
    def unpublish_selected(self, request, queryset):
        self._change_status(
            request, queryset, unpublish_session, done=_unpublished_message, refused=_not_published_message
        )

    def _change_status(self, request, queryset, service, *, done, refused) -> None:
        changed = unchanged = 0
        for session in queryset:
            try:
                service(session=session)
            except ValidationError:
                unchanged += 1
            else:
                changed += 1
        if changed:
            self.message_user(request, done(changed), messages.SUCCESS)
        if unchanged:
            self.message_user(request, refused(unchanged), messages.WARNING)


def _published_message(count: int) -> str:
    return ngettext("%(count)d session was published.", "%(count)d sessions were published.", count) % {"count": count}


def _not_draft_message(count: int) -> str:
    return ngettext(
        "%(count)d session was left unchanged: only draft sessions can be published.",
        "%(count)d sessions were left unchanged: only draft sessions can be published.",
        count,
    ) % {"count": count}


def _unpublished_message(count: int) -> str:
    return ngettext(
        "%(count)d session was moved back to draft.", "%(count)d sessions were moved back to draft.", count
    ) % {"count": count}


def _not_published_message(count: int) -> str:
    return ngettext(
        "%(count)d session was left unchanged: only published sessions can be moved back to draft.",
        "%(count)d sessions were left unchanged: only published sessions can be moved back to draft.",
        count,
    ) % {"count": count}


@admin.register(Speaker)
class SpeakerAdmin(TabbedTranslationAdmin):
    form = SpeakerAdminForm
    list_display = ["photo_in_list", "name", "organisation", "country", "is_example"]
    list_display_links = ["photo_in_list", "name"]
    list_filter = ["is_example", ("country", CountryFilter)]
    search_fields = ["name_en", "name_ru", "organisation_en", "organisation_ru", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    readonly_fields = ["photo_preview"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "position", "organisation", "country", "bio"]}),
        (_("Photo"), {"fields": ["photo_preview", "new_photo", "remove_photo"]}),
        (_("Links"), {"fields": ["website_url", "profile_url"]}),
        (None, {"fields": ["is_example"]}),
    ]

    @admin.display(description=_("photo"))
    def photo_in_list(self, obj: Speaker) -> str:
        return _thumbnail(obj, THUMBNAIL_LIST_SIDE)

    @admin.display(description=_("current photo"))
    def photo_preview(self, obj: Speaker) -> str:
        return _thumbnail(obj, THUMBNAIL_FORM_SIDE) or gettext("No photo yet.")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.processed_photo is not None:
            set_speaker_photo(speaker=obj, upload=form.processed_photo)
        elif form.cleaned_data.get("remove_photo") and obj.photo:
            remove_speaker_photo(speaker=obj)


def _thumbnail(speaker: Speaker, side: int) -> str:
    if not speaker.photo_thumbnail:
        return ""
    # Width and height as attributes: the CSP allows no inline style attributes.
    return format_html('<img src="{}" width="{}" height="{}" alt="">', speaker.photo_thumbnail.url, side, side)
