"""Certificate pages: public verification, and the owner's list and downloads.

Included by the lead in config/urls.py inside `i18n_patterns` (so /en/verify/…, /ru/verify/…).
"""

from django.urls import path

from registrations import certificate_views as views

app_name = "certificates"
urlpatterns = [
    path("verify/", views.lookup, name="certificate-lookup"),
    path("verify/<str:code>/", views.verify, name="certificate-verify"),
    path("account/certificates/", views.certificate_list, name="certificate-list"),
    path("account/certificates/<str:code>/download/", views.download, name="certificate-download"),
]
