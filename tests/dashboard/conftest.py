"""Fixtures of the dashboard tests: a small hand-countable data set.

Until registrations/admin.py imports registrations.dashboard_admin (see the report of issue 10),
the import below registers the dashboard with the admin before the URLconf is first loaded.
"""

import datetime as dt

import pytest

import registrations.dashboard_admin  # noqa: F401 (registers the dashboard's admin)
from registrations.attendance_models import Attendance
from registrations.certificate_models import Certificate
from registrations.report_flags import refresh_report_flags
from registrations.report_tallies import count_new_registration
from tests.factories import OrganiserFactory, RegistrationFactory, SessionFactory

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def organiser(db):
    return OrganiserFactory()


def make_registration(
    session, *, at, status="confirmed", language="ru", country="KZ", profession="physician", **fields
):
    """A registration created at `at` (the factory's auto_now_add is overwritten afterwards), counted in
    the dashboard's tallies as `register_attendee` counts the registrations it creates."""
    values = {"privacy_consent_at": at}
    if status == "waitlisted" or (status == "cancelled" and "waitlisted_at" in fields):
        values["waitlisted_at"] = at  # a cancelled one that was waitlisted was never confirmed
    else:
        values["confirmed_at"] = at
    if status == "cancelled":
        values.setdefault("cancelled_at", at + dt.timedelta(days=1))
    values.update(fields)
    registration = RegistrationFactory(
        session=session, status=status, language=language, country=country, profession=profession, **values
    )
    type(registration).objects.filter(pk=registration.pk).update(created_at=at)
    registration.refresh_from_db()
    count_new_registration(registration)
    return registration


def attend(registration, minutes, source="zoom"):
    attendance = Attendance.objects.create(
        registration=registration, source=source, minutes=minutes, reason="test" if source == "manual" else ""
    )
    refresh_report_flags([registration.pk])  # what the attendance services do after writing
    return attendance


def certify(registration, status="valid"):
    certificate = Certificate.objects.create(
        registration=registration,
        status=status,
        language=registration.language,
        printed_name=registration.full_name,
        printed_title="Title",
        session_date=registration.session.starts_at.date(),
        minutes=60,
    )
    refresh_report_flags([registration.pk])  # what the certificate services do after writing
    return certificate


@pytest.fixture
def past_session(db):
    starts_at = dt.datetime(2026, 5, 20, 11, 0, tzinfo=dt.UTC)
    return SessionFactory(
        title_en="Interoperability of health data: where to start",
        title_ru="Совместимость медицинских данных: с чего начать",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=90),
        capacity=10,
        registration_opens_at=starts_at - dt.timedelta(days=20),
    )


def sign_in_with_mfa(client, user):
    """Sign `user` in on `client` as if they had passed the MFA step (the admin requires it).

    Stores what allauth stores after a sign-in with TOTP: an authenticator for the user and an
    "mfa" authentication record in the session (see registrations/staff_security.py).
    """
    import time  # noqa: PLC0415

    from allauth.account.internal.flows.login import (  # noqa: PLC0415
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from allauth.mfa.models import Authenticator  # noqa: PLC0415

    Authenticator.objects.get_or_create(user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "x"}})
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "mfa", "at": time.time(), "type": "totp"}]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()
    return client
