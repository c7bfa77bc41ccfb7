"""Certificate pages: the public verification page and code form, the owner's list, and downloads.

Verification shows the status, the name, the session and the date, nothing else, and is
rate-limited per IP address (allauth's rate limits, action "verify_certificate"), GET requests
included. Downloads are for the owner (valid certificates) and for organisers with the
"view certificate" permission (audited); anyone else gets a 404, as for an unknown code.
"""

from allauth.account import app_settings as account_settings
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache

from registrations import certificate_services
from registrations.certificate_forms import CertificateLookupForm
from registrations.certificate_models import Certificate, group_code, normalise_code
from registrations.certificates import format_certificate_date

VERIFY_ACTION = "verify_certificate"
# Used until settings.ACCOUNT_RATE_LIMITS names the action.
DEFAULT_VERIFY_RATE = "30/m/ip"


def _allow_verification(request) -> bool:
    """Consume one verification of this IP address (GET included); False once the limit is hit."""
    config = dict(account_settings.RATE_LIMITS or {})
    config.setdefault(VERIFY_ACTION, DEFAULT_VERIFY_RATE)
    usage = allauth_ratelimit.consume(
        request, app="allauth.account", action=VERIFY_ACTION, config=config, limit_get=True
    )
    return usage is not None


def _too_many(request):
    return render(request, "429.html", status=429)


def _private(response):
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


def lookup(request):
    """The form to type a code; a valid-looking code redirects to its verification page."""
    form = CertificateLookupForm(request.GET or None)
    if request.GET:
        if not _allow_verification(request):
            return _too_many(request)
        if form.is_valid():
            return redirect("certificates:certificate-verify", code=group_code(form.cleaned_data["code"]))
    return _private(render(request, "certificates/certificate_lookup.html", {"form": form}))


def verify(request, code):
    if not _allow_verification(request):
        return _too_many(request)
    normalised = normalise_code(code)
    certificate = (
        Certificate.objects.filter(code=normalised)
        .only("code", "status", "printed_name", "printed_title", "session_date")
        .first()
        if normalised
        else None
    )
    if certificate is None:
        raise Http404
    context = {
        "certificate": certificate,
        "date_text": format_certificate_date(certificate.session_date, get_language() or "en"),
        "form": CertificateLookupForm(),
    }
    return _private(render(request, "certificates/certificate_verify.html", context))


@login_required
@never_cache
def certificate_list(request):
    # An ordinary personal page (never stored); the site's same-origin referrer policy applies.
    certificates = Certificate.objects.for_account_page(request.user)
    return render(request, "certificates/certificate_list.html", {"certificates": certificates})


@login_required
def download(request, code):
    normalised = normalise_code(code)
    certificate = (
        Certificate.objects.select_related("registration", "registration__session").filter(code=normalised).first()
        if normalised
        else None
    )
    if certificate is None or not certificate.pdf:
        raise Http404
    is_owner = certificate.registration.user_id == request.user.pk and certificate.is_valid
    is_organiser = request.user.has_perm("registrations.view_certificate")
    if not (is_owner or is_organiser):
        raise Http404
    if not is_owner:
        certificate_services.record_certificate_download(certificate=certificate, actor=request.user)
    filename = f"certificate-{certificate.registration.session.slug}-{certificate.language}.pdf"
    response = FileResponse(certificate.pdf.open("rb"), as_attachment=True, filename=filename)
    response["Content-Type"] = "application/pdf"
    return _private(response)
