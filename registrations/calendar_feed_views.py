"""The personal feed of "my sessions" and the account page's reset button.

The feed URL is the credential: responses never enter a cache, a referrer or a search index, and
an unknown, revoked or malformed token gets the same 404 as any other missing page.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import get_resolver, reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from events import calendar
from events.calendar_rows import fetch_calendar_sessions
from events.models import Session
from events.responses import CalendarResponse, mark_private
from registrations.calendar_tokens import find_feed_owner, issue_feed_token
from registrations.models import Registration


@require_safe
def personal_feed(request, token):
    """The owner's confirmed places, in the owner's language, each with their personal join link."""
    owner = find_feed_owner(token)
    if owner is None:
        return _not_found(request)
    profile = getattr(owner, "profile", None)
    language = getattr(profile, "language", "") or settings.LANGUAGE_CODE
    registrations = list(
        Registration.objects.filter(user=owner, session__status__in=Session.PUBLIC_STATUSES)
        .confirmed()
        .only("pk", "public_id", "token_salt", "session_id")
    )
    sessions = fetch_calendar_sessions(
        Session.objects.filter(pk__in=[r.session_id for r in registrations]).order_by("starts_at", "pk"),
        language=language,
    )
    with translation.override(language):
        join_links = {
            r.session_id: f"{settings.SITE_URL}{reverse('links:join', kwargs={'token': r.join_token})}"
            for r in registrations
        }
        content = calendar.build_publish_calendar(
            sessions,
            language=language,
            name=gettext("My sessions"),
            description=gettext("The webinar sessions you have a place in, with your personal join links."),
            site_url=settings.SITE_URL,
            calendar_id=f"personal-{owner.pk}",
            join_links=join_links,
        )
    return CalendarResponse(content, filename="my-sessions.ics", private=True)


def _not_found(request):
    """The site's own 404 page, with the token URL's privacy headers (Http404 would drop them)."""
    handler = get_resolver().resolve_error_handler(404)
    return mark_private(handler(request, Http404()))


@never_cache
@login_required
@require_POST
def reset_feed_token(request):
    """Issue a new personal feed URL; the old one stops working. Back to the account page."""
    issue_feed_token(user=request.user)
    messages.success(
        request,
        gettext("Your calendar feed has a new address. Subscribe to it again; the old address no longer works."),
    )
    return mark_private(redirect("registrations:account"))
