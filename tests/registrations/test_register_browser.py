"""A new attendee registers end to end in Russian, in Chromium, reading the code from the outbox."""

import pytest
from django.core import mail

from registrations.models import Registration
from tests.factories import SessionFactory
from tests.registrations.helpers import code_from

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_new_attendee_registers_in_russian(live_server, page, settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 1  # a person takes longer; the robot fills at once
    SessionFactory(slug="cyber", title_ru="Кибербезопасность в здравоохранении", capacity=100)

    page.goto(f"{live_server.url}/ru/sessions/cyber/register/")
    assert page.locator("h1").inner_text() == "Регистрация на сессию"
    page.fill("#id_email", "aigerim@clinic.example")
    page.fill("#id_full_name", "Айгерим Садыкова")
    page.fill("#id_organisation", "Городская больница № 7")
    page.select_option("#id_profession", "physician")
    page.select_option("#id_country", "KZ")
    assert page.locator("#id_language_1").is_checked()  # the page language is the default
    assert page.locator("#id_announcements_consent").is_checked() is False
    page.check("#id_privacy_consent")
    page.wait_for_timeout(1100)
    page.locator("main form button[type=submit]").click()

    page.wait_for_url(f"{live_server.url}/ru/accounts/login/code/confirm/?next=*")
    assert page.locator("h1").inner_text() == "Введите код для входа"
    assert [m.subject for m in mail.outbox] == ["Ваш код для входа в Decoded"]
    page.fill("#id_code", code_from(mail.outbox[0]))
    page.locator("main form button[type=submit]").first.click()

    page.wait_for_url(f"{live_server.url}/ru/sessions/cyber/register/")
    assert page.locator("h1").inner_text() == "Вы зарегистрированы"
    assert page.locator(".outcome h2").inner_text() == "Ваше место подтверждено."
    registration = Registration.objects.get()
    assert (registration.status, registration.full_name, registration.language) == (
        "confirmed",
        "Айгерим Садыкова",
        "ru",
    )
    assert [m.subject for m in mail.outbox] == [
        "Ваш код для входа в Decoded",
        "Место подтверждено: Кибербезопасность в здравоохранении",
    ]
    assert page.console_errors == []  # no CSP violation (inline style or script) on the way
    assert [url for url in page.requested_urls if not url.startswith(live_server.url)] == []
