"""The site's URLs plus a view that fails, to see the 500 page an attacker would get."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def boom(request):
    raise RuntimeError("a secret-looking internal detail")


urlpatterns = [*site_urlpatterns, *i18n_patterns(path("boom/", boom), prefix_default_language=True)]
