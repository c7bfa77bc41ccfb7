"""The project's URLs plus the certificate pages and admin, until config/urls.py and
registrations/admin.py include them (see the wiring note of issue 5). Harmless afterwards: the
import is then a no-op and the first matching pattern wins."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

import registrations.certificates_admin  # noqa: F401 (registers the admin entries before the URLs are built)
from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *i18n_patterns(
        path("admin/", admin.site.urls),
        path("", include("registrations.certificate_urls")),
        prefix_default_language=True,
    ),
    *project_urlpatterns,
]
