"""The public site: the series, its sessions and speakers, and the viewer's time zone picker.

Views only choose rows (named QuerySet methods) and render; formatting lives in
`events/timefmt.py` and the template tags. Drafts are not found; the join URL is never rendered.
"""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView

from events.forms import TimezonePickForm
from events.middleware import VIEWER_TIMEZONE_SESSION_KEY
from events.models import Series, Session, Speaker
from events.structured_data import build_session_event

HOME_UPCOMING_LIMIT = 6
SESSIONS_PER_PAGE = 10
SPEAKERS_PER_PAGE = 24


@require_GET
def home(request):
    upcoming = list(Session.objects.public().upcoming().with_speakers()[: HOME_UPCOMING_LIMIT + 1])
    next_session = next((session for session in upcoming if not session.is_cancelled), None)
    return render(
        request,
        "events/home.html",
        {
            "series": Series.objects.first(),
            "next_session": next_session,
            "upcoming": [session for session in upcoming if session != next_session][:HOME_UPCOMING_LIMIT],
            "past_count": Session.objects.public().past().count(),
        },
    )


class SessionListView(ListView):
    template_name = "events/session_list.html"
    context_object_name = "sessions"
    paginate_by = SESSIONS_PER_PAGE

    def get_queryset(self):
        return Session.objects.public().upcoming().with_speakers()


class SessionPastView(ListView):
    template_name = "events/session_past.html"
    context_object_name = "sessions"
    paginate_by = SESSIONS_PER_PAGE

    def get_queryset(self):
        return Session.objects.public().past().with_speakers()


class SessionDetailView(DetailView):
    template_name = "events/session_detail.html"
    context_object_name = "session"

    def get_queryset(self):
        return Session.objects.public().with_speakers()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["jsonld"] = build_session_event(self.object, build_absolute_uri=self.request.build_absolute_uri)
        return context


class SpeakerListView(ListView):
    template_name = "events/speaker_list.html"
    context_object_name = "speakers"
    paginate_by = SPEAKERS_PER_PAGE

    def get_queryset(self):
        return Speaker.objects.public()


class SpeakerDetailView(DetailView):
    template_name = "events/speaker_detail.html"
    context_object_name = "speaker"

    def get_queryset(self):
        return Speaker.objects.public().with_public_sessions()


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
