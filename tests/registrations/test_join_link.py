"""The personal join link: to the meeting inside the window, a helpful page outside it, nothing
once cancelled or unknown."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from events.timefmt import format_moment
from registrations.services import cancel_registration, register_attendee
from tests.factories import SessionFactory, UserFactory, attendee_details
from tests.registrations.helpers import get_h1

pytestmark = pytest.mark.django_db(transaction=True)

STARTS_AT = (timezone.now() + dt.timedelta(days=7)).replace(hour=12, minute=0, second=0, microsecond=0)


def make_registration(language="ru", **session_kwargs):
    session = SessionFactory(
        starts_at=STARTS_AT, ends_at=STARTS_AT + dt.timedelta(minutes=90), timezone="Asia/Almaty", **session_kwargs
    )
    outcome = register_attendee(session=session, user=UserFactory(), details=attendee_details(language=language))
    return outcome.registration


@pytest.mark.parametrize("minutes_from_start", [-30, 0, 89])
def test_join_link_inside_the_window_goes_to_the_meeting(client, minutes_from_start):
    registration = make_registration()

    with time_machine.travel(STARTS_AT + dt.timedelta(minutes=minutes_from_start), tick=False):
        response = client.get(f"/j/{registration.join_token}")

    assert response.status_code == 302
    assert response["Location"] == registration.session.join_url
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "private, no-store, max-age=0, no-cache, must-revalidate"


OPENS_TEXT = {
    "en": "Your join link opens on {}. Come back to this same link then: it takes you straight to the session.",
    "ru": "Ссылка для входа откроется: {}. Вернитесь тогда по этой же ссылке — она приведёт вас прямо на сессию.",
}


@pytest.mark.parametrize(
    ("language", "h2"), [("en", "The session has not opened yet."), ("ru", "Сессия ещё не открыта.")]
)
def test_join_link_before_the_window_says_when_it_opens_in_the_registrants_language(client, language, h2):
    registration = make_registration(language=language)

    with time_machine.travel(STARTS_AT - dt.timedelta(minutes=31), tick=False):
        response = client.get(f"/j/{registration.join_token}")

    html = response.content.decode()
    opens_at = format_moment(STARTS_AT - dt.timedelta(minutes=30), "Asia/Almaty", language)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in html
    assert f"<h2>{h2}</h2>" in html
    assert f"<p>{OPENS_TEXT[language].format(opens_at)}</p>" in html
    assert registration.session.join_url not in html
    assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(("language", "h2"), [("en", "This session has ended."), ("ru", "Сессия завершилась.")])
def test_join_link_after_the_end_shows_a_page(client, language, h2):
    registration = make_registration(language=language)

    with time_machine.travel(STARTS_AT + dt.timedelta(minutes=90), tick=False):
        response = client.get(f"/j/{registration.join_token}")

    assert response.status_code == 200
    assert f"<h2>{h2}</h2>" in response.content.decode()
    assert get_h1(response) == (registration.session.title_ru if language == "ru" else registration.session.title_en)


def test_join_link_of_a_cancelled_registration_is_not_found(client):
    registration = make_registration()
    token = registration.join_token
    cancel_registration(registration=registration, actor=registration.user)

    with time_machine.travel(STARTS_AT, tick=False):
        response = client.get(f"/j/{token}")

    assert response.status_code == 404


@pytest.mark.parametrize("token", ["0" * 64, "not-a-token", "A" * 64, "0" * 63])
def test_unknown_or_malformed_join_token_is_not_found(client, token):
    make_registration()

    with time_machine.travel(STARTS_AT, tick=False):
        response = client.get(f"/j/{token}")

    assert response.status_code == 404
