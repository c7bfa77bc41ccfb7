"""factory-boy factories: plain, predictable objects; no hidden side effects."""

import datetime as dt

import factory
from django.utils import timezone

from events.models import Series, Session, SessionSpeaker, Speaker


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Series
        django_get_or_create = ("slug",)

    slug = "decoding-data"
    title_en = "Decoding data and digital health"
    title_ru = "Расшифровка данных и цифрового здравоохранения"
    organiser_name_en = "Regional Health Agency"
    organiser_name_ru = "Региональное агентство здравоохранения"
    reply_to_email = "webinars@agency.example"
    timezone = "Europe/Copenhagen"


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    slug = factory.Sequence(lambda n: f"speaker-{n}")
    name_en = factory.Sequence(lambda n: f"Speaker Number{n}")
    name_ru = factory.Sequence(lambda n: f"Докладчик Номер{n}")
    position_en = "Chief information security officer"
    position_ru = "Руководитель службы информационной безопасности"
    organisation_en = "National Health Service"
    organisation_ru = "Национальная служба здравоохранения"
    country = "DK"
    bio_en = "Works on protecting patient data."
    bio_ru = "Занимается защитой данных пациентов."


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    series = factory.SubFactory(SeriesFactory)
    slug = factory.Sequence(lambda n: f"session-{n}")
    title_en = factory.Sequence(lambda n: f"Session {n} on health data")
    title_ru = factory.Sequence(lambda n: f"Сессия {n} о данных здравоохранения")
    summary_en = "What every health organisation should know."
    summary_ru = "Что должна знать каждая организация здравоохранения."
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + dt.timedelta(days=14)).replace(minute=0, second=0, microsecond=0)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(minutes=90))
    timezone = "Europe/Copenhagen"
    floor_language = "en"
    interpretation_languages = factory.LazyFunction(lambda: ["ru"])
    status = Session.Status.PUBLISHED
    join_url = factory.Sequence(lambda n: f"https://meet.example.org/j/98765{n}?pwd=SecretPass{n}")


class SessionSpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionSpeaker

    session = factory.SubFactory(SessionFactory)
    speaker = factory.SubFactory(SpeakerFactory)
    role = SessionSpeaker.Role.SPEAKER
    order = factory.Sequence(lambda n: n)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "auth.User"
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"u-{n:04d}")
    email = factory.Sequence(lambda n: f"attendee{n}@health.example")


def attendee_details(**overrides):
    from registrations.services import AttendeeDetails  # noqa: PLC0415

    values = {
        "full_name": "Aigerim Sadykova",
        "organisation": "City Hospital No. 7",
        "profession": "physician",
        "country": "KZ",
        "language": "ru",
        "announcements_consent": False,
        "privacy_notice_version": "2026-11",
    }
    values.update(overrides)
    return AttendeeDetails(**values)
