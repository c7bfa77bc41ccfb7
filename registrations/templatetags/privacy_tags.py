"""`{% privacy_notice_banner %}` and `{% privacy_account_sections %}`: the account page's privacy
parts (a new notice version; the "future sessions" consent, export, delete), with their own
data, so the account view needs no change."""

from django import template
from django.urls import NoReverseMatch, reverse

from registrations import privacy

register = template.Library()


def _is_wired() -> bool:
    """Whether the privacy URLs are installed (config/urls.py includes registrations.privacy_urls).

    Until the lead wires them, the account page renders without these parts instead of failing.
    """
    try:
        reverse("privacy:notice")
    except NoReverseMatch:
        return False
    return True


@register.inclusion_tag("privacy/_account_privacy.html", takes_context=True)
def privacy_account_sections(context):
    user = context["request"].user
    if not _is_wired():
        return {"is_wired": False}
    return {
        "is_wired": True,
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "has_announcements_consent": privacy.has_announcements_consent(user),
    }


@register.inclusion_tag("privacy/_notice_banner.html", takes_context=True)
def privacy_notice_banner(context):
    """A banner when the signed-in person accepted an older version of the privacy notice."""
    if not _is_wired():
        return {}
    return {"csrf_token": context.get("csrf_token"), "new_notice": privacy.notice_to_show(context["request"].user)}
