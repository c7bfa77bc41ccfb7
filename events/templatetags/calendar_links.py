"""Calendar links for the session page: `{% load calendar_links %}{% session_calendar_links session as cal %}`.

`cal` then has `ics`, `google`, `outlook`, `office365`, `series_ics` and `series_webcal`, all absolute
URLs in the active language (events/calendar_links.py documents the web calendar formats).
"""

from django import template
from django.conf import settings
from django.urls import get_script_prefix
from django.utils.translation import get_language

from events.calendar_links import WebCalendarEvent, google_calendar_url, outlook_calendar_url, webcal_url
from events.models import reverse_page

register = template.Library()


@register.simple_tag
def session_calendar_links(session) -> dict[str, str]:
    language = get_language()
    page = f"{settings.SITE_URL}{session.get_absolute_url()}"
    event = WebCalendarEvent.from_session(session)
    prefix = get_script_prefix()
    series_ics = f"{settings.SITE_URL}{reverse_page('calendar:series-ics', session.series.slug, language, prefix)}"
    return {
        "ics": reverse_page("calendar:session-ics", session.slug, language, prefix),
        "google": google_calendar_url(event, language=language, session_url=page),
        "outlook": outlook_calendar_url(event, language=language, session_url=page, service="outlook"),
        "office365": outlook_calendar_url(event, language=language, session_url=page, service="office365"),
        "series_ics": series_ics,
        "series_webcal": webcal_url(series_ics),
    }
