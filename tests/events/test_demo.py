import datetime as dt
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from PIL import Image

from events.demo import DEV_ORGANISER_PASSWORD, load_demo
from events.models import Series, Session, SessionMaterial, SessionSpeaker, Speaker

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 3, 1)
TIMESTAMPS = {"created_at", "updated_at"}


def snapshot() -> dict:
    """Every demo row's field values, timestamps aside."""
    models = [Series, Session, Speaker, SessionSpeaker, SessionMaterial]
    dump = {
        model.__name__: [
            {key: value for key, value in row.items() if key not in TIMESTAMPS}
            for row in model.objects.order_by("pk").values()
        ]
        for model in models
    }
    dump["users"] = list(
        get_user_model()
        .objects.order_by("pk")
        .values("pk", "username", "email", "password", "is_staff", "is_superuser", "is_active", "groups__name")
    )
    return dump


def test_load_demo_twice_on_the_same_day_gives_the_same_data(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        load_demo(today=DAY)
    first = snapshot()

    with django_capture_on_commit_callbacks(execute=True):
        load_demo(today=DAY)

    assert snapshot() == first
    counts = {name: len(rows) for name, rows in first.items()}
    assert counts == {
        "Series": 1,
        "Session": 7,
        "Speaker": 5,
        "SessionSpeaker": 17,
        "SessionMaterial": 1,
        "users": 1,
    }


def test_load_demo_first_session_is_the_real_one():
    load_demo(today=DAY)

    session = Session.objects.get(slug="cybersecurity-in-health-care")
    assert session.starts_at == dt.datetime(2024, 7, 18, 11, 0, tzinfo=dt.UTC)
    assert session.ends_at == dt.datetime(2024, 7, 18, 12, 30, tzinfo=dt.UTC)
    assert session.timezone == "Europe/Copenhagen"
    assert session.status == Session.Status.PUBLISHED
    assert (session.floor_language, session.interpretation_languages) == ("en", ["ru"])
    assert session.title_en == "Cybersecurity in health care"
    assert session.title_ru == "Кибербезопасность в здравоохранении"
    assert session.summary_ru == (
        "Как организациям здравоохранения защищать данные пациентов: шифрование, управление доступом "
        "и сетевая безопасность — обсуждение с международными экспертами."
    )
    assert session.join_url == ""
    assert session.series.title_ru == "Расшифровка данных и цифрового здравоохранения"


def test_load_demo_dates_the_invented_sessions_from_the_day_of_the_run():
    load_demo(today=DAY)

    sessions = {s.slug: s for s in Session.objects.all()}
    assert sessions["health-data-interoperability"].starts_at == dt.datetime(2030, 3, 11, 12, 0, tzinfo=dt.UTC)
    # 13:00 in Copenhagen is 11:00 UTC once summer time has started (30 March 2030).
    assert sessions["telemedicine-and-patient-privacy"].starts_at == dt.datetime(2030, 4, 10, 11, 0, tzinfo=dt.UTC)
    assert sessions["governing-ai-in-diagnostics"].capacity == 500
    assert sessions["secure-messaging-for-clinical-teams"].status == Session.Status.CANCELLED
    assert sessions["secure-messaging-for-clinical-teams"].cancellation_note_ru != ""
    assert sessions["anonymisation-of-public-health-statistics"].status == Session.Status.DRAFT
    public_slugs = set(Session.objects.public().values_list("slug", flat=True))
    assert "anonymisation-of-public-health-statistics" not in public_slugs
    assert {s.join_url for slug, s in sessions.items() if slug != "cybersecurity-in-health-care"} == {
        f"https://meet.example.org/j/example-{slug}" for slug in sessions if slug != "cybersecurity-in-health-care"
    }


def test_load_demo_on_a_later_day_moves_the_invented_sessions_in_place():
    load_demo(today=DAY)
    ids = dict(Session.objects.values_list("slug", "pk"))

    load_demo(today=DAY + dt.timedelta(days=1))

    assert dict(Session.objects.values_list("slug", "pk")) == ids
    session = Session.objects.get(slug="health-data-interoperability")
    assert session.starts_at == dt.datetime(2030, 3, 12, 12, 0, tzinfo=dt.UTC)
    first = Session.objects.get(slug="cybersecurity-in-health-care")
    assert first.starts_at == dt.datetime(2024, 7, 18, 11, 0, tzinfo=dt.UTC)


def test_load_demo_links_speakers_in_order_with_roles():
    load_demo(today=DAY)

    session = Session.objects.get(slug="cybersecurity-in-health-care")
    assert [(link.speaker.slug, link.role, link.order) for link in session.speakers_in_order] == [
        ("example-sam-moderato", "moderator", 0),
        ("example-ingrid-sample", "speaker", 1),
        ("example-maria-fictiva", "speaker", 2),
        ("example-timur-placeholder", "panellist", 3),
    ]


def test_load_demo_speakers_are_examples_with_processed_photos():
    load_demo(today=DAY)

    speakers = list(Speaker.objects.all())
    assert [s.is_example for s in speakers] == [True] * 5
    assert all(s.name_ru and s.bio_ru and s.position_ru and s.organisation_ru for s in speakers)
    for speaker in speakers:
        assert re.fullmatch(r"speakers/[0-9a-f]{32}\.jpg", speaker.photo.name)
        with speaker.photo_thumbnail.open("rb") as file:
            thumbnail = Image.open(io.BytesIO(file.read()))
        assert (thumbnail.format, thumbnail.size, dict(thumbnail.getexif())) == ("JPEG", (240, 240), {})


def test_load_demo_organiser_can_sign_in_and_has_a_second_factor(client):
    load_demo(today=DAY)

    # The admin's own login form is closed (tests/security); the credentials still authenticate
    # through allauth, and the demo organiser has the TOTP authenticator load_demo prints.
    assert client.login(username="organiser", password=DEV_ORGANISER_PASSWORD) is True
    assert client.get("/en/admin/events/session/").status_code == 200
    user = get_user_model().objects.get(username="organiser")
    assert list(user.authenticator_set.values_list("type", flat=True).order_by("type")) == [
        "recovery_codes",
        "totp",
    ]
    assert (user.email, user.is_staff, user.is_superuser) == ("organiser@decoded.example", True, False)
    assert list(user.groups.values_list("name", flat=True)) == ["Organisers"]


def test_load_demo_takes_the_password_from_the_environment(client, monkeypatch):
    passphrase = "another-long-local-passphrase"  # noqa: S105 (a test value)
    monkeypatch.setenv("DEMO_ORGANISER_PASSWORD", passphrase)
    out = io.StringIO()

    call_command("load_demo", stdout=out)

    assert client.login(username="organiser", password=passphrase) is True
    assert passphrase not in out.getvalue()
    assert "  password: (the value of DEMO_ORGANISER_PASSWORD)" in out.getvalue().splitlines()


def test_load_demo_refuses_a_weak_password_and_changes_nothing(monkeypatch):
    monkeypatch.setenv("DEMO_ORGANISER_PASSWORD", "organiser")

    with pytest.raises(ValidationError):
        load_demo(today=DAY)

    assert (Session.objects.count(), Speaker.objects.count(), get_user_model().objects.count()) == (0, 0, 0)


def test_load_demo_command_prints_the_login(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    out = io.StringIO()

    call_command("load_demo", stdout=out)

    lines = out.getvalue().splitlines()
    start = lines.index("Demo organiser (development only):")
    assert lines[start : start + 4] == [
        "Demo organiser (development only):",
        "  admin:    http://127.0.0.1:8000/en/admin/",
        "  username: organiser",
        f"  password: {DEV_ORGANISER_PASSWORD}",
    ]
    assert lines[start + 5].startswith("  then MFA: TOTP secret ")


def test_load_demo_command_refuses_to_run_in_production(settings):
    settings.IS_PRODUCTION = True

    with pytest.raises(CommandError) as caught:
        call_command("load_demo")

    assert str(caught.value) == (
        "Refusing to load demo data in production (DJANGO_ENV=production). Use --force to override."
    )
    assert Session.objects.count() == 0


def test_load_demo_command_runs_in_production_with_force(settings):
    settings.IS_PRODUCTION = True

    call_command("load_demo", "--force", stdout=io.StringIO())

    # the seven sessions of the public demo and the five past ones of the dashboard demo
    assert Session.objects.count() == 12
