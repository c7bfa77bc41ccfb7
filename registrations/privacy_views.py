"""Privacy pages: the public privacy page, and the account page's export, erasure, withdrawal of
the "future sessions" consent and "I have read the new notice". Each view parses, calls one
service of `registrations.privacy` and renders or redirects."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from events.models import Series
from registrations import privacy, privacy_facts
from registrations.privacy_models import ConsentEvent


def privacy_page(request):
    """What is held, why, for how long, and how to get it or delete it: from the code's own settings."""
    notice = privacy.current_notice()
    context = {
        "notice": notice,
        "facts": privacy_facts.build_facts(),
        "series_list": Series.objects.order_by("created_at"),
    }
    return render(request, "privacy/privacy_page.html", context)


@never_cache
@login_required
def export(request):
    """Everything held about the signed-in person, as a JSON download."""
    data = privacy.export_personal_data(user=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    filename = f"decoded-personal-data-{timezone.now():%Y%m%d}.json"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    """GET: what deleting the account does, and the choice about certificates. POST: do it, sign out."""
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        privacy.erase_person(
            user=request.user, actor=request.user, keep_certificates=request.POST.get("keep_certificates") == "on"
        )
        logout(request)
        messages.success(request, gettext("Your account and your personal data are deleted."))
        return redirect("privacy:notice")
    return render(request, "privacy/account_delete.html", {})


@never_cache
@login_required
@require_POST
def withdraw_announcements(request):
    """One click on the account page: no more emails about future sessions."""
    if privacy.withdraw_announcements_consent(user=request.user, channel=ConsentEvent.Channel.ACCOUNT_PAGE):
        messages.success(request, gettext("You will no longer receive emails about future sessions."))
    return redirect("registrations:account")


@never_cache
@login_required
@require_POST
def accept_notice(request):
    privacy.accept_notice(user=request.user)
    return redirect("registrations:account")
