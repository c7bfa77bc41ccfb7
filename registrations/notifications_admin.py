"""The organiser admin for notifications. Imported by registrations/admin.py (one line).

- "Outgoing emails": every outbox row, filterable by status, kind and session; failed ones show
  their last error and can be sent again (action).
- "Messages to registrants": the history of organiser messages per session, and "Add" = compose:
  session, audience, subject and body in EN and RU → preview for one recipient of each language →
  a test send to yourself → send (through the outbox).
- Per-session pages: "cancel session and tell registrants" (note, who will be told, confirm) and
  "send follow-ups now" (the recording is available).
- `SessionNotificationsMixin`: for `events.admin.SessionAdmin` (the lead adds it to its bases);
  adds the three actions and, when a published session's time, zone, or join link is edited, a
  confirmation page listing who will be told before anything is saved, and a summary after.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.options import ActionLocation, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from events.models import Session
from registrations import outbox
from registrations.models import Registration
from registrations.notification_emails import build_organiser_email
from registrations.outbox_delivery import retry_message
from registrations.outbox_models import (
    AnnouncementOptOut,
    OrganiserMessage,
    OutboxMessage,
    SeriesNotificationSettings,
    SessionNotificationSettings,
)
from registrations.session_changes import (
    CALENDAR_FIELDS,
    cancel_session,
    notify_session_changed,
    preview_session_change,
)

CHANGE_SESSION = "events.change_session"
SEND_MESSAGE = "registrations.add_organisermessage"
CONFIRM_FIELD = "_notify_confirmed"
# The session fields whose change tells registrants (published sessions only).
NOTIFYING_FIELDS = CALENDAR_FIELDS - {"status"}


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["kind", "status", "session", "registration", "due_at", "sent_at", "attempts", "short_error"]
    list_filter = ["status", "kind", "session"]
    list_select_related = ["session", "registration"]
    date_hierarchy = "due_at"
    search_fields = ["registration__public_id"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields if f.editable] + ["created_at"]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("last error"))
    def short_error(self, obj: OutboxMessage) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("Send the selected failed emails again"), permissions=["view"])
    def send_again(self, request, queryset):
        count = sum(retry_message(message=m) for m in queryset.filter(status=OutboxMessage.Status.FAILED))
        if count:
            outbox._dispatch_after_commit()
        self.message_user(
            request,
            ngettext(
                "%(count)d email will be sent again.", "%(count)d emails will be sent again.", count
            ) % {"count": count},
            messages.SUCCESS,
        )


class ComposeForm(forms.Form):
    session = forms.ModelChoiceField(queryset=Session.objects.public().order_by("-starts_at"), label=_("Session"))
    audience = forms.ChoiceField(choices=OrganiserMessage.Audience.choices, label=_("Audience"))
    subject_en = forms.CharField(max_length=200, label=_("Subject (English)"))
    subject_ru = forms.CharField(
        max_length=200, required=False, label=_("Subject (Russian)"), help_text=_("Empty: the English one is used.")
    )
    body_en = forms.CharField(widget=forms.Textarea, label=_("Message (English)"))
    body_ru = forms.CharField(
        widget=forms.Textarea,
        required=False,
        label=_("Message (Russian)"),
        help_text=_("Empty: the English one is used."),
    )

    def build_message(self, user) -> OrganiserMessage:
        data = self.cleaned_data
        return OrganiserMessage(
            session=data["session"],
            audience=data["audience"],
            subject_en=data["subject_en"],
            subject_ru=data["subject_ru"] or None,
            body_en=data["body_en"],
            body_ru=data["body_ru"] or None,
            created_by=user,
        )


class CancelForm(forms.Form):
    note_en = forms.CharField(widget=forms.Textarea, required=False, label=_("Cancellation note (English)"))
    note_ru = forms.CharField(widget=forms.Textarea, required=False, label=_("Cancellation note (Russian)"))


def _sample_recipients(session: Session, audience: str) -> dict[str, Registration]:
    """One recipient per language, for the preview."""
    found = {}
    queryset = outbox.audience_queryset(session, audience).select_related("session", "session__series", "user")
    for code in ("en", "ru"):
        registration = queryset.filter(language=code).first()
        if registration is not None:
            found[code] = registration
    return found


@admin.register(OrganiserMessage)
class OrganiserMessageAdmin(admin.ModelAdmin):
    list_display = ["subject", "session", "audience", "queued_at", "recipient_count", "created_by", "delivery"]
    list_filter = ["session", "audience"]
    list_select_related = ["session", "created_by"]
    readonly_fields = [
        "session", "audience", "subject_en", "subject_ru", "body_en", "body_ru", "created_by", "created_at",
        "queued_at", "recipient_count",
    ]
    fields = readonly_fields

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("delivery"))
    def delivery(self, obj: OrganiserMessage) -> str:
        url = reverse("admin:registrations_outboxmessage_changelist")
        return format_html('<a href="{}?organiser_message__id__exact={}">{}</a>', url, obj.pk, gettext("emails"))

    def get_urls(self):
        own = [
            path("session/<path:session_id>/cancel/", self.admin_site.admin_view(self.cancel_view),
                 name="registrations_session_cancel"),
            path("session/<path:session_id>/follow-ups/", self.admin_site.admin_view(self.follow_ups_view),
                 name="registrations_session_follow_ups"),
        ]
        return own + super().get_urls()

    def add_view(self, request, form_url="", extra_context=None):
        """Compose → preview → test send → send."""
        _require(request, SEND_MESSAGE)
        initial = {"session": request.GET.get("session"), "audience": OrganiserMessage.Audience.CONFIRMED}
        form = ComposeForm(request.POST or None, initial=initial)
        previews, recipients = [], None
        if request.method == "POST" and form.is_valid():
            draft = form.build_message(request.user)
            session = form.cleaned_data["session"]
            recipients = outbox.audience_queryset(session, draft.audience).count()
            if "_send" in request.POST:
                draft.save()
                count = outbox.queue_organiser_message(message=draft, actor=request.user)
                self.message_user(
                    request,
                    ngettext(
                        "The message is on its way to %(count)d registrant.",
                        "The message is on its way to %(count)d registrants.",
                        count,
                    ) % {"count": count},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:registrations_organisermessage_changelist"))
            samples = _sample_recipients(session, draft.audience)
            for code, registration in samples.items():
                email = build_organiser_email(registration=registration, organiser_message=draft)
                previews.append({"language": code, "subject": email.subject, "body": email.body})
            if "_test" in request.POST:
                sample = samples.get(translation.get_language()[:2]) or next(iter(samples.values()), None)
                if sample is None:
                    self.message_user(
                        request, gettext("Nobody in this audience yet: no test to send."), messages.WARNING
                    )
                else:
                    email = build_organiser_email(registration=sample, organiser_message=draft)
                    email.to = [request.user.email]
                    # The sample registrant's one-click unsubscribe must not reach the organiser's
                    # mail client: its "Unsubscribe" button would unsubscribe that registrant.
                    for header in ("List-Unsubscribe", "List-Unsubscribe-Post"):
                        email.extra_headers.pop(header, None)
                    email.subject = gettext("[Test] %(subject)s") % {"subject": email.subject}
                    email.send()
                    self.message_user(
                        request,
                        gettext("A test was sent to %(email)s.") % {"email": request.user.email},
                        messages.SUCCESS,
                    )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Message registrants"),
            "form": form,
            "previews": previews,
            "recipients": recipients,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/notifications/compose.html", context)

    def cancel_view(self, request, session_id):
        _require(request, CHANGE_SESSION)
        session = get_object_or_404(Session, pk=unquote(session_id))
        form = CancelForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                told = cancel_session(
                    session=session, actor=request.user, note=form.cleaned_data["note_en"],
                    note_ru=form.cleaned_data["note_ru"],
                )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, _told_message(told), messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:events_session_change", args=[session.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Cancel the session and tell its registrants"),
            "session": session,
            "form": form,
            "preview": preview_session_change(session=session),
            "opts": Session._meta,
        }
        return TemplateResponse(request, "admin/notifications/cancel_confirm.html", context)

    def follow_ups_view(self, request, session_id):
        _require(request, CHANGE_SESSION)
        session = get_object_or_404(Session, pk=unquote(session_id))
        if request.method == "POST":
            count = outbox.plan_follow_ups(session=session, actor=request.user)
            self.message_user(
                request,
                ngettext(
                    "Follow-ups are on their way to %(count)d registrant.",
                    "Follow-ups are on their way to %(count)d registrants.",
                    count,
                ) % {"count": count},
                messages.SUCCESS if count else messages.WARNING,
            )
            return HttpResponseRedirect(reverse("admin:events_session_change", args=[session.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Send the follow-ups now"),
            "session": session,
            "is_over": session.ends_at <= timezone.now(),
            "preview": preview_session_change(session=session),
            "opts": Session._meta,
        }
        return TemplateResponse(request, "admin/notifications/follow_ups_confirm.html", context)


def _told_message(count: int) -> str:
    return ngettext(
        "%(count)d registrant will be told, in their language.",
        "%(count)d registrants will be told, each in their language.",
        count,
    ) % {"count": count}


@admin.register(SeriesNotificationSettings)
class SeriesNotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ["series", "reminder_offsets", "follow_up_delay_hours"]


@admin.register(SessionNotificationSettings)
class SessionNotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ["session", "feedback_url", "follow_ups_queued_at"]
    fields = ["session", "feedback_url", "reminder_round", "reminders_anchor_at", "follow_ups_queued_at"]
    readonly_fields = ["reminder_round", "reminders_anchor_at", "follow_ups_queued_at"]
    autocomplete_fields = []


@admin.register(AnnouncementOptOut)
class AnnouncementOptOutAdmin(admin.ModelAdmin):
    list_display = ["user", "unsubscribed_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SessionNotificationsMixin:
    """For events.admin.SessionAdmin: notification actions and the "who will be told" step."""

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        for name in ("message_registrants", "cancel_and_tell", "send_follow_ups"):
            func = getattr(type(self), name)
            actions[name] = (func, name, func.short_description)
        return actions

    @admin.action(description=_("Message the registrants of the session"))
    def message_registrants(self, request, queryset):
        url = reverse("admin:registrations_organisermessage_add")
        return HttpResponseRedirect(f"{url}?session={queryset.first().pk}")

    @admin.action(description=_("Cancel the session and tell its registrants"))
    def cancel_and_tell(self, request, queryset):
        return HttpResponseRedirect(reverse("admin:registrations_session_cancel", args=[queryset.first().pk]))

    @admin.action(description=_("Recording available: send the follow-ups"))
    def send_follow_ups(self, request, queryset):
        return HttpResponseRedirect(reverse("admin:registrations_session_follow_ups", args=[queryset.first().pk]))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Before saving a change that tells registrants, show who will be told and ask to confirm."""
        if request.method == "POST" and object_id and CONFIRM_FIELD not in request.POST:
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and obj.status == Session.Status.PUBLISHED:
                form = self.get_form(request, obj, change=True)(request.POST, request.FILES, instance=obj)
                if form.is_valid() and set(form.changed_data) & NOTIFYING_FIELDS:
                    obj.refresh_from_db()
                    preview = preview_session_change(session=obj)
                    if preview.total:
                        context = {
                            **self.admin_site.each_context(request),
                            "title": gettext("Who will be told about this change"),
                            "session": obj,
                            "preview": preview,
                            "changed": sorted(set(form.changed_data) & NOTIFYING_FIELDS),
                            "post_items": [(k, v) for k, values in request.POST.lists() for v in values],
                            "confirm_field": CONFIRM_FIELD,
                            "opts": self.model._meta,
                        }
                        return TemplateResponse(request, "admin/notifications/change_confirm.html", context)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = set(form.changed_data) & NOTIFYING_FIELDS if change else set()
        if changed and obj.status == Session.Status.PUBLISHED:
            notify_session_changed(session=obj, changed=changed)
            told = Registration.objects.filter(session=obj).active().count()
            self.message_user(request, _told_message(told), messages.SUCCESS)
