"""The public site: the series, its sessions and speakers, and the viewer's time zone picker.

Views only choose rows (named QuerySet methods) and render; formatting lives in
`events/timefmt.py` and the template tags. Drafts are not found; the join URL is never rendered.

The public pages are cached (events/page_cache.py): whole responses for anonymous visitors (no
query on a hit), and the content as a fragment for everyone else: views hand the template lazy
values, so a fragment served from the cache runs only the queries that decide whether the page
exists (a detail page's row, a list's count), and none for its content.
"""

import functools

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView

from events import page_cache, public_lists
from events.compiled_queries import CompiledQuery
from events.forms import TimezonePickForm
from events.middleware import VIEWER_TIMEZONE_SESSION_KEY
from events.models import (
    PUBLIC_SESSION_BY_SLUG,
    PUBLIC_SPEAKER_BY_SLUG,
    Session,
    Speaker,
    attach_public_session_links,
    attach_speaker_links,
)
from events.structured_data import build_session_event

HOME_UPCOMING_LIMIT = 6
SESSIONS_PER_PAGE = 10
SPEAKERS_PER_PAGE = 24


def get_page_cache_context(request, *parts) -> dict:
    """The `{% cache %}` arguments of a public page: its key, and 0 seconds when not cacheable."""
    key = page_cache.build_fragment_key(request, *parts)
    return {
        "page_cache_key": key,
        "page_cache_timeout": page_cache.get_fragment_timeout() if key else 0,
        "page_cache_alias": page_cache.get_fragment_cache_alias(key),
    }


@require_GET
@page_cache.serve_from_page_cache
def home(request):
    upcoming = SimpleLazyObject(lambda: public_lists.sessions_with_speakers("upcoming", 0, HOME_UPCOMING_LIMIT + 1))
    next_session = SimpleLazyObject(lambda: next((s for s in upcoming if not s.is_cancelled), None))
    # Lazy values: they are evaluated only when the template renders the fragment (a cache miss).
    return render(
        request,
        "events/home.html",
        {
            "series": SimpleLazyObject(public_lists.first_series),
            "next_session": next_session,
            "upcoming": SimpleLazyObject(
                lambda: [s for s in upcoming if s.pk != getattr(next_session, "pk", None)][:HOME_UPCOMING_LIMIT]
            ),
            # A callable, not a lazy object: the count feeds arithmetic (Russian plural forms).
            "past_count": functools.cache(Session.objects.public().past().count),
            **get_page_cache_context(request),
        },
    )


class PublicPageMixin:
    """A public list or detail view: whole responses cached for anonymous visitors, and the page
    cache's fragment key and timeout in the context."""

    @classmethod
    def as_view(cls, **initkwargs):
        return page_cache.serve_from_page_cache(super().as_view(**initkwargs))

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **get_page_cache_context(self.request)}


class SessionListView(PublicPageMixin, ListView):
    template_name = "events/session_list.html"
    context_object_name = "sessions"
    paginate_by = SESSIONS_PER_PAGE

    which = "upcoming"

    def get_queryset(self):
        self.now = timezone.now()
        return public_lists.public_sessions(self.which, self.now)

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        """Pages of `public_lists`: rows, series and speakers through compiled queries; the
        count through `queryset`."""
        return public_lists.SessionPaginator(
            queryset,
            per_page,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            which=self.which,
            now=self.now,
            **kwargs,
        )


class SessionPastView(SessionListView):
    template_name = "events/session_past.html"
    which = "past"


class BySlugMixin:
    """A detail view's row through `by_slug`, a query compiled once (events/compiled_queries.py)
    that holds the view's whole queryset: 404 when no row has the URL's slug."""

    by_slug: CompiledQuery

    def get_object(self, queryset=None):
        found = self.by_slug.first(slug=self.kwargs[self.slug_url_kwarg])
        if found is None:
            raise Http404
        return found


class SessionDetailView(PublicPageMixin, BySlugMixin, DetailView):
    """The row (`object`, with its series) decides 404, title and description; `session` is the
    same row with its speakers attached, fetched only when the fragment is rendered."""

    template_name = "events/session_detail.html"
    context_object_name = "session"

    by_slug = PUBLIC_SESSION_BY_SLUG

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session = self.object

        full_session = SimpleLazyObject(lambda: attach_speaker_links(session))
        context["session"] = full_session

        def build_jsonld() -> dict:
            return build_session_event(full_session, build_absolute_uri=self.request.build_absolute_uri)

        # JSON-LD sits in <head>, outside the fragment, and its <script> needs this response's
        # nonce: its data is cached beside the fragment, the element is rendered per request.
        key = context["page_cache_key"]
        context["jsonld"] = (
            cache.get_or_set(f"decoded:public:jsonld:{key}", build_jsonld, context["page_cache_timeout"])
            if key
            else build_jsonld()
        )
        return context


class SpeakerListView(PublicPageMixin, ListView):
    template_name = "events/speaker_list.html"
    context_object_name = "speakers"
    paginate_by = SPEAKERS_PER_PAGE

    def get_queryset(self):
        return Speaker.objects.public()


class SpeakerDetailView(PublicPageMixin, BySlugMixin, DetailView):
    template_name = "events/speaker_detail.html"
    context_object_name = "speaker"

    by_slug = PUBLIC_SPEAKER_BY_SLUG

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        speaker = self.object
        context["speaker"] = SimpleLazyObject(lambda: attach_public_session_links(speaker))
        return context


def timezone_pick(request):
    """Show the zone picker (GET) or remember the picked zone in the session (POST).

    An empty choice forgets the zone (the browser's own is then used). After a valid POST the
    viewer goes back to `next` when it is a URL of this site, else to the home page.
    """
    language = get_language()
    if request.method == "POST":
        form = TimezonePickForm(request.POST, language_code=language)
        if form.is_valid():
            if form.cleaned_data["timezone"]:
                request.session[VIEWER_TIMEZONE_SESSION_KEY] = form.cleaned_data["timezone"]
            else:
                request.session.pop(VIEWER_TIMEZONE_SESSION_KEY, None)
            return redirect(get_safe_next(request, form.cleaned_data["next"]))
    else:
        form = TimezonePickForm(
            initial={"timezone": request.viewer_timezone or "", "next": request.GET.get("next", "")},
            language_code=language,
        )
    return render(request, "events/timezone_pick.html", {"form": form})


def get_safe_next(request, next_url: str) -> str:
    """`next_url` when it points at this site, else the home page."""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse("events:home")


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        *(f"Disallow: /{code}/admin/" for code, _name in settings.LANGUAGES),
        *(f"Disallow: /{code}/timezone/" for code, _name in settings.LANGUAGES),
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
