from django.urls import path

from events import views

app_name = "events"
urlpatterns = [
    path("", views.home, name="home"),
    path("sessions/", views.SessionListView.as_view(), name="session-list"),
    path("sessions/past/", views.SessionPastView.as_view(), name="session-past"),
    path("sessions/<slug:slug>/", views.SessionDetailView.as_view(), name="session-detail"),
    path("speakers/", views.SpeakerListView.as_view(), name="speaker-list"),
    path("speakers/<slug:slug>/", views.SpeakerDetailView.as_view(), name="speaker-detail"),
    path("timezone/", views.timezone_pick, name="timezone-pick"),
]
