from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from config import health
from events.sitemaps import sitemaps
from events.views import robots_txt

# Security (issue 7): the admin's login page goes through allauth (its rate limits, login by code
# and MFA stage); a POST of a username and password to /<lang>/admin/login/ signs nobody in.
admin.site.login = secure_admin_login(admin.site.login)

# Production (issue 9): a lost database connection gets a "try again" page (503, Retry-After).
handler500 = "config.errors.server_error"

urlpatterns = [
    # Production (issue 9): liveness and readiness probes, outside the language prefixes.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots-txt"),
    path("", include("registrations.link_urls")),
    path("", include("registrations.calendar_feed_urls")),
    path("", include("registrations.unsubscribe_urls")),
    # Security (issue 7): the registration form's proof-of-work challenges (ALTCHA).
    path("", include("registrations.proof_of_work_urls")),
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("registrations.urls")),
    path("", include("events.calendar_urls")),
    path("", include("registrations.certificate_urls")),
    path("", include("registrations.privacy_urls")),
    path("", include("events.urls")),
    prefix_default_language=True,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
