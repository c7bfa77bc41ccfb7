"""Minimisation: the form asks only the brief's fields, free text is bounded, no IP address in clear."""

import datetime as dt
import ipaddress

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.apps import apps
from django.db import models

from registrations.forms import ProfileForm, RegistrationForm
from registrations.ip_privacy import is_pseudonym, pseudonymise_ip
from tests.factories import UserFactory

# The brief: "their answers (organisation, profession, country), language, consent record", the
# name for the certificate, and the email address to sign in (signed out only).
BRIEF_FIELDS = ["email", "full_name", "organisation", "profession", "country", "language",
                "privacy_consent", "announcements_consent"]
ANTI_BOT_FIELDS = ["website", "started"]


def test_registration_form_asks_nothing_beyond_the_brief():
    assert list(RegistrationForm(ask_email=True).fields) == BRIEF_FIELDS + ANTI_BOT_FIELDS
    assert list(RegistrationForm(ask_email=False).fields) == BRIEF_FIELDS[1:] + ANTI_BOT_FIELDS


def test_free_text_answers_are_limited_in_length():
    form_limits = {name: field.max_length for name, field in RegistrationForm(ask_email=True).fields.items()
                   if isinstance(field, __import__("django").forms.CharField)}
    profile_limits = {name: ProfileForm(language_code="en").fields[name].max_length
                      for name in ("full_name", "organisation")}

    assert form_limits == {"email": 254, "full_name": 150, "organisation": 200, "website": 200, "started": None}
    assert profile_limits == {"full_name": 150, "organisation": 200}


def test_every_text_column_of_our_models_is_bounded():
    unbounded = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_app_config("registrations").get_models()
        if not model._meta.proxy
        for field in model._meta.concrete_fields
        if isinstance(field, models.TextField) and not field.max_length
    ]
    # Organiser-written text (messages) and machine-written text (delivery errors); no attendee types these.
    assert unbounded == [
        "registrations.OrganiserMessage.body", "registrations.OrganiserMessage.body_en",
        "registrations.OrganiserMessage.body_ru", "registrations.OutboxMessage.last_error",
    ]


def test_no_model_of_ours_has_an_ip_address_column():
    assert [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.GenericIPAddressField)
    ] == ["usersessions.UserSession.ip"]


@pytest.mark.django_db
def test_user_sessions_store_a_daily_pseudonym_not_the_address(client):
    user = UserFactory()
    client.force_login(user)

    client.get("/en/account/", REMOTE_ADDR="203.0.113.7")

    stored = UserSession.objects.get(user=user).ip
    assert is_pseudonym(stored)
    assert stored != "203.0.113.7"
    assert ipaddress.ip_address(stored) in ipaddress.IPv6Network("fd00::/8")


def test_pseudonym_changes_every_day_and_keeps_clients_apart():
    day_one = dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC)
    with time_machine.travel(day_one, tick=False):
        first = pseudonymise_ip("203.0.113.7")
        same_day = pseudonymise_ip("203.0.113.7", now=day_one + dt.timedelta(hours=5))
        other_client = pseudonymise_ip("203.0.113.8")

    next_day = pseudonymise_ip("203.0.113.7", now=day_one + dt.timedelta(days=1))

    assert first == same_day
    assert first != other_client
    assert first != next_day
    # One IPv6 /64 (one household) is one pseudonym, and the hash survives allauth's /64 truncation.
    assert pseudonymise_ip("2001:db8:1:2::1", now=day_one) == pseudonymise_ip("2001:db8:1:2::ff", now=day_one)
    assert pseudonymise_ip("2001:db8:1:2::1", now=day_one).endswith("::")
