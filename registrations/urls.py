from django.urls import path

from registrations import views

app_name = "registrations"
urlpatterns = [
    path("sessions/<slug:slug>/register/", views.register, name="register"),
    path("account/", views.account, name="account"),
    path("account/profile/", views.profile, name="profile"),
    path("account/registrations/<str:public_id>/cancel/", views.cancel, name="cancel"),
    path("cancel/<str:public_id>/<str:token>/", views.cancel_by_link, name="cancel-by-link"),
]
