"""The account page's personal feed URL: `{% load calendar_feed %}{% personal_feed_urls request.user as feed %}`.

`feed` is None until the person creates a feed (the reset button does), else it has `https` and
`webcal` (the same URL for the subscribe dialogue of calendar apps). One query.
"""

from django import template
from django.conf import settings
from django.urls import reverse

from events.calendar_links import webcal_url
from registrations.calendar_tokens import get_feed_token

register = template.Library()


@register.simple_tag
def personal_feed_urls(user) -> dict[str, str] | None:
    if not getattr(user, "is_authenticated", False):
        return None
    token = get_feed_token(user=user)
    if token is None:
        return None
    url = f"{settings.SITE_URL}{reverse('calendar-feed:personal-feed', kwargs={'token': token})}"
    return {"https": url, "webcal": webcal_url(url)}
