"""One-click unsubscribe from announcements and organiser messages (RFC 8058).

`GET` shows a page with one button (so link scanners that open every URL change nothing);
`POST` unsubscribes, from that button or straight from the mail client ("List-Unsubscribe-Post:
List-Unsubscribe=One-Click"), without sign-in: the token in the URL is the proof. It is exempt
from CSRF checks because mail clients post it without a form of ours; it only ever withdraws.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from registrations import outbox
from registrations.models import Registration
from registrations.notification_emails import is_valid_unsubscribe_token


def _registration(public_id: str, token: str) -> Registration:
    registration = Registration.objects.select_related("session", "session__series").filter(public_id=public_id).first()
    if registration is None or not is_valid_unsubscribe_token(registration, token):
        raise Http404
    return registration


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, public_id: str, token: str) -> HttpResponse:
    registration = _registration(public_id, token)
    if request.method == "POST":
        outbox.unsubscribe(registration=registration)
        return render(request, "notifications/unsubscribe.html", {"done": True, "series": registration.session.series})
    return render(request, "notifications/unsubscribe.html", {"done": False, "series": registration.session.series})
