"""The project's URLs plus the privacy pages, the unsubscribe link and the certificate pages, until
config/urls.py and registrations/admin.py include them (see the wiring note of issue 8)."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

import registrations.privacy_admin  # noqa: F401 (registers the admin entries before the URLs are built)
from tests.notifications.urls import urlpatterns as notification_urlpatterns

urlpatterns = [
    *i18n_patterns(path("", include("registrations.privacy_urls")), prefix_default_language=True),
    *notification_urlpatterns,
]
