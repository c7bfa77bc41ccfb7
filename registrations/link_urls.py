"""Personal links that live outside the language prefix: the registrant's language is known."""

from django.urls import path

from registrations import views

app_name = "links"
urlpatterns = [
    path("j/<str:token>", views.join, name="join"),
]
