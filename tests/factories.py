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
    # Two weeks ahead at 11:00 UTC, whatever the hour of the run: a start or end at an hour taken
    # from the clock could fall in the repeated autumn hour, which the calendar files then write in
    # UTC, and tests that read a zone's lines would depend on when they run.
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + dt.timedelta(days=14)).replace(hour=11, minute=0, second=0, microsecond=0)
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


class OrganiserFactory(UserFactory):
    """A staff user in the "Organisers" group that the migrations create (with its permissions)."""

    class Meta:
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"organiser-{n:04d}")
    email = factory.Sequence(lambda n: f"organiser{n}@agency.example")
    is_staff = True

    @factory.post_generation
    def organisers_group(self, create, extracted, **kwargs):
        if create:
            from django.contrib.auth.models import Group  # noqa: PLC0415

            from tests import migration_data  # noqa: PLC0415

            if not Group.objects.filter(name="Organisers").exists():
                migration_data.restore()  # emptied by an earlier transactional test
            self.groups.add(Group.objects.get(name="Organisers"))


class RegistrationFactory(factory.django.DjangoModelFactory):
    """A stored registration row, written directly: no audit entry, no email, no capacity check.

    For lists and exports only; anything about registering goes through
    `registrations.services.register_attendee`.
    """

    class Meta:
        model = "registrations.Registration"

    session = factory.SubFactory(SessionFactory)
    user = factory.SubFactory(UserFactory)
    status = "confirmed"
    full_name = factory.Sequence(lambda n: f"Attendee Number{n}")
    organisation = "City Hospital No. 7"
    profession = "physician"
    country = "KZ"
    language = "ru"
    privacy_notice_version = "2026-11"
    privacy_consent_at = factory.LazyFunction(timezone.now)
    confirmed_at = factory.LazyAttribute(lambda o: o.privacy_consent_at if o.status == "confirmed" else None)
    waitlisted_at = factory.LazyAttribute(lambda o: o.privacy_consent_at if o.status == "waitlisted" else None)


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


class SessionMaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.SessionMaterial"

    session = factory.SubFactory(SessionFactory)
    title_en = factory.Sequence(lambda n: f"Slides {n}")
    title_ru = factory.Sequence(lambda n: f"Слайды {n}")
    url = factory.Sequence(lambda n: f"https://decoded.example/materials/slides-{n}.pdf")
    order = factory.Sequence(lambda n: n)
