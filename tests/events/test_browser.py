"""The public site in a real browser: navigation, language switch, local times, accessibility."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.factories import SessionFactory, SessionSpeakerFactory, SpeakerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_no_serious_accessibility_violation(current_page):
    from axe_playwright_python.sync_playwright import Axe  # noqa: PLC0415 (only browser tests need it)

    results = Axe().run(current_page)
    serious = [
        (violation["id"], violation["impact"])
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]
    assert serious == [], results.generate_report()


def test_visitor_browses_in_russian_with_times_in_the_browser_zone(live_server, page):
    starts_at = (timezone.now() + dt.timedelta(days=10)).replace(hour=11, minute=0, second=0, microsecond=0)
    session = SessionFactory(
        slug="cyber",
        title_en="Cybersecurity in health care",
        title_ru="Кибербезопасность в здравоохранении",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=90),
    )
    speaker = SpeakerFactory(slug="anna", name_en="Anna Schmidt", name_ru="Анна Шмидт")
    SessionSpeakerFactory(session=session, speaker=speaker)

    page.goto(f"{live_server.url}/en/")
    assert page.locator("h1").inner_text() == "Decoding data and digital health"
    assert_no_serious_accessibility_violation(page)

    page.get_by_role("link", name="Русский").click()
    page.wait_for_url(f"{live_server.url}/ru/")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("h1").inner_text() == "Расшифровка данных и цифрового здравоохранения"
    assert_no_serious_accessibility_violation(page)

    page.locator(".next-session .card__title a").click()
    page.wait_for_url(f"{live_server.url}/ru/sessions/cyber/")
    assert page.locator("h1").inner_text() == "Кибербезопасность в здравоохранении"
    # The browser runs in Asia/Tashkent: localtime.js writes the session time in that zone.
    # Chromium's own ICU data names the zone; Debian's build may only know "GMT+5" in Russian.
    local_time = page.locator("time[data-localtime]").inner_text()
    hours = f"{starts_at.hour + 5:02d}:00\u2013{starts_at.hour + 6:02d}:30"
    assert re.fullmatch(rf".+, {hours} (GMT\+5|Узбекистан, стандартное время)", local_time), local_time
    assert_no_serious_accessibility_violation(page)

    page.get_by_role("link", name="Анна Шмидт").click()
    page.wait_for_url(f"{live_server.url}/ru/speakers/anna/")
    assert page.locator("h1").inner_text() == "Анна Шмидт"
    assert_no_serious_accessibility_violation(page)

    page.locator(".site-nav a[href^=\"/ru/timezone/\"]").click()  # not by name: the catalogue may lag
    page.wait_for_url(f"{live_server.url}/ru/timezone/?next=/ru/speakers/anna/")
    assert_no_serious_accessibility_violation(page)

    assert [url for url in page.requested_urls if not url.startswith(f"{live_server.url}/")] == []
    assert page.console_errors == []


def test_zone_picker_works_without_javascript(live_server, browser):
    SessionFactory(slug="cyber")
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    current = context.new_page()

    current.goto(f"{live_server.url}/en/sessions/cyber/")
    current.get_by_role("link", name="Choose your time zone").click()
    current.get_by_label("Your time zone").select_option("Asia/Tashkent")
    current.get_by_role("button", name="Save").click()
    current.wait_for_url(f"{live_server.url}/en/sessions/cyber/")

    assert current.locator(".time-row--viewer time").inner_text().endswith("Uzbekistan Standard Time")
    context.close()
