"""Template tags of the public site: session times, language badges, avatars, registration status, JSON-LD.

Times are formatted by `events.timefmt` in the active language; the viewer's zone comes from
`request.viewer_timezone` (the zone picker) or, when unknown, from the browser (localtime.js).

Session cards repeat these on every list page, so the pieces that are pure functions of a few
values (a badge list of given languages, an avatar of a given photo and name) are rendered once
per process and those values (`functools.lru_cache`), not once per card: nothing about content is
remembered that a changed value would not key afresh.
"""

import datetime as dt
import functools
import json
import zoneinfo

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
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


@register.simple_tag
def session_time(session) -> str:
    """`<time datetime="…">` with the session's date and times in its announced zone, zone named,
    in the active language (the machine-readable start in UTC)."""
    return format_html(
        '<time datetime="{}">{}</time>',
        session.starts_at.astimezone(dt.UTC).isoformat(),
        format_time_range(session.starts_at, session.ends_at, session.timezone, get_language()),
    )


@register.filter
def moment_in(value, zone: str) -> str:
    """One moment in `zone`, zone named: `{{ session.registration_opens_at|moment_in:session.timezone }}`."""
    return format_moment(value, zone, get_language()) if value else ""


@register.filter
def date_leaf(session) -> dict[str, str]:
    """Weekday, day, month and year of the start, in the announced zone, for the card's date block."""
    return format_short_date(session.starts_at, session.timezone, get_language())


@register.simple_tag(takes_context=True)
def viewer_time(context, session) -> str:
    """The session's times in the viewer's zone.

    Server-side when the viewer picked a zone; otherwise an empty <time> that localtime.js fills
    from the browser's zone, with a link to the picker for browsers without JavaScript. Nothing
    is shown when the picked zone has the announced zone's offset (the times would repeat).
    """
    request = context.get("request")
    zone_name = getattr(request, "viewer_timezone", None)
    language = get_language()
    if zone_name:
        zone = zoneinfo.ZoneInfo(zone_name)
        if session.starts_at.astimezone(zone).utcoffset() == session.starts_at.astimezone(session.zoneinfo).utcoffset():
            return ""
        return render_viewer_time(
            language,
            mode="server",
            text=format_time_range(session.starts_at, session.ends_at, zone, language),
            starts_at=session.starts_at.astimezone(zone).isoformat(),
            picker_url=get_zone_picker_url(request),
        )
    announced_offset = session.starts_at.astimezone(session.zoneinfo).utcoffset()
    return render_viewer_time(
        language,
        mode="browser",
        starts_at=session.starts_at.isoformat(),
        ends_at=session.ends_at.isoformat(),
        announced_offset_minutes=int(announced_offset.total_seconds() // 60),
        intl_locale=_INTL_LOCALES.get(language, "en-GB"),
        picker_url=get_zone_picker_url(request),
    )


@functools.lru_cache(maxsize=4096)
def render_viewer_time(_language: str, **values) -> str:
    """events/includes/viewer_time.html with `values`, in the active language (`_language` keys it)."""
    return render_to_string("events/includes/viewer_time.html", values)


def get_zone_picker_url(request) -> str:
    """The zone picker's URL, coming back to this page; built once per request (every card has it)."""
    if request is None:
        return f"{reverse('events:timezone-pick')}?{urlencode({'next': '/'})}"
    url = getattr(request, "_zone_picker_url", None)
    if url is None:
        url = request._zone_picker_url = (
            f"{reverse('events:timezone-pick')}?{urlencode({'next': request.get_full_path()})}"
        )
    return url


@register.simple_tag
def language_badges(session) -> str:
    """The floor language, then each interpretation language, as a list of badges."""
    return render_language_badges(tuple(session.languages), session.floor_language, get_language())


@functools.lru_cache(maxsize=256)
def render_language_badges(codes: tuple[str, ...], floor_language: str, language: str) -> str:
    badges = [
        {
            "code": code.upper(),
            "name": get_language_info(code)["name_translated"],
            "is_interpretation": code != floor_language,
        }
        for code in codes
    ]
    return render_to_string("events/includes/language_badges.html", {"badges": badges})


@register.simple_tag
def avatar(speaker, large=False) -> str:
    """A speaker's face (photo thumbnail) or, without a photo, their initials."""
    return render_avatar(speaker.photo_thumbnail.name or "", speaker.initials, bool(large), get_script_prefix())


@functools.lru_cache(maxsize=2048)
def render_avatar(thumbnail_name: str, initials: str, large: bool, _script_prefix: str) -> str:
    from django.core.files.storage import default_storage  # noqa: PLC0415

    url = default_storage.url(thumbnail_name) if thumbnail_name else ""
    return render_to_string("events/includes/avatar.html", {"url": url, "initials": initials, "large": large})


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
