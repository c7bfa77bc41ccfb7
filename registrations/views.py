"""Registration pages: the register flow, the account page, cancelling, and personal join links.

Views parse with a form, call one service and render. The rules live in `registrations.services`
and `registrations.rules`; the sign-in-by-code steps in `registrations.signin`; anti-abuse in
`registrations.antiabuse`.
"""

import hmac

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import get_resolver, reverse
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from events.compiled_queries import CompiledQuery
from events.models import Session
from registrations import antiabuse, privacy, profiles, services, signin
from registrations.certificate_models import Certificate
from registrations.forms import ProfileForm, RegistrationForm
from registrations.models import Profile, Registration
from registrations.report_tallies import tallied_registrations_of_row
from registrations.rules import CLOSED_MESSAGES, RegistrationState, join_window, registration_state


def _no_referrer(response):
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _not_found(request):
    """The site's 404 page with the token URL's headers (raising Http404 would drop them, and the
    404 page's links would then send the unknown or revoked token as a referrer)."""
    handler = get_resolver().resolve_error_handler(404)
    return _no_referrer(handler(request, Http404()))


@never_cache
def join(request, token):
    """The personal join link: to the meeting inside the window, a helpful page outside it."""
    registration = services.find_by_join_token(token)
    if registration is None or registration.status != Registration.Status.CONFIRMED:
        return _not_found(request)
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


PROFILE_FIELDS = ("full_name", "organisation", "profession", "country", "language", "timezone")


def _get_profile(user) -> Profile | None:
    return Profile.objects.filter(user=user).first()


def _render_account(request, profile_form, status=200):
    registrations = list(Registration.objects.filter(user=request.user).active().for_account_page())
    for registration in registrations:
        registration.waitlist_position = services.waitlist_position(registration)
    now = timezone.now()
    return render(
        request,
        "registrations/account.html",
        {
            "upcoming": [r for r in registrations if r.session.ends_at > now],
            "past": [r for r in registrations if r.session.ends_at <= now],
            "profile_form": profile_form,
            "certificates": Certificate.objects.for_account_page(request.user),
        },
        status=status,
    )


@never_cache
@login_required
def account(request):
    form = ProfileForm(
        initial=ProfileForm.initial_from_profile(_get_profile(request.user), language=get_language()),
        language_code=get_language(),
    )
    return _render_account(request, form)


@never_cache
@login_required
@require_POST
def profile(request):
    """Save the profile of the account page; back to the account page with a note."""
    form = ProfileForm(request.POST, language_code=get_language())
    if not form.is_valid():
        return _render_account(request, form, status=400)
    profiles.update_profile(user=request.user, **{name: form.cleaned_data[name] for name in PROFILE_FIELDS})
    messages.success(request, gettext("Your profile is saved."))
    return redirect("registrations:account")


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
        return _not_found(request)
    if request.method == "POST" and registration.is_active:
        registration = services.cancel_registration(registration=registration, actor=registration.user)
    response = render(
        request,
        "registrations/registration_cancel.html",
        {"registration": registration, "by_link": True, "done": not registration.is_active},
    )
    return _no_referrer(response)


def _render_closed(request, session, state, status=200):
    return render(
        request,
        "registrations/register_closed.html",
        {"session": session, "state": state, "message": CLOSED_MESSAGES[state]},
        status=status,
    )


def _render_outcome(request, session, outcome, *, is_existing=False):
    registration = outcome.registration
    return render(
        request,
        "registrations/register_outcome.html",
        {
            "session": session,
            "registration": registration,
            "created": outcome.created,
            "is_existing": is_existing,
            "waitlist_position": (
                outcome.waitlist_position if outcome.created else services.waitlist_position(registration)
            ),
        },
    )


def _render_form(request, session, form, status=200):
    return render(
        request,
        "registrations/register.html",
        {"session": session, "form": form, "privacy_notice_version": privacy.current_notice_version()},
        status=status,
    )


