"""`{% join_window_minutes as minutes %}`: how long before the start personal join links open."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def join_window_minutes() -> int:
    return settings.JOIN_WINDOW_OPENS_MINUTES
