"""Public calendar files, included inside `i18n_patterns` (the language prefix sets their language)."""

from django.urls import path

from events import calendar_views

app_name = "calendar"
urlpatterns = [
    path("sessions/<slug:slug>.ics", calendar_views.session_ics, name="session-ics"),
    path("series/<slug:slug>.ics", calendar_views.series_ics, name="series-ics"),
]
