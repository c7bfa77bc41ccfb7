"""The account page: my registrations (upcoming with status, past) and the profile form."""

import datetime as dt

import pytest
from django.utils import timezone

from registrations.models import Profile
from registrations.services import register_attendee
from tests.factories import SessionFactory, UserFactory, attendee_details
from tests.registrations.helpers import get_h1

pytestmark = pytest.mark.django_db(transaction=True)

PROFILE = {
    "full_name": "Dr Anna Petrova",
    "organisation": "Ministry of Health",
    "profession": "policy",
    "country": "UZ",
    "language": "ru",
    "timezone": "Asia/Tashkent",
}


def test_account_page_needs_sign_in(client):
    response = client.get("/en/account/")

    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/login/?next=/en/account/"


@pytest.mark.parametrize(("language", "h1"), [("en", "Your account"), ("ru", "Ваш аккаунт")])
def test_account_page_lists_upcoming_with_status_and_past(client, language, h1):
    user = UserFactory()
    full = SessionFactory(capacity=1, title_en="Full session")
    open_session = SessionFactory(title_en="Open session")
    past_start = timezone.now() - dt.timedelta(days=3)
    past = SessionFactory(title_en="Past session")
    register_attendee(session=full, user=UserFactory(), details=attendee_details())
    for session in (full, open_session, past):
        register_attendee(session=session, user=user, details=attendee_details())
    past.starts_at, past.ends_at = past_start, past_start + dt.timedelta(hours=1)
    past.save(update_fields=["starts_at", "ends_at"])
    client.force_login(user)

    response = client.get(f"/{language}/account/")

    assert response.status_code == 200
    assert get_h1(response) == h1
    assert "no-store" in response["Cache-Control"]
    assert [(r.session.title_en, r.status, r.waitlist_position) for r in response.context["upcoming"]] == [
        ("Full session", "waitlisted", 1),
        ("Open session", "confirmed", None),
    ]
    assert [r.session.title_en for r in response.context["past"]] == ["Past session"]


def test_profile_is_saved_through_the_profile_form(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post("/en/account/profile/", PROFILE)

    assert response.status_code == 302
    assert response["Location"] == "/en/account/"
    profile = Profile.objects.get(user=user)
    assert (
        profile.full_name,
        profile.organisation,
        profile.profession,
        profile.country.code,
        profile.language,
        profile.timezone,
    ) == ("Dr Anna Petrova", "Ministry of Health", "policy", "UZ", "ru", "Asia/Tashkent")
    assert [str(m) for m in client.get("/en/account/").context["messages"]] == ["Your profile is saved."]


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("timezone", "Mars/Olympus_Mons", "Choose a time zone from the list."),
        ("language", "de", "Select a valid choice. de is not one of the available choices."),
        ("full_name", "x" * 151, "Ensure this value has at most 150 characters (it has 151)."),
    ],
)
def test_invalid_profile_is_refused_and_changes_nothing(client, field, value, error):
    user = UserFactory()
    Profile.objects.create(user=user, full_name="Before")
    client.force_login(user)

    response = client.post("/en/account/profile/", {**PROFILE, field: value})

    assert response.status_code == 400
    assert response.context["profile_form"].errors == {field: [error]}
    assert Profile.objects.get(user=user).full_name == "Before"


def test_registration_form_is_prefilled_from_the_saved_profile(client):
    user = UserFactory()
    client.force_login(user)
    client.post("/en/account/profile/", PROFILE)

    response = client.get(f"/en/sessions/{SessionFactory().slug}/register/")

    form = response.context["form"]
    assert {name: form.initial[name] for name in ("full_name", "profession", "country", "language")} == {
        "full_name": "Dr Anna Petrova",
        "profession": "policy",
        "country": "UZ",
        "language": "ru",
    }


def test_register_page_is_never_cached(client):
    response = client.get(f"/en/sessions/{SessionFactory().slug}/register/")

    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("item_count", [1, 3])
def test_account_page_query_count_does_not_grow_with_registrations(client, django_assert_num_queries, item_count):
    user = UserFactory()
    for _ in range(item_count):
        register_attendee(session=SessionFactory(), user=user, details=attendee_details())
    client.force_login(user)
    client.get("/en/account/")  # warm up: first-request bookkeeping, the header's cached series title

    # 1 for the signed-in request itself (the user; the browser session comes from the cache,
    # cached_db, and that allauth's user-session record was refreshed lately, by the warm-up, the
    # session itself says), then the profile, one query for all registrations with
    # their sessions and series, the privacy-notice banner (the person's accepted versions:
    # registrations and consent events; the notice in force comes from the cache after the
    # warm-up), the certificates, the personal calendar feed's address and whether the person
    # still receives announcements (withdraw button).
    with django_assert_num_queries(8):
        response = client.get("/en/account/")

    assert len(response.context["upcoming"]) == item_count
