import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile

from events.admin_forms import attach_zone
from events.models import Session, SessionSpeaker, Speaker
from tests.events.images import image_bytes
from tests.factories import (
    OrganiserFactory,
    SessionFactory,
    SessionMaterialFactory,
    SessionSpeakerFactory,
    SpeakerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def organiser():
    return OrganiserFactory()


@pytest.fixture(params=["superuser", "organiser"])
def admin_client(request, client):
    client.force_login(request.getfixturevalue(request.param))
    return client


def session_post_data(series, speakers, **overrides):
    """A complete POST for the session add form: two speakers, posted out of order."""
    data = {
        "series": series.pk,
        "title_en": "Cybersecurity in health care",
        "title_ru": "Кибербезопасность в здравоохранении",
        "slug": "cybersecurity-in-health-care",
        "summary_en": "Encryption, access controls and network security.",
        "summary_ru": "Шифрование, управление доступом и сетевая безопасность.",
        "description_en": "",
        "description_ru": "",
        "timezone": "Europe/Copenhagen",
        "starts_at_0": "2030-07-18",
        "starts_at_1": "13:00",
        "ends_at_0": "2030-07-18",
        "ends_at_1": "14:30",
        "floor_language": "en",
        "interpretation_languages": ["ru"],
        "capacity": "500",
        "registration_opens_at_0": "",
        "registration_opens_at_1": "",
        "registration_closes_at_0": "",
        "registration_closes_at_1": "",
        "recording_url": "",
        "cancellation_note_en": "",
        "cancellation_note_ru": "",
        "join_url": "https://meet.example.org/j/123",
        "speaker_links-TOTAL_FORMS": "2",
        "speaker_links-INITIAL_FORMS": "0",
        "speaker_links-MIN_NUM_FORMS": "0",
        "speaker_links-MAX_NUM_FORMS": "1000",
        "speaker_links-0-speaker": speakers[0].pk,
        "speaker_links-0-role": "speaker",
        "speaker_links-0-order": "2",
        "speaker_links-1-speaker": speakers[1].pk,
        "speaker_links-1-role": "moderator",
        "speaker_links-1-order": "1",
        "materials-TOTAL_FORMS": "1",
        "materials-INITIAL_FORMS": "0",
        "materials-MIN_NUM_FORMS": "0",
        "materials-MAX_NUM_FORMS": "1000",
        "materials-0-order": "0",
        "materials-0-title_en": "Slides",
        "materials-0-title_ru": "Слайды",
        "materials-0-url": "https://decoded.example/slides.pdf",
        "_save": "Save",
    }
    data.update(overrides)
    return data


def form_errors(response) -> dict:
    return {name: list(errors) for name, errors in response.context["adminform"].form.errors.items()}


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize(
    "path",
    [
        "events/session/",
        "events/session/add/",
        "events/session/?when=upcoming",
        "events/session/?when=past",
        "events/session/?q=Session",
        "events/speaker/",
        "events/speaker/add/",
        "events/series/",
        "events/series/add/",
    ],
)
def test_admin_pages_render_for_superuser_and_organiser(admin_client, lang, path):
    SessionSpeakerFactory()

    response = admin_client.get(f"/{lang}/admin/{path}")

    assert response.status_code == 200
    assert response.headers["Content-Language"] == lang


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_admin_change_pages_show_en_and_ru_fields(admin_client, lang):
    link = SessionSpeakerFactory()
    SessionMaterialFactory(session=link.session)
    pages = {
        f"/{lang}/admin/events/session/{link.session.pk}/change/": ["title", "summary", "description"],
        f"/{lang}/admin/events/speaker/{link.speaker.pk}/change/": ["name", "position", "organisation", "bio"],
        f"/{lang}/admin/events/series/{link.session.series.pk}/change/": ["title", "tagline", "organiser_name"],
    }

    for path, fields in pages.items():
        html = admin_client.get(path).content.decode()
        for field in fields:
            assert (html.count(f'name="{field}_en"'), html.count(f'name="{field}_ru"')) == (1, 1), (path, field)
    session_html = admin_client.get(f"/{lang}/admin/events/session/{link.session.pk}/change/").content.decode()
    assert session_html.count('name="materials-0-title_ru"') == 1
    assert session_html.count('name="speaker_links-0-order"') == 1


def test_admin_changelist_shows_the_start_in_the_sessions_own_zone(client, superuser):
    client.force_login(superuser)
    SessionFactory(
        starts_at=dt.datetime(2030, 7, 18, 11, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2030, 7, 18, 12, 30, tzinfo=dt.UTC),
        timezone="Asia/Tashkent",
    )

    html = client.get("/en/admin/events/session/").content.decode()

    assert html.count("2030-07-18 16:00 <small>Asia/Tashkent</small>") == 1


def test_admin_organiser_cannot_manage_users(client, organiser):
    client.force_login(organiser)

    assert client.get("/en/admin/auth/user/").status_code == 403


def test_admin_add_session_stores_times_in_utc_and_speakers_in_order(client, organiser):
    client.force_login(organiser)
    series = SessionFactory().series
    first, second = SpeakerFactory(), SpeakerFactory()

    response = client.post("/en/admin/events/session/add/", session_post_data(series, [first, second]))

    assert response.status_code == 302
    session = Session.objects.get(slug="cybersecurity-in-health-care")
    assert session.starts_at == dt.datetime(2030, 7, 18, 11, 0, tzinfo=dt.UTC)
    assert session.ends_at == dt.datetime(2030, 7, 18, 12, 30, tzinfo=dt.UTC)
    assert session.status == Session.Status.DRAFT
    assert session.interpretation_languages == ["ru"]
    assert [(link.speaker, link.role, link.order) for link in session.speakers_in_order] == [
        (second, SessionSpeaker.Role.MODERATOR, 1),
        (first, SessionSpeaker.Role.SPEAKER, 2),
    ]
    assert [(m.title_en, m.title_ru) for m in session.materials.all()] == [("Slides", "Слайды")]


def test_admin_session_times_follow_the_chosen_zone(client, superuser):
    client.force_login(superuser)
    series = SessionFactory().series
    data = session_post_data(series, [SpeakerFactory(), SpeakerFactory()], timezone="Asia/Vladivostok")

    client.post("/en/admin/events/session/add/", data)

    session = Session.objects.get(slug="cybersecurity-in-health-care")
    assert session.starts_at == dt.datetime(2030, 7, 18, 3, 0, tzinfo=dt.UTC)


def test_admin_change_form_shows_times_in_the_sessions_zone(client, superuser):
    client.force_login(superuser)
    session = SessionFactory(
        starts_at=dt.datetime(2030, 1, 17, 12, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2030, 1, 17, 13, 0, tzinfo=dt.UTC),
        timezone="Europe/Copenhagen",
    )

    html = client.get(f"/en/admin/events/session/{session.pk}/change/").content.decode()

    assert re.findall(r'name="starts_at_[01]"[^>]*value="([^"]+)"', html) == ["2030-01-17", "13:00"]
    assert html.count("Local time in the session's announced time zone (Europe/Copenhagen).") == 4
    assert html.count("Stored as 2030-01-17 12:00 UTC.") == 1


def test_admin_rejects_an_end_before_the_start(client, superuser):
    client.force_login(superuser)
    series = SessionFactory().series
    data = session_post_data(series, [SpeakerFactory(), SpeakerFactory()], ends_at_1="12:00")

    response = client.post("/en/admin/events/session/add/", data)

    assert response.status_code == 200
    assert form_errors(response) == {"ends_at": ["The session must end after it starts."]}
    assert Session.objects.filter(slug="cybersecurity-in-health-care").exists() is False


def test_admin_rejects_a_time_skipped_by_daylight_saving(client, superuser):
    client.force_login(superuser)
    series = SessionFactory().series
    data = session_post_data(
        series,
        [SpeakerFactory(), SpeakerFactory()],
        starts_at_0="2030-03-31",
        starts_at_1="02:30",
        ends_at_0="2030-03-31",
        ends_at_1="04:00",
    )

    response = client.post("/en/admin/events/session/add/", data)

    assert form_errors(response) == {
        "starts_at": ["2030-03-31 02:30 does not exist in Europe/Copenhagen: the clocks skip it. Choose another time."]
    }


def test_attach_zone_reads_wall_clock_time_in_the_zone():
    import zoneinfo  # noqa: PLC0415

    zone = zoneinfo.ZoneInfo("Europe/Copenhagen")

    assert attach_zone(dt.datetime(2024, 7, 18, 13, 0), zone) == dt.datetime(2024, 7, 18, 11, 0, tzinfo=dt.UTC)  # noqa: DTZ001
    assert attach_zone(dt.datetime(2024, 1, 18, 13, 0), zone) == dt.datetime(2024, 1, 18, 12, 0, tzinfo=dt.UTC)  # noqa: DTZ001


def test_admin_rejects_the_floor_language_as_interpretation(client, superuser):
    client.force_login(superuser)
    series = SessionFactory().series
    data = session_post_data(series, [SpeakerFactory(), SpeakerFactory()], interpretation_languages=["en", "ru"])

    response = client.post("/en/admin/events/session/add/", data)

    assert form_errors(response) == {
        "interpretation_languages": ["The floor language is spoken in the room; it needs no interpretation."]
    }


def test_admin_publish_action_publishes_drafts_only(client, organiser):
    client.force_login(organiser)
    draft = SessionFactory(status=Session.Status.DRAFT)
    published = SessionFactory(status=Session.Status.PUBLISHED)
    cancelled = SessionFactory(status=Session.Status.CANCELLED)

    response = client.post(
        "/en/admin/events/session/",
        {"action": "publish_selected", "_selected_action": [draft.pk, published.pk, cancelled.pk]},
    )

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "1 session was published.",
        "2 sessions were left unchanged: only draft sessions can be published.",
    ]
    statuses = dict(Session.objects.values_list("pk", "status"))
    assert statuses == {draft.pk: "published", published.pk: "published", cancelled.pk: "cancelled"}


