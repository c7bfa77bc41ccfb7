"""A person's own profile (account page): the one path that changes it outside a registration.

(Registering also remembers the answers, through `services.save_profile_details`.) Past
registrations keep the answers they were made with; only later ones use the new profile.
"""

from typing import TYPE_CHECKING

from django.db import transaction

from registrations.models import Profile

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def update_profile(
    *,
    user: "AbstractBaseUser",
    full_name: str,
    organisation: str,
    profession: str,
    country: str,
    language: str,
    timezone: str,
) -> Profile:
    """Save the person's profile (created on first use). Validates with `full_clean()`; no emails."""
    with transaction.atomic():
        profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
        profile.full_name = full_name
        profile.organisation = organisation
        profile.profession = profession
        profile.country = country
        profile.language = language
        profile.timezone = timezone
        profile.full_clean()
        profile.save()
    return profile
