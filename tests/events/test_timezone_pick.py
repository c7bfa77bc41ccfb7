"""The zone picker: works without JavaScript, validates the zone and the `next` URL."""

import pytest

from events.middleware import VIEWER_TIMEZONE_SESSION_KEY

pytestmark = pytest.mark.django_db


def test_picker_lists_zones_grouped_by_region_with_localized_names(client):
    response = client.get("/ru/timezone/?next=/ru/sessions/")
    page = response.content.decode()

    assert response.status_code == 200
    assert '<option value="Asia/Tashkent">Ташкент (GMT+05:00)</option>' in page
    assert '<option value="Asia/Kamchatka">Петропавловск-Камчатский (GMT+12:00)</option>' in page
    assert '<input type="hidden" name="next" value="/ru/sessions/" id="id_next">' in page


def test_picking_a_zone_saves_it_and_goes_back(client):
    response = client.post("/en/timezone/", {"timezone": "Asia/Tashkent", "next": "/en/sessions/"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/en/sessions/"
    assert client.session[VIEWER_TIMEZONE_SESSION_KEY] == "Asia/Tashkent"
    assert client.get("/en/").wsgi_request.viewer_timezone == "Asia/Tashkent"


def test_picking_automatic_forgets_the_zone(client):
    client.post("/en/timezone/", {"timezone": "Asia/Tashkent"})

    response = client.post("/en/timezone/", {"timezone": "", "next": "/en/"})

    assert response.headers["Location"] == "/en/"
    assert VIEWER_TIMEZONE_SESSION_KEY not in client.session


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../../etc/passwd", "asia/tashkent"])
def test_picker_rejects_unknown_zones_and_changes_nothing(client, zone):
    response = client.post("/en/timezone/", {"timezone": zone, "next": "/en/"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"timezone": ["Choose a time zone from the list."]}
    assert VIEWER_TIMEZONE_SESSION_KEY not in client.session


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/path", "javascript:alert(1)", "http://testserver.evil.example/"],
)
def test_picker_refuses_unsafe_next_and_goes_home(client, next_url):
    response = client.post("/ru/timezone/", {"timezone": "Europe/Moscow", "next": next_url})

    assert response.status_code == 302
    assert response.headers["Location"] == "/ru/"


def test_middleware_ignores_a_forged_zone_in_the_session(client):
    session = client.session
    session[VIEWER_TIMEZONE_SESSION_KEY] = "Not/A_Zone"
    session.save()

    response = client.get("/en/")

    assert response.wsgi_request.viewer_timezone is None
