"""The privacy pages, under the language prefix. Included by the lead in config/urls.py's
i18n_patterns: `path("", include("registrations.privacy_urls"))`."""

from django.urls import path

from registrations import privacy_views

app_name = "privacy"
urlpatterns = [
    path("privacy/", privacy_views.privacy_page, name="notice"),
    path("account/privacy/export/", privacy_views.export, name="export"),
    path("account/privacy/delete/", privacy_views.delete_account, name="delete"),
    path("account/privacy/announcements/withdraw/", privacy_views.withdraw_announcements, name="withdraw"),
    path("account/privacy/notice/accept/", privacy_views.accept_notice, name="accept-notice"),
]
