"""The project's URLs plus the certificate pages, the notifications admin and the unsubscribe link,
until config/urls.py and registrations/admin.py include them (see the wiring note of issue 6)."""

from django.urls import include, path

import registrations.notifications_admin  # noqa: F401 (registers the admin entries before the URLs are built)
from tests.certificates.urls import urlpatterns as certificate_urlpatterns

urlpatterns = [
    path("", include("registrations.unsubscribe_urls")),
    *certificate_urlpatterns,
]
