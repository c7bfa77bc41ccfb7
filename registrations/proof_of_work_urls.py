"""The registration form's proof-of-work challenges (registrations/proof_of_work.py), outside the language prefix."""

from django.urls import path

from registrations import proof_of_work_views

app_name = "pow"
urlpatterns = [
    path("pow/challenge/", proof_of_work_views.challenge, name="challenge"),
]
