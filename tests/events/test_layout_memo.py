"""The layout's fixed parts, rendered once per language and key ({% memo %}), still follow each page."""

import re

import pytest
from django.template import engines
from django.utils import translation

from events.templatetags.memo import MAX_VARIANTS
from tests.factories import SeriesFactory, UserFactory

pytestmark = pytest.mark.django_db


def get_nav_links(response) -> list[tuple[str, str]]:
    nav = re.search(r'<nav class="site-nav"[^>]*>(.*?)</nav>', response.content.decode(), re.S).group(1)
    return re.findall(r'<a href="([^"?]+)[^"]*"[^>]*>([^<]+)</a>', nav)


def test_navigation_follows_sign_in_section_and_language_in_any_order(client):
    SeriesFactory()
    user = UserFactory()
    anonymous_en = [
        ("/en/sessions/", "Sessions"),
        ("/en/speakers/", "Speakers"),
        ("/en/timezone/", "Time zone"),
        ("/en/accounts/login/", "Sign in"),
    ]

    assert get_nav_links(client.get("/en/sessions/")) == anonymous_en
    client.force_login(user)
    assert get_nav_links(client.get("/en/sessions/"))[-1] == ("/en/account/", "Your account")
    assert get_nav_links(client.get("/ru/sessions/"))[-1] == ("/ru/account/", "Ваш аккаунт")
    client.logout()
    assert get_nav_links(client.get("/en/sessions/")) == anonymous_en
    assert get_nav_links(client.get("/ru/speakers/"))[-1] == ("/ru/accounts/login/", "Войти")


def test_brand_follows_a_renamed_series(client, django_capture_on_commit_callbacks):
    series = SeriesFactory(title_en="Before")
    assert ">\n        Before\n      </a>" in client.get("/en/speakers/").content.decode()

    series.title_en = "After"
    with django_capture_on_commit_callbacks(execute=True):  # the public pages' content version moves
        series.save()

    assert ">\n        After\n      </a>" in client.get("/en/speakers/").content.decode()


def test_memo_keeps_a_bounded_number_of_variants():
    template = engines["django"].from_string("{% load memo %}{% memo value %}[{{ value }}]{% endmemo %}")
    node = next(node for node in template.template.nodelist if type(node).__name__ == "MemoNode")

    with translation.override("en"):
        outputs = [template.render({"value": n}) for n in range(MAX_VARIANTS + 5)]
        again = template.render({"value": 3})

    assert outputs[:3] == ["[0]", "[1]", "[2]"]
    assert again == "[3]"
    assert len(node.rendered) <= MAX_VARIANTS


def get_language_links(response) -> tuple[list, list]:
    page = response.content.decode()
    switcher = re.search(r'<nav class="lang-switch"[^>]*>(.*?)</nav>', page, re.S).group(1)
    alternates = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', page)
    return re.findall(r'<a href="([^"]+)"', switcher), alternates


def test_language_links_follow_the_page_its_query_and_host_in_any_order(client, settings):
    settings.ALLOWED_HOSTS = ["testserver", "webinars.example"]
    SeriesFactory()
    speakers_en = (
        ["/en/speakers/", "/ru/speakers/"],
        [
            ("en", "http://testserver/en/speakers/"),
            ("ru", "http://testserver/ru/speakers/"),
            ("x-default", "http://testserver/speakers/"),
        ],
    )

    assert get_language_links(client.get("/en/speakers/")) == speakers_en
    assert get_language_links(client.get("/en/sessions/"))[0] == ["/en/sessions/", "/ru/sessions/"]
    assert get_language_links(client.get("/en/speakers/?page=1"))[0] == ["/en/speakers/?page=1", "/ru/speakers/?page=1"]
    assert get_language_links(client.get("/en/speakers/", HTTP_HOST="webinars.example"))[1][0] == (
        "en",
        "http://webinars.example/en/speakers/",
    )
    assert get_language_links(client.get("/en/speakers/", secure=True))[1][1] == (
        "ru",
        "https://testserver/ru/speakers/",
    )
    ru_switcher, _alternates = get_language_links(client.get("/ru/speakers/"))
    assert ru_switcher == ["/en/speakers/", "/ru/speakers/"]
    assert 'aria-current="true">Русский' in client.get("/ru/speakers/").content.decode()
    assert get_language_links(client.get("/en/speakers/")) == speakers_en
