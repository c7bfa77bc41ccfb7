"""The one-click unsubscribe link (outside the language prefix: List-Unsubscribe URLs are posted
by mail clients). Included by the lead in config/urls.py: `path("", include("registrations.unsubscribe_urls"))`."""

from django.urls import path

from registrations import unsubscribe_views

app_name = "notifications"
urlpatterns = [
    path("unsubscribe/<str:public_id>/<str:token>/", unsubscribe_views.unsubscribe, name="unsubscribe"),
]
