"""Registration counts for the session admin (events/admin.py), kept here with the registrations.

`registration_counts()` annotates sessions with their confirmed / waitlisted / cancelled counts in
one query; `RegistrationCountsMixin` turns them into list columns linking to the registration list,
and moves the waitlist up when an organiser changes a session's capacity (through
`services.promote_from_waitlist`). Wiring: see the mixin's docstring.
"""

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from events.models import Session
from registrations.models import Registration
from registrations.services import promote_from_waitlist

EXPORT_PERMISSION = "registrations.export_registration"
SESSION_FILTER_PARAMETER = "session__id__exact"

Status = Registration.Status


def registration_counts(queryset: QuerySet[Session]) -> QuerySet[Session]:
    """Annotate each session with `confirmed_count`, `waitlisted_count` and `cancelled_count`.

    One query for any number of sessions. `distinct=True` keeps the counts right if the queryset
    joins another to-many relation too.
    """

    def count(status: str) -> Count:
        return Count("registrations", filter=Q(registrations__status=status), distinct=True)

    return queryset.annotate(
        confirmed_count=count(Status.CONFIRMED),
        waitlisted_count=count(Status.WAITLISTED),
        cancelled_count=count(Status.CANCELLED),
    )


def registration_list_url(session: Session, status: str | None = None) -> str:
    """The registration changelist filtered to one session (and, optionally, one status)."""
    query = {SESSION_FILTER_PARAMETER: session.pk}
    if status is not None:
        query["status__exact"] = status
    return f"{reverse('admin:registrations_registration_changelist')}?{urlencode(query)}"


def registration_export_url(session: Session) -> str:
    return reverse("admin:registrations_registration_export", kwargs={"session_id": session.pk})


class RegistrationCountsMixin:
    """Registration counts and the waitlist for a `ModelAdmin` of `events.Session`.

    Provides the list columns `confirmed`, `waitlisted` and `cancelled` (each linking to the
    session's filtered registration list) and `registration_export` (a CSV link, left out for users
    without the export permission); annotates the queryset for them in one query; and, when an
    organiser saves a changed capacity, offers the freed places to the waitlist through
    `after_capacity_change()` (its `save_model` calls the next class's first).

    Wiring: put the mixin first, `class SessionAdmin(RegistrationCountsMixin, TabbedTranslationAdmin)`,
    and add "confirmed", "waitlisted", "cancelled", "registration_export" to `list_display`.
    """

    def get_queryset(self, request):
        return registration_counts(super().get_queryset(request))

    def get_list_display(self, request):
        list_display = super().get_list_display(request)
        if request.user.has_perm(EXPORT_PERMISSION):
            return list_display
        return [name for name in list_display if name != "registration_export"]

    @admin.display(description=pgettext_lazy("registration counts", "confirmed"), ordering="confirmed_count")
    def confirmed(self, obj: Session) -> str:
        return _count_link(obj, Status.CONFIRMED, obj.confirmed_count)

    @admin.display(description=pgettext_lazy("registration counts", "waitlisted"), ordering="waitlisted_count")
    def waitlisted(self, obj: Session) -> str:
        return _count_link(obj, Status.WAITLISTED, obj.waitlisted_count)

    @admin.display(description=pgettext_lazy("registration counts", "cancelled"), ordering="cancelled_count")
    def cancelled(self, obj: Session) -> str:
        return _count_link(obj, Status.CANCELLED, obj.cancelled_count)

    @admin.display(description=_("export"))
    def registration_export(self, obj: Session) -> str:
        return format_html('<a href="{}">{}</a>', registration_export_url(obj), gettext("CSV"))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "capacity" in form.changed_data:
            self.after_capacity_change(request, obj)

    def after_capacity_change(self, request, session: Session) -> None:
        """Fill places a raised (or removed) capacity freed, first come first served.

        Runs inside the admin's transaction; the "you have a place" emails go after it commits.
        A lowered capacity promotes nobody and cancels nobody.
        """
        promoted = promote_from_waitlist(session=session, actor=request.user)
        if promoted:
            self.message_user(request, _waitlist_moved_message(len(promoted)), messages.SUCCESS)


def _count_link(session: Session, status: str, count: int) -> str:
    return format_html('<a href="{}">{}</a>', registration_list_url(session, status), count)


def _waitlist_moved_message(count: int) -> str:
    return ngettext(
        "The waitlist moved up: %(count)d person now has a place and is told by email.",
        "The waitlist moved up: %(count)d people now have a place and are told by email.",
        count,
    ) % {"count": count}
