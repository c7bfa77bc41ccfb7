"""Search engines: sitemap with hreflang alternates, JSON-LD, and the language switcher."""

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET

import pytest

from events.models import Session
from tests.factories import SessionFactory, SessionSpeakerFactory

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def parse_sitemap(response) -> dict[str, dict[str, str]]:
    root = ET.fromstring(response.content)  # noqa: S314 (our own sitemap, not untrusted XML)
    return {
        url.find("s:loc", NS).text: {link.get("hreflang"): link.get("href") for link in url.findall("x:link", NS)}
        for url in root.findall("s:url", NS)
    }


def test_sitemap_lists_public_pages_in_both_languages_with_alternates(client):
    SessionSpeakerFactory(session__slug="public-one", speaker__slug="anna")
    SessionFactory(slug="cancelled-one", status=Session.Status.CANCELLED)

    entries = parse_sitemap(client.get("/sitemap.xml"))

    assert sorted(entries) == sorted(
        f"http://testserver/{language}/{path}"
        for language in ("en", "ru")
        for path in (
            "",
            "sessions/",
            "sessions/past/",
            "speakers/",
            "sessions/public-one/",
            "sessions/cancelled-one/",
            "speakers/anna/",
        )
    )
    assert entries["http://testserver/ru/sessions/public-one/"] == {
        "en": "http://testserver/en/sessions/public-one/",
        "ru": "http://testserver/ru/sessions/public-one/",
        "x-default": "http://testserver/sessions/public-one/",
    }


def test_sitemap_has_no_drafts_nor_their_speakers(client):
    SessionSpeakerFactory(session__slug="secret-draft", session__status=Session.Status.DRAFT, speaker__slug="hidden")

    content = client.get("/sitemap.xml").content.decode()

    assert ("secret-draft" in content, "hidden" in content) == (False, False)


def get_jsonld(response) -> dict:
    # No nonce: CSP does not govern a data block, and the page can then be cached whole.
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S)
    return json.loads(match.group(1))


def test_session_jsonld_describes_the_event(client):
    session = SessionFactory(
        slug="cyber",
        title_en="Cybersecurity in health care",
        starts_at=dt.datetime(2030, 7, 18, 11, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2030, 7, 18, 12, 30, tzinfo=dt.UTC),
    )
    SessionSpeakerFactory(session=session, speaker__slug="anna", speaker__name_en="Anna Schmidt")

    data = get_jsonld(client.get("/en/sessions/cyber/"))

    assert data == {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": "Cybersecurity in health care",
        "description": "What every health organisation should know.",
        "url": "http://testserver/en/sessions/cyber/",
        "startDate": "2030-07-18T13:00:00+02:00",
        "endDate": "2030-07-18T14:30:00+02:00",
        "eventAttendanceMode": "https://schema.org/OnlineEventAttendanceMode",
        "eventStatus": "https://schema.org/EventScheduled",
        "location": {"@type": "VirtualLocation", "url": "http://testserver/en/sessions/cyber/"},
        "inLanguage": ["en", "ru"],
        "isAccessibleForFree": True,
        "performer": [
            {
                "@type": "Person",
                "name": "Anna Schmidt",
                "url": "http://testserver/en/speakers/anna/",
                "jobTitle": "Chief information security officer",
                "affiliation": {"@type": "Organization", "name": "National Health Service"},
            }
        ],
        "organizer": {"@type": "Organization", "name": "Regional Health Agency", "url": "http://testserver/"},
        "superEvent": {"@type": "EventSeries", "name": "Decoding data and digital health"},
    }


def test_cancelled_session_jsonld_says_cancelled_and_escapes_html(client):
    SessionFactory(slug="off", title_ru="</script><b>Отменено</b>", status=Session.Status.CANCELLED)

    response = client.get("/ru/sessions/off/")
    data = get_jsonld(response)

    assert data["eventStatus"] == "https://schema.org/EventCancelled"
    assert data["name"] == "</script><b>Отменено</b>"
    assert "\\u003C/script\\u003E" in response.content.decode()


@pytest.mark.parametrize(
    ("path", "expected_links"),
    [
        (
            "/en/sessions/cyber/",
            [
                '<a href="/en/sessions/cyber/" lang="en" aria-current="true">English</a>',
                '<a href="/ru/sessions/cyber/" lang="ru" hreflang="ru">Русский</a>',
            ],
        ),
        (
            "/ru/speakers/?page=1",
            [
                '<a href="/en/speakers/?page=1" lang="en" hreflang="en">English</a>',
                '<a href="/ru/speakers/?page=1" lang="ru" aria-current="true">Русский</a>',
            ],
        ),
    ],
)
def test_language_switcher_stays_on_the_same_page(client, path, expected_links):
    SessionSpeakerFactory(session__slug="cyber")

    page = client.get(path).content.decode()
    switcher = re.search(r'<nav class="lang-switch"[^>]*>(.*?)</nav>', page, re.S).group(1)

    assert re.findall(r"<a [^>]*>[^<]*</a>", switcher) == expected_links


def test_pages_announce_hreflang_alternates(client):
    SessionFactory(slug="cyber")

    page = client.get("/ru/sessions/cyber/").content.decode()

    assert re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', page) == [
        ("en", "http://testserver/en/sessions/cyber/"),
        ("ru", "http://testserver/ru/sessions/cyber/"),
        ("x-default", "http://testserver/sessions/cyber/"),
    ]


def test_x_default_url_redirects_by_accept_language(client):
    SessionFactory(slug="cyber")

    response = client.get("/sessions/cyber/", headers={"accept-language": "ru"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/ru/sessions/cyber/"


def test_main_navigation_marks_the_current_section(client):
    SessionFactory(slug="cyber")

    page = client.get("/en/sessions/cyber/").content.decode()

    assert re.findall(r'<a href="([^"]+)" aria-current="page">', page) == ["/en/sessions/"]
