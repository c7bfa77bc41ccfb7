"""Fixtures of the privacy tests: the URLs (privacy pages, unsubscribe, certificates), a Russian
catalogue that includes the notifications and privacy fragments (until the lead merges them into
locale/ru), people with everything the site can hold about them, and a scanner that looks for a
text in every text column of every table and in every stored file."""

import datetime as dt
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session as DjangoSession
from django.core.files.base import ContentFile
from django.db import models
from django.db.models.functions import Cast
from django.urls import clear_url_caches

from registrations.attendance_models import Attendance
from registrations.calendar_tokens import issue_feed_token
from registrations.certificate_models import Certificate, get_certificate_storage
from registrations.models import Profile, Registration
from registrations.privacy_models import PrivacyNotice
from tests.factories import SessionFactory, UserFactory

FRAGMENTS = ("notifications.po", "privacy.po")


@pytest.fixture(autouse=True)
def _privacy_urls(settings):
    settings.SITE_URL = "https://decoded.example"
    clear_url_caches()
    yield
    clear_url_caches()


@pytest.fixture
def notice(db):
    """The first version, as its data migration makes it (transactional tests flush it)."""
    row, _created = PrivacyNotice.objects.get_or_create(
        version="2026-11",
        defaults={
            "published_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
            "body_en": "This notice explains how the organisers handle personal data.",
            "body_ru": "В этом уведомлении объясняется, как организаторы обращаются с персональными данными.",
        },
    )
    return row


def make_registration(session, user, *, full_name, status="confirmed", **fields):
    values = {
        "session": session,
        "user": user,
        "status": status,
        "full_name": full_name,
        "organisation": f"{full_name} Clinic",
        "profession": "physician",
        "country": "KZ",
        "language": "ru",
        "privacy_notice_version": "2026-11",
        "privacy_consent_at": session.starts_at - dt.timedelta(days=10),
        "confirmed_at": session.starts_at - dt.timedelta(days=10) if status == "confirmed" else None,
        "waitlisted_at": session.starts_at - dt.timedelta(days=10) if status == "waitlisted" else None,
    }
    values.update(fields)
    return Registration.objects.create(**values)


def give_certificate(registration, *, name):
    certificate = Certificate(
        registration=registration,
        language="en",
        printed_name=name,
        printed_title="Cybersecurity in health care",
        session_date=registration.session.starts_at.date(),
        minutes=80,
    )
    # A stand-in PDF with the name in clear, so the file scan below can find it.
    certificate.pdf.save("c.pdf", ContentFile(f"%PDF-1.7 certificate for {name}".encode()), save=False)
    certificate.save()
    return certificate


@pytest.fixture
def person(db):
    """Aigerim, with everything the site can hold: profile, addresses, MFA, feed token, a past
    session (attended, with a certificate) and a coming one, consent to announcements."""
    user = UserFactory(username="aigerim", email="aigerim.sadykova@clinic.example")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x", "used_mask": 0}
    )
    Profile.objects.create(user=user, full_name="Aigerim Sadykova", organisation="Almaty City Hospital",
                           profession="physician", country="KZ", language="ru")
    issue_feed_token(user=user)
    past = SessionFactory(
        starts_at=dt.datetime(2024, 7, 18, 11, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2024, 7, 18, 12, 30, tzinfo=dt.UTC),
    )
    attended = make_registration(past, user, full_name="Aigerim Sadykova", announcements_consent=True,
                                 announcements_consent_at=past.starts_at - dt.timedelta(days=10))
    Attendance.objects.create(registration=attended, source="manual", minutes=80, reason="Aigerim Sadykova phoned in")
    give_certificate(attended, name="Aigerim Sadykova")
    return user


def find_text(needle: str) -> list[str]:
    """Every "app.Model.field" whose text (char, text or JSON column) contains `needle`, any case;
    Django sessions are decoded first. Plus every stored file that contains it."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                hit = model._default_manager.filter(**{f"{field.attname}__icontains": needle}).exists()
            elif isinstance(field, models.JSONField):
                hit = (
                    model._default_manager.annotate(_as_text=Cast(field.attname, models.TextField()))
                    .filter(_as_text__icontains=needle)
                    .exists()
                )
            elif isinstance(field, models.BinaryField):
                hit = any(
                    needle.lower().encode() in bytes(value).lower()
                    for value in model._default_manager.values_list(field.attname, flat=True)
                )
            else:
                continue
            if hit:
                found.append(f"{model._meta.label}.{field.name}")
    for session in DjangoSession.objects.all():
        if needle.lower() in str(session.get_decoded()).lower():
            found.append("sessions.Session.session_data")
    for root in {Path(settings.MEDIA_ROOT), Path(get_certificate_storage().location)}:
        if root.exists():
            found += [
                str(path)
                for path in root.rglob("*")
                if path.is_file() and needle.lower().encode() in path.read_bytes().lower()
            ]
    return found


def sign_in_to_admin(client, user) -> None:
    """Staff with MFA enrolled and used in this session, as the staff security gate requires."""
    from tests.security.conftest import give_mfa, sign_in_with_mfa_used, verify_email  # noqa: PLC0415

    verify_email(user)
    give_mfa(user)
    sign_in_with_mfa_used(client, user)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@agency.example", "x" * 20)
