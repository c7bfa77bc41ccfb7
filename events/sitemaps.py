"""The sitemap: every public page in English and Russian, with hreflang alternates.

Drafts never appear; speakers appear once they have a public session.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from events.models import Session, Speaker


class TranslatedSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True


class StaticPageSitemap(TranslatedSitemap):
    changefreq = "weekly"

    def items(self):
        return ["events:home", "events:session-list", "events:session-past", "events:speaker-list"]

    def location(self, item):
        return reverse(item)


class SessionSitemap(TranslatedSitemap):
    def items(self):
        return Session.objects.public().order_by("starts_at", "pk")

    def lastmod(self, obj):
        return obj.updated_at


class SpeakerSitemap(TranslatedSitemap):
    def items(self):
        return Speaker.objects.public().order_by("slug")

    def lastmod(self, obj):
        return obj.updated_at


sitemaps = {"pages": StaticPageSitemap, "sessions": SessionSitemap, "speakers": SpeakerSitemap}
