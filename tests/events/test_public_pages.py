"""The public pages in English and Russian: content, drafts, cancellations, the root redirect."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from events.models import Session
from tests.factories import SeriesFactory, SessionFactory, SessionSpeakerFactory, SpeakerFactory

pytestmark = pytest.mark.django_db


def get_title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


def get_h1(response) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S).group(1).strip()


def test_root_redirects_to_russian_for_a_russian_browser(client):
    response = client.get("/", headers={"accept-language": "ru-RU,ru;q=0.9,en;q=0.5"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/ru/"


def test_root_redirects_to_english_by_default(client):
    response = client.get("/", headers={"accept-language": "de-DE"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/en/"


@pytest.mark.parametrize(
    ("language", "expected_h1"),
    [("en", "Decoding data and digital health"), ("ru", "Расшифровка данных и цифрового здравоохранения")],
)
def test_home_shows_the_series_in_the_language(client, language, expected_h1):
    SessionFactory(title_en="Cybersecurity in health care", title_ru="Кибербезопасность в здравоохранении")

    response = client.get(f"/{language}/")

    assert response.status_code == 200
    assert get_h1(response) == expected_h1
    assert response.context["next_session"].title == (
        "Cybersecurity in health care" if language == "en" else "Кибербезопасность в здравоохранении"
    )
    assert f'<html lang="{language}">' in response.content.decode()


def test_home_without_sessions_says_so(client):
    SeriesFactory()

    response = client.get("/en/")

    assert response.status_code == 200
    assert not response.context["next_session"]  # a lazy None: the page cache renders it on demand
    assert "No session is scheduled at the moment." in response.content.decode()


def test_home_puts_the_first_published_session_forward_not_a_cancelled_one(client):
    soon = timezone.now() + dt.timedelta(days=2)
    cancelled = SessionFactory(starts_at=soon, ends_at=soon + dt.timedelta(hours=1), status=Session.Status.CANCELLED)
    published = SessionFactory(starts_at=soon + dt.timedelta(days=1), ends_at=soon + dt.timedelta(days=1, hours=1))

    response = client.get("/en/")

    assert response.context["next_session"] == published
    assert response.context["upcoming"] == [cancelled]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_session_detail_renders_in_the_language(client, language):
    session = SessionFactory(
        slug="cybersecurity-in-health-care",
        title_en="Cybersecurity in health care",
        title_ru="Кибербезопасность в здравоохранении",
    )

    response = client.get(f"/{language}/sessions/cybersecurity-in-health-care/")

    assert response.status_code == 200
    expected = {"en": "Cybersecurity in health care", "ru": "Кибербезопасность в здравоохранении"}[language]
    assert get_h1(response) == expected
    assert (
        get_title(response)
        == f"{expected} · {session.series.title_en if language == 'en' else session.series.title_ru}"
    )


def test_session_detail_falls_back_to_english_when_russian_is_empty(client):
    SessionFactory(slug="only-english", title_en="Only in English", title_ru="", summary_ru="")

    response = client.get("/ru/sessions/only-english/")

    assert response.status_code == 200
    assert get_h1(response) == "Only in English"
    assert '<p class="lead">What every health organisation should know.</p>' in response.content.decode()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_draft_session_is_not_found(client, language):
    SessionFactory(slug="secret-draft", status=Session.Status.DRAFT)

    response = client.get(f"/{language}/sessions/secret-draft/")

    assert response.status_code == 404


def test_draft_session_is_in_no_list(client):
    SessionFactory(title_en="Hidden draft", status=Session.Status.DRAFT)
    SessionFactory(
        title_en="Hidden past draft",
        status=Session.Status.DRAFT,
        starts_at=timezone.now() - dt.timedelta(days=3),
        ends_at=timezone.now() - dt.timedelta(days=3) + dt.timedelta(hours=1),
    )

    pages = [client.get(url).content.decode() for url in ("/en/", "/en/sessions/", "/en/sessions/past/")]

    assert [("Hidden draft" in page, "Hidden past draft" in page) for page in pages] == [(False, False)] * 3


def test_cancelled_session_shows_the_notice_and_the_note(client):
    SessionFactory(
        slug="called-off",
        status=Session.Status.CANCELLED,
        cancellation_note_en="The speakers could not travel. A new date follows.",
        cancellation_note_ru="Докладчики не смогли приехать. Новая дата будет объявлена.",
    )

    en = client.get("/en/sessions/called-off/").content.decode()
    ru = client.get("/ru/sessions/called-off/").content.decode()

    assert '<h2 class="notice__title">This session is cancelled.</h2>' in en
    assert "<p>The speakers could not travel. A new date follows.</p>" in en
    assert "<p>Докладчики не смогли приехать. Новая дата будет объявлена.</p>" in ru


def test_session_list_shows_upcoming_sessions_only(client):
    past = timezone.now() - dt.timedelta(days=10)
    upcoming = SessionFactory(title_en="Coming up")
    SessionFactory(title_en="Long gone", starts_at=past, ends_at=past + dt.timedelta(hours=1))

    response = client.get("/en/sessions/")

    assert response.status_code == 200
    assert list(response.context["sessions"]) == [upcoming]


def test_session_list_is_paginated(client):
    SessionFactory.create_batch(12)

    first = client.get("/en/sessions/")
    second = client.get("/en/sessions/?page=2")

    assert (len(first.context["sessions"]), len(second.context["sessions"])) == (10, 2)
    assert "Page 2 of 2" in second.content.decode()


def test_past_list_links_the_recording(client):
    past = timezone.now() - dt.timedelta(days=10)
    session = SessionFactory(
        starts_at=past, ends_at=past + dt.timedelta(hours=1), recording_url="https://video.example.org/rec/1"
    )

    response = client.get("/ru/sessions/past/")

    assert list(response.context["sessions"]) == [session]
    assert 'href="https://video.example.org/rec/1"' in response.content.decode()


@pytest.mark.parametrize(
    ("language", "expected_h1", "expected_bio"),
    [
        ("en", "Anna Schmidt", "<p>Works on protecting patient data.</p>"),
        ("ru", "Анна Шмидт", "<p>Занимается защитой данных пациентов.</p>"),
    ],
)
def test_speaker_detail_renders_in_the_language(client, language, expected_h1, expected_bio):
    link = SessionSpeakerFactory(
        speaker__slug="anna-schmidt", speaker__name_en="Anna Schmidt", speaker__name_ru="Анна Шмидт"
    )

    response = client.get(f"/{language}/speakers/anna-schmidt/")

    assert response.status_code == 200
    assert get_h1(response) == expected_h1
    assert expected_bio in response.content.decode()
    assert response.context["speaker"].public_session_links == [link]


def test_speaker_without_photo_gets_initials(client):
    SessionSpeakerFactory(speaker__slug="anna", speaker__name_en="Anna-Maria Schmidt")

    page = client.get("/en/speakers/anna/").content.decode()

    assert '<span class="avatar avatar--initials avatar--large" aria-hidden="true">AM</span>' in page


def test_example_speaker_is_labelled(client):
    SessionSpeakerFactory(speaker__slug="demo", speaker__is_example=True)

    en = client.get("/en/speakers/demo/").content.decode()
    listing = client.get("/en/speakers/").content.decode()

    assert en.count('<p class="example-label">Example speaker</p>') == 1
    assert listing.count('<p class="example-label">Example speaker</p>') == 1


def test_speaker_of_draft_sessions_only_is_not_public(client):
    SessionSpeakerFactory(speaker__slug="unannounced", session__status=Session.Status.DRAFT)

    detail = client.get("/en/speakers/unannounced/")
    listing = client.get("/en/speakers/")

    assert detail.status_code == 404
    assert list(listing.context["speakers"]) == []


def test_speaker_page_lists_public_sessions_not_drafts(client):
    speaker = SpeakerFactory(slug="s")
    public = SessionSpeakerFactory(speaker=speaker, session__title_en="Public one")
    SessionSpeakerFactory(speaker=speaker, session__title_en="Draft one", session__status=Session.Status.DRAFT)

    response = client.get("/en/speakers/s/")

    assert response.context["speaker"].public_session_links == [public]
    assert "Draft one" not in response.content.decode()


def test_not_found_page_is_translated_and_styled(client):
    response = client.get("/ru/no-such-page/")

    assert response.status_code == 404
    assert get_h1(response) == "Страница не найдена"  # Django's own catalogue has this one


def get_layout_links(response) -> list[str]:
    html = response.content.decode()
    header = re.search(r'<header class="site-header">(.*?)</header>', html, re.S).group(1)
    footer = re.search(r'<footer class="site-footer">(.*?)</footer>', html, re.S).group(1)
    return re.findall(r'href="([^"]+)"', header + footer)


@pytest.mark.parametrize(
    ("path", "status", "expected"),
    [
        ("/en/speakers/", 200, ["/en/", "/en/sessions/", "/en/speakers/", "/en/timezone/?next=/en/speakers/",
                                "/en/accounts/login/", "/en/speakers/", "/ru/speakers/", "/en/sessions/past/",
                                "/en/privacy/"]),
        ("/ru/no-such-page/", 404, ["/ru/", "/ru/sessions/", "/ru/speakers/", "/ru/timezone/?next=/ru/no-such-page/",
                                    "/ru/accounts/login/", "/ru/sessions/past/", "/ru/privacy/"]),
    ],
)
def test_layout_links_are_in_the_page_language(client, path, status, expected):
    """The header and footer links are reversed once per language and process (site_urls)."""
    response = client.get(path)

    assert response.status_code == status
    assert get_layout_links(response) == expected


def test_server_error_page_renders_without_context():
    from django.template.loader import render_to_string  # noqa: PLC0415

    html = render_to_string("500.html")

    assert "<h1>Something went wrong on our side</h1>" in html


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response.content.decode().splitlines() == [
        "User-agent: *",
        "Disallow: /en/admin/",
        "Disallow: /ru/admin/",
        "Disallow: /en/timezone/",
        "Disallow: /ru/timezone/",
        "Sitemap: http://testserver/sitemap.xml",
    ]