def _complete_pending(request, session):
    """Back from the code step: register with the answers that waited in the browser session.

    Only for the address that was just proven; anything else is dropped and the form is shown.
    """
    pending = signin.pop_pending_answers(request, session=session)
    if pending is None:
        return None
    email, details = pending
    if not signin.has_verified_email(request.user, email):
        return None
    try:
        outcome = services.register_attendee(
            session=session, user=request.user, details=details, confirmed_estimate=session.confirmed_estimate
        )
    except services.RegistrationClosedError as error:
        return _render_closed(request, session, error.state)
    return _render_outcome(request, session, outcome)


# The flow's row, read once a request in one statement (its SQL built once per process:
# events/compiled_queries.py): the session (no page of the flow shows the series: no join for it),
# whether the person signed in proved an address (user_id 0 when signed out: no), and the
# session's confirmed places as its tally says, register_attendee's estimate before it locks.
# Three statements before, two of them in every registration.
_REGISTER_ROW = CompiledQuery(
    lambda slug, user_id: (
        Session.objects.public()
        .without_secrets()
        .filter(slug=slug)
        .annotate(
            viewer_has_verified_address=signin.has_verified_address(user_id),
            confirmed_estimate=tallied_registrations_of_row(Registration.Status.CONFIRMED.value),
        )
    ),
    slug=str,
    user_id=int,
)


@never_cache
@require_http_methods(["GET", "POST"])
def register(request, slug):
    """Register for a session.

    GET shows the form (prefilled from the profile when signed in), the person's existing place,
    or why the session takes no registrations. POST, signed in with a verified address: one call
    to `register_attendee` and its outcome. POST, signed out (or not yet verified): the answers
    wait in the browser session while a sign-in code is emailed; back here after the code, the
    registration is completed with them. Honeypot, too-fast and rate-limited POSTs get the 429
    page and change nothing.
    """
    user = request.user if request.user.is_authenticated else None
    session = _REGISTER_ROW.first(slug=slug, user_id=user.pk if user is not None else 0)
    if session is None:
        raise Http404
    is_verified = user is not None and session.viewer_has_verified_address
    if request.method == "POST":
        return _register_post(request, session, user, is_verified=is_verified)
    return _register_get(request, session, user, is_verified=is_verified)


def _register_get(request, session, user, *, is_verified):
    if is_verified and (response := _complete_pending(request, session)) is not None:
        return response
    existing = user and Registration.objects.active().filter(session=session, user=user).first()
    if existing and not session.is_cancelled:
        return _render_outcome(
            request, session, services.RegistrationOutcome(registration=existing, created=False), is_existing=True
        )
    state = registration_state(session)
    if state != RegistrationState.OPEN:
        return _render_closed(request, session, state)
    initial = RegistrationForm.initial_from_profile(user and _get_profile(user), language=get_language())
    return _render_form(request, session, RegistrationForm(initial=initial, ask_email=user is None))


def _register_post(request, session, user, *, is_verified):  # noqa: PLR0911 (one return per refusal)
    if not antiabuse.allow_register_post(request):
        return antiabuse.too_many_requests(request)
    state = registration_state(session)
    if state != RegistrationState.OPEN:
        return _render_closed(request, session, state)
    form = RegistrationForm(request.POST, ask_email=user is None)
    if form.is_suspicious():
        return antiabuse.too_many_requests(request)
    if not form.is_valid():
        return _render_form(request, session, form, status=400)

    if is_verified:
        try:
            outcome = services.register_attendee(
                session=session, user=user, details=form.to_details(), confirmed_estimate=session.confirmed_estimate
            )
        except services.RegistrationClosedError as error:
            return _render_closed(request, session, error.state)
        return _render_outcome(request, session, outcome)

    email = form.cleaned_data["email"] if user is None else signin.get_sign_in_email(user)
    if not email:
        raise Http404  # a signed-in account without any address: nothing to prove
    if not antiabuse.allow_code_email(request, email):
        return antiabuse.too_many_requests(request)
    if user is not None:
        # Signed in but never proved the address (e.g. an account made by hand): allauth's
        # code step only runs signed out, so sign out and prove it like everybody else.
        logout(request)
    signin.stash_pending_answers(request, session=session, email=email, details=form.to_details())
    account_user = user or signin.find_or_create_user(request, email)
    register_url = reverse("registrations:register", kwargs={"slug": session.slug})
    return HttpResponseRedirect(
        signin.start_code_sign_in(request, user=account_user, email=email, next_url=register_url)
    )