def test_admin_unpublish_action_moves_published_sessions_to_draft(client, organiser):
    client.force_login(organiser)
    sessions = SessionFactory.create_batch(2, status=Session.Status.PUBLISHED)

    response = client.post(
        "/en/admin/events/session/",
        {"action": "unpublish_selected", "_selected_action": [s.pk for s in sessions]},
    )

    assert [str(m) for m in get_messages(response.wsgi_request)] == ["2 sessions were moved back to draft."]
    assert list(Session.objects.values_list("status", flat=True)) == ["draft", "draft"]


def test_admin_status_is_not_editable_in_the_form(client, superuser):
    client.force_login(superuser)
    series = SessionFactory().series

    client.post(
        "/en/admin/events/session/add/",
        session_post_data(series, [SpeakerFactory(), SpeakerFactory()], status="published"),
    )

    assert Session.objects.get(slug="cybersecurity-in-health-care").status == Session.Status.DRAFT


def speaker_post_data(**overrides):
    data = {
        "name_en": "Anna Schmidt",
        "name_ru": "Анна Шмидт",
        "slug": "anna-schmidt",
        "position_en": "",
        "position_ru": "",
        "organisation_en": "",
        "organisation_ru": "",
        "country": "DK",
        "bio_en": "",
        "bio_ru": "",
        "website_url": "",
        "profile_url": "",
        "_save": "Save",
    }
    data.update(overrides)
    return data


