import hmac

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from registrations import services
from registrations.models import Registration
from registrations.rules import join_window


def _no_referrer(response):
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
def join(request, token):
    """The personal join link: to the meeting inside the window, a helpful page outside it."""
    registration = services.find_by_join_token(token)
    if registration is None or registration.status != Registration.Status.CONFIRMED:
        raise Http404
    session = registration.session
    opens_at, closes_at = join_window(session)
    now = timezone.now()
    if opens_at <= now < closes_at and session.join_url and not session.is_cancelled:
        return _no_referrer(HttpResponseRedirect(session.join_url))
    with translation.override(registration.language):
        response = render(
            request,
            "registrations/join_wait.html",
            {
                "registration": registration,
                "session": session,
                "opens_at": opens_at,
                "is_before": now < opens_at,
                "page_language": registration.language,
            },
        )
    return _no_referrer(response)


@never_cache
@login_required
def account(request):
    registrations = list(Registration.objects.filter(user=request.user).active().for_account_page())
    now = timezone.now()
    return render(
        request,
        "registrations/account.html",
        {
            "upcoming": [r for r in registrations if r.session.ends_at > now],
            "past": [r for r in registrations if r.session.ends_at <= now],
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def cancel(request, public_id):
    registration = get_object_or_404(
        Registration.objects.select_related("session").active(), public_id=public_id, user=request.user
    )
    if request.method == "POST":
        services.cancel_registration(registration=registration, actor=request.user)
        return redirect("registrations:account")
    return render(request, "registrations/registration_cancel.html", {"registration": registration})


@never_cache
@require_http_methods(["GET", "POST"])
def cancel_by_link(request, public_id, token):
    """The cancel link of the confirmation email: a confirmation page on GET, the change on POST."""
    registration = Registration.objects.select_related("session").filter(public_id=public_id).first()
    if registration is None or not hmac.compare_digest(registration.cancel_token, token):
        raise Http404
    if request.method == "POST" and registration.is_active:
        registration = services.cancel_registration(registration=registration, actor=registration.user)
    response = render(
        request,
        "registrations/registration_cancel.html",
        {"registration": registration, "by_link": True, "done": not registration.is_active},
    )
    return _no_referrer(response)


@require_http_methods(["GET", "POST"])
def register(request, slug):
    raise Http404  # the registration flow (form, code, outcome) is built in this module next
