"""The session page's "add to your calendar" links: Google, Outlook.com, Microsoft 365 and the feeds."""

import datetime as dt
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from tests.factories import SeriesFactory, SessionFactory

pytestmark = pytest.mark.django_db

DETAILS = {
    "en": "Register on the session page to receive your personal join link.\n\nSession page: {url}",
    "ru": "Зарегистрируйтесь на странице сессии, чтобы получить личную ссылку для подключения.\n\n"
    "Страница сессии: {url}",
}


def get_calendar_links(response) -> dict[str, str]:
    html = response.content.decode()
    block = re.search(r'<ul class="calendar-links">(.*?)</ul>', html, re.S).group(1)
    return dict(
        zip(
            ["ics", "google", "outlook", "office365", "series_webcal", "series_ics"],
            (unescape(href) for href in re.findall(r'href="([^"]+)"', block)),
            strict=True,
        )
    )


def split(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", {k: v[0] for k, v in parse_qs(parts.query).items()}


@pytest.mark.parametrize(
    ("language", "title", "summary", "location"),
    [
        ("en", "Cybersecurity in health care", "Encryption, access controls and network security.", "Online"),
        ("ru", "Кибербезопасность в здравоохранении", "Шифрование, контроль доступа и сетевая безопасность.", "Онлайн"),
    ],
)
def test_session_page_links_add_the_public_entry_to_web_calendars(client, language, title, summary, location):
    series = SeriesFactory(slug="decoded")
    SessionFactory(
        series=series,
        slug="cyber",
        title_en="Cybersecurity in health care",
        title_ru="Кибербезопасность в здравоохранении",
        summary_en="Encryption, access controls and network security.",
        summary_ru="Шифрование, контроль доступа и сетевая безопасность.",
        starts_at=dt.datetime(2030, 7, 18, 11, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2030, 7, 18, 12, 30, tzinfo=dt.UTC),
        timezone="Europe/Copenhagen",
        join_url="https://meet.example.org/j/secret",
    )
    page = f"{settings.SITE_URL}/{language}/sessions/cyber/"

    for _attempt in range(2):  # the second page is built from the remembered links: the same
        links = get_calendar_links(client.get(f"/{language}/sessions/cyber/"))

        assert links["ics"] == f"/{language}/sessions/cyber.ics"
        assert links["series_ics"] == f"{settings.SITE_URL}/{language}/series/decoded.ics"
        assert links["series_webcal"] == "webcal://" + links["series_ics"].split("://", 1)[1]
        assert split(links["google"]) == (
            "https://calendar.google.com/calendar/render",
            {
                "action": "TEMPLATE",
                "text": title,
                "dates": "20300718T110000Z/20300718T123000Z",
                "details": f"{summary}\n\n" + DETAILS[language].format(url=page),
                "location": location,
                "ctz": "Europe/Copenhagen",
            },
        )
        for key, base in [
            ("outlook", "https://outlook.live.com/calendar/0/action/compose"),
            ("office365", "https://outlook.office.com/calendar/0/action/compose"),
        ]:
            assert split(links[key]) == (
                base,
                {
                    "path": "/calendar/action/compose",
                    "rru": "addevent",
                    "subject": title,
                    "startdt": "2030-07-18T11:00:00Z",
                    "enddt": "2030-07-18T12:30:00Z",
                    "body": f"{summary}\n\n" + DETAILS[language].format(url=page),
                    "location": location,
                },
            )
        assert "secret" not in " ".join(links.values())


def test_calendar_links_follow_a_changed_session(client, django_capture_on_commit_callbacks):
    session = SessionFactory(
        slug="cyber",
        title_en="Before",
        starts_at=dt.datetime(2030, 7, 18, 11, tzinfo=dt.UTC),
        ends_at=dt.datetime(2030, 7, 18, 12, tzinfo=dt.UTC),
    )
    client.get("/en/sessions/cyber/")
    session.title_en = "After"
    session.starts_at = dt.datetime(2030, 7, 19, 9, tzinfo=dt.UTC)
    session.ends_at = dt.datetime(2030, 7, 19, 10, tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):  # the content version moves on commit
        session.save()

    links = get_calendar_links(client.get("/en/sessions/cyber/"))

    assert split(links["google"])[1]["text"] == "After"
    assert split(links["google"])[1]["dates"] == "20300719T090000Z/20300719T100000Z"
    assert split(links["outlook"])[1]["subject"] == "After"
