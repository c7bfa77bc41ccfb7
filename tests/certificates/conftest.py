"""Fixtures of the attendance and certificate tests: the 18 July 2024 session of the samples, its
registrations (created directly: the registration window closed long ago), and the URL
configuration with the certificate pages (tests/certificates/urls.py)."""

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import clear_url_caches

from registrations.models import Profile, Registration
from tests.factories import SessionFactory, UserFactory

SAMPLES = Path(__file__).parent / "samples"
# What registrations/migrations/0003_attendance_certificates.py grants the Organisers group.
ORGANISER_CODENAMES = [
    "view_sessioncertificates",
    "view_attendance",
    "add_attendance",
    "change_attendance",
    "view_attendanceimport",
    "view_certificate",
    "add_certificate",
    "change_certificate",
    "view_sessioncertificatesettings",
    "add_sessioncertificatesettings",
    "change_sessioncertificatesettings",
    "view_registration",
]


@pytest.fixture(autouse=True)
def _certificate_urls(settings):
    settings.SITE_URL = "https://decoded.example"
    clear_url_caches()
    yield
    clear_url_caches()


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.fixture
def session_2024(db):
    return SessionFactory(
        slug="cybersecurity-in-health-care",
        title_en="Cybersecurity in health care",
        title_ru="Кибербезопасность в здравоохранении",
        starts_at=dt.datetime(2024, 7, 18, 11, 0, tzinfo=dt.UTC),  # 13:00 CEST
        ends_at=dt.datetime(2024, 7, 18, 12, 30, tzinfo=dt.UTC),  # 14:30 CEST: 90 minutes
        timezone="Europe/Copenhagen",
    )


def make_registration(session, *, email, full_name, language="en", status="confirmed", profile_name=None):
    user = UserFactory(username=email, email=email)
    if profile_name is not None:
        Profile.objects.update_or_create(user=user, defaults={"full_name": profile_name, "language": language})
    return Registration.objects.create(
        session=session,
        user=user,
        status=status,
        full_name=full_name,
        language=language,
        privacy_notice_version="2026-11",
        privacy_consent_at=session.starts_at - dt.timedelta(days=10),
        confirmed_at=session.starts_at - dt.timedelta(days=10) if status == "confirmed" else None,
    )


@pytest.fixture
def registrations_2024(session_2024):
    """The registrants of the sample reports, by first name."""
    return {
        "anna": make_registration(
            session_2024, email="anna.petrova@health.example", full_name="Анна Петрова", language="ru",
            profile_name="Анна Сергеевна Петрова",
        ),
        "aigerim": make_registration(
            session_2024, email="aigerim.sadykova@clinic.example", full_name="Aigerim Sadykova", language="en"
        ),
        "john": make_registration(session_2024, email="john.smith@nhs.example", full_name="John Smith"),
        "ivan": make_registration(
            session_2024, email="ivan.ivanov@health.example", full_name="Иван Иванов", language="ru"
        ),
        "olga": make_registration(
            session_2024, email="olga.k@health.example", full_name="Olga Kuznetsova", status="cancelled"
        ),
    }


@pytest.fixture
def organiser(db):
    user = UserFactory(username="organiser", email="organiser@agency.example", is_staff=True)
    # The group comes from data migrations; transactional tests flush it, so it may need rebuilding.
    group, _created = Group.objects.get_or_create(name="Organisers")
    if not group.permissions.filter(codename="add_certificate").exists():
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="registrations", codename__in=ORGANISER_CODENAMES)
        )
    user.groups.add(group)
    return user
