"""HTTP responses for calendar files: the content type, the file name, conditional GET and gzip."""

import datetime as dt
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import content_disposition_header, http_date, quote_etag

# Public calendars may be cached briefly by browsers and proxies; clients revalidate with the ETag.
PUBLIC_MAX_AGE = 300


class CalendarResponse(HttpResponse):
    """An .ics body with its file name, validators and caching policy.

    `private=True` is for token URLs (the personal feed): never stored by any cache, not sent as a
    referrer, not indexed. Public calendars get `ETag`/`Last-Modified` for conditional requests.
    """

    def __init__(
        self,
        content: bytes,
        *,
        filename: str,
        etag: str = "",
        last_modified: dt.datetime | None = None,
        private: bool = False,
        status: int = 200,
    ) -> None:
        super().__init__(content, content_type="text/calendar; charset=utf-8", status=status)
        self["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
        if private:
            mark_private(self)
        else:
            set_validators(self, etag=etag, last_modified=last_modified)
            patch_cache_control(self, public=True, max_age=PUBLIC_MAX_AGE)


def mark_private(response: HttpResponse) -> HttpResponse:
    """Headers for any response to a URL that contains a secret token."""
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


def set_validators(response: HttpResponse, *, etag: str, last_modified: dt.datetime | None) -> None:
    if etag:
        response["ETag"] = quote_etag(etag)
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())


def accepts_gzip(request: HttpRequest) -> bool:
    """Whether the request's Accept-Encoding allows gzip (RFC 9110 §12.5.3).

    "gzip" or "x-gzip" with a non-zero weight allows it, as does "*" when gzip is not named;
    "gzip;q=0" refuses it. No header means identity only.
    """
    weights = {}
    for item in request.headers.get("Accept-Encoding", "").split(","):
        coding, *parameters = (part.strip() for part in item.split(";"))
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[coding.lower()] = weight
    named = weights.get("gzip", weights.get("x-gzip"))
    return (named if named is not None else weights.get("*", 0.0)) > 0


def conditional_calendar_response(
    request: HttpRequest,
    *,
    etag: str,
    last_modified: dt.datetime,
    filename: str,
    build: Callable[[], bytes],
    build_gzip: Callable[[], bytes] | None = None,
) -> HttpResponse:
    """A 304 when the client's copy is current (without calling `build`), else the calendar.

    Preconditions are evaluated by Django's `get_conditional_response` (RFC 9110 §13.2.2:
    If-None-Match wins over If-Modified-Since). The 304 repeats the validators and cache policy.

    With `build_gzip` (the same bytes gzipped), a client that accepts gzip gets them with
    `Content-Encoding: gzip` under their own ETag (`<etag>-gzip`: a strong validator names one
    representation), and every response says `Vary: Accept-Encoding` for the caches in between.
    """
    compressed = build_gzip is not None and accepts_gzip(request)
    if compressed:
        etag = f"{etag}-gzip"
    not_modified = get_conditional_response(
        request, etag=quote_etag(etag), last_modified=int(last_modified.timestamp())
    )
    if not_modified is not None:
        set_validators(not_modified, etag=etag, last_modified=last_modified)
        patch_cache_control(not_modified, public=True, max_age=PUBLIC_MAX_AGE)
        response = not_modified
    elif compressed:
        response = CalendarResponse(build_gzip(), filename=filename, etag=etag, last_modified=last_modified)
        response["Content-Encoding"] = "gzip"
    else:
        response = CalendarResponse(build(), filename=filename, etag=etag, last_modified=last_modified)
    if build_gzip is not None:
        patch_vary_headers(response, ["Accept-Encoding"])
    return response
