"""The server-error handler (`handler500`): a database outage becomes a "try again" page.

Any exception that escapes a view or a middleware reaches Django's `handler500`. When it is a
lost or refused database connection (`OperationalError`/`InterfaceError`, e.g. PostgreSQL
restarting), the visitor gets `503.html` with `Retry-After` rather than a generic error: nothing
was written (each state change is one transaction, rolled back with the connection), so sending
the form again is safe. Every other exception gets the usual 500 page.

Neither page touches the database or the session: they are rendered without context processors.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string
from django.utils.translation import get_language

RETRY_AFTER_SECONDS = 30


def server_error(request):
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        return database_unavailable(request)
    return HttpResponseServerError(render_to_string("500.html", {"LANGUAGE_CODE": get_language()}))


def database_unavailable(request):
    response = HttpResponse(render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
