import pytest
from django.conf import settings

from events.demo import load_demo
from registrations.dashboard_demo import load_dashboard_demo
from tests import migration_data
from tests.dashboard.conftest import sign_in_with_mfa
from tests.factories import OrganiserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboard_screenshot_with_demo_data(browser, live_server, client):
    """One test for both languages: a transactional test empties the database, migrations' groups too."""
    migration_data.restore()  # an earlier transactional test may have emptied the migrations' rows
    result = load_demo()
    load_dashboard_demo(sessions=result.sessions)
    sign_in_with_mfa(client, OrganiserFactory())
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    # The admin names no favicon, so the browser asks for /favicon.ico (404): not the dashboard's doing.
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and "favicon" not in response.url
            and console_errors.append(f"{response.status} {response.url}")
        ),
    )
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    statuses = []
    for language in ("en", "ru"):
        response = page.goto(f"{live_server.url}/{language}/admin/registrations/reportspermission/")
        statuses.append(response.status)
        page.screenshot(path=f"/tmp/dashboard-{language}.png", full_page=True)  # noqa: S108 (to look at)
    context.close()

    assert statuses == [200, 200]
    errors = [error for error in console_errors if not error.startswith("Failed to load resource")]
    assert errors == []  # no CSP violation (inline styles) and no broken resource
    assert all(url.startswith(live_server.url) for url in requested)
