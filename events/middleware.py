"""Which time zone the viewer reads times in, when they told us (the zone picker)."""

from events.timefmt import is_known_zone

VIEWER_TIMEZONE_SESSION_KEY = "decoded_viewer_timezone"


def get_viewer_timezone(request) -> str | None:
    """The IANA zone the viewer picked, or None. A stale or forged value counts as unknown."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    name = session.get(VIEWER_TIMEZONE_SESSION_KEY)
    return name if isinstance(name, str) and is_known_zone(name) else None


class ViewerTimezoneMiddleware:
    """Set `request.viewer_timezone` to the picked IANA zone name, or None.

    Reads only the session, so a visitor without a session cookie costs no query. The browser's
    own zone is unknown to the server; `static/js/localtime.js` fills it in on the page instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.viewer_timezone = get_viewer_timezone(request)
        return self.get_response(request)
