"""Template tags of the public site: session times, language badges, registration status, JSON-LD.

Times are formatted by `events.timefmt` in the active language; the viewer's zone comes from
`request.viewer_timezone` (the zone picker) or, when unknown, from the browser (localtime.js).
"""

import json
import zoneinfo

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info, gettext

from events.models import RegistrationState
from events.timefmt import format_moment, format_short_date, format_time_range

register = template.Library()

# The characters that could end a <script> element or open an HTML comment inside it, escaped as
# JSON allows (the same set as Django's `json_script`).
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
# Site language → BCP 47 tag for the browser's Intl API (English is British English, as in babel).
_INTL_LOCALES = {"en": "en-GB", "ru": "ru"}


@register.filter
def announced_time(session) -> str:
    """The session's date and times in its announced zone, zone named, in the active language."""
    return format_time_range(session.starts_at, session.ends_at, session.timezone, get_language())


@register.filter
def moment_in(value, zone: str) -> str:
    """One moment in `zone`, zone named: `{{ session.registration_opens_at|moment_in:session.timezone }}`."""
    return format_moment(value, zone, get_language()) if value else ""


@register.filter
def date_leaf(session) -> dict[str, str]:
    """Weekday, day, month and year of the start, in the announced zone, for the card's date block."""
    return format_short_date(session.starts_at, session.timezone, get_language())


@register.inclusion_tag("events/includes/viewer_time.html", takes_context=True)
def viewer_time(context, session):
    """The session's times in the viewer's zone.

    Server-side when the viewer picked a zone; otherwise an empty <time> that localtime.js fills
    from the browser's zone, with a link to the picker for browsers without JavaScript. Nothing
    is shown when the picked zone has the announced zone's offset (the times would repeat).
    """
    request = context.get("request")
    zone_name = getattr(request, "viewer_timezone", None)
    next_path = request.get_full_path() if request else "/"
    picker_url = f"{reverse('events:timezone-pick')}?{urlencode({'next': next_path})}"
    if zone_name:
        zone = zoneinfo.ZoneInfo(zone_name)
        if session.starts_at.astimezone(zone).utcoffset() == session.starts_at.astimezone(session.zoneinfo).utcoffset():
            return {"mode": "same"}
        return {
            "mode": "server",
            "text": format_time_range(session.starts_at, session.ends_at, zone, get_language()),
            "starts_at": session.starts_at.astimezone(zone).isoformat(),
            "picker_url": picker_url,
        }
    announced_offset = session.starts_at.astimezone(session.zoneinfo).utcoffset()
    return {
        "mode": "browser",
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "announced_offset_minutes": int(announced_offset.total_seconds() // 60),
        "intl_locale": _INTL_LOCALES.get(get_language(), "en-GB"),
        "picker_url": picker_url,
    }


@register.simple_tag
def language_badges(session) -> list[dict]:
    """The floor language, then each interpretation language, as badge data (code and full name)."""
    badges = []
    for code in session.languages:
        info = get_language_info(code)
        badges.append(
            {
                "code": code.upper(),
                "name": info["name_translated"],
                "is_interpretation": code != session.floor_language,
            }
        )
    return badges


@register.simple_tag
def registration_status(session) -> str:
    """The registration window in words, times in the announced zone."""
    now = timezone.now()
    state = session.registration_state(now)
    if state == RegistrationState.CANCELLED:
        return gettext("Registration is closed because the session is cancelled.")
    if session.ends_at <= now:
        return gettext("This session has taken place.")
    if state == RegistrationState.NOT_YET_OPEN:
        return gettext("Registration opens on %(moment)s.") % {
            "moment": format_moment(session.registration_opens_at, session.timezone, get_language())
        }
    if state == RegistrationState.OPEN:
        closes_at = session.registration_closes_at or session.starts_at
        return gettext("Registration is open until %(moment)s.") % {
            "moment": format_moment(closes_at, session.timezone, get_language())
        }
    return gettext("Registration is closed.")


@register.simple_tag
def jsonld_script(data) -> str:
    """`data` as a JSON-LD <script> element, escaped for HTML.

    No CSP nonce: a data block is never executed, so script-src does not apply to it, and a page
    without a nonce can be cached whole (events/page_cache.py).
    """
    payload = json.dumps(data, ensure_ascii=False, sort_keys=False).translate(_JSON_SCRIPT_ESCAPES)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(payload),  # noqa: S308 (JSON with <, > and & escaped above, as json_script does)
    )
