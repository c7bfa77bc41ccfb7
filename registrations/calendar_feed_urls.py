"""The personal calendar feed and its reset, outside the language prefix (the owner's language is known)."""

from django.urls import path

from registrations import calendar_feed_views

app_name = "calendar-feed"
urlpatterns = [
    path("calendar/<str:token>.ics", calendar_feed_views.personal_feed, name="personal-feed"),
    path("calendar/reset/", calendar_feed_views.reset_feed_token, name="reset"),
]