def test_admin_speaker_photo_upload_goes_through_the_pipeline(client, organiser):
    client.force_login(organiser)
    photo = SimpleUploadedFile("anna-schmidt.png", image_bytes("PNG", size=(1200, 900)), content_type="image/png")

    response = client.post("/en/admin/events/speaker/add/", speaker_post_data(new_photo=photo))

    assert response.status_code == 302
    speaker = Speaker.objects.get(slug="anna-schmidt")
    assert re.fullmatch(r"speakers/[0-9a-f]{32}\.jpg", speaker.photo.name)
    assert re.fullmatch(r"speakers/thumbs/[0-9a-f]{32}\.jpg", speaker.photo_thumbnail.name)
    assert (speaker.photo.width, speaker.photo.height) == (800, 600)


def test_admin_speaker_rejects_a_gif_with_a_clear_message(client, organiser):
    client.force_login(organiser)
    gif = SimpleUploadedFile("anna.gif", image_bytes("GIF"), content_type="image/gif")

    response = client.post("/en/admin/events/speaker/add/", speaker_post_data(new_photo=gif))

    assert response.status_code == 200
    assert form_errors(response) == {
        "new_photo": ["Upload a JPEG, PNG or WebP image. Other file types are not accepted."]
    }
    assert Speaker.objects.filter(slug="anna-schmidt").exists() is False


def test_admin_speaker_list_shows_the_thumbnail(client, superuser):
    client.force_login(superuser)
    client.post(
        "/en/admin/events/speaker/add/",
        speaker_post_data(new_photo=SimpleUploadedFile("a.jpg", image_bytes("JPEG"), content_type="image/jpeg")),
    )
    speaker = Speaker.objects.get(slug="anna-schmidt")

    html = client.get("/en/admin/events/speaker/").content.decode()

    assert html.count(f'<img src="/media/{speaker.photo_thumbnail.name}" width="40" height="40" alt="">') == 1
