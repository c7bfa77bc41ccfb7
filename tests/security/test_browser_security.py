"""In a real browser: the public pages request nothing from anyone but us, the registration
form's proof of work runs under our CSP, and the admin (with its EN/RU tabs) works under it too."""

import re
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection

from events.demo import DEV_ORGANISER_TOTP_SECRET, ORGANISER_EMAIL, load_demo
from events.models import Session
from registrations.rules import RegistrationState, registration_state
from tests.registrations.helpers import code_from
from tests.security.conftest import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSP_WORDS = re.compile(r"Content Security Policy|Refused to", re.I)


@pytest.fixture
def demo(settings, live_server):
    settings.SITE_URL = live_server.url
    # Transactional tests flush the data migrations' rows: rebuild the Organisers group the demo
    # organiser joins, with its permissions (events/migrations/0002_organisers_group.py).
    from django.apps import apps  # noqa: PLC0415

    if not Group.objects.filter(name="Organisers", permissions__isnull=False).exists():
        Group.objects.filter(name="Organisers").delete()
        editor = SimpleNamespace(connection=connection)
        import_module("events.migrations.0002_organisers_group").create_organisers_group(apps, editor)
    return load_demo()


def first_open_session() -> Session:
    return next(
        s for s in Session.objects.public().order_by("starts_at") if registration_state(s) == RegistrationState.OPEN
    )


def csp_violations(current_page) -> list[str]:
    return [text for text in current_page.console_errors if CSP_WORDS.search(text)]


def test_public_pages_request_only_our_own_origin(live_server, page, demo):
    open_session = first_open_session()
    paths = [
        "/en/",
        "/ru/",
        "/en/sessions/",
        "/ru/sessions/past/",
        f"/en/sessions/{demo.sessions[0].slug}/",
        f"/ru/sessions/{open_session.slug}/",
        "/en/speakers/",
        f"/ru/speakers/{demo.speakers[0].slug}/",
        f"/en/sessions/{open_session.slug}/register/",
        "/ru/accounts/login/",
    ]

    for path in paths:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")

    foreign = [url for url in page.requested_urls if not url.startswith((live_server.url, "data:"))]
    assert foreign == []
    assert len(page.requested_urls) > len(paths)
    assert csp_violations(page) == []


def test_proof_of_work_runs_under_our_csp_and_lets_a_person_register(live_server, page, demo):
    open_session = first_open_session()
    page.goto(f"{live_server.url}/en/sessions/{open_session.slug}/register/")

    page.get_by_label("Email address").fill("aigerim@clinic.example")
    page.get_by_label("Full name").fill("Aigerim Sadykova")
    page.get_by_label("Profession").select_option("physician")
    page.get_by_label("Country").select_option("KZ")
    page.get_by_label("I agree to the privacy notice above.").check()
    # The check starts when the form gets focus (auto="onfocus") and runs in our worker.
    page.locator("altcha-widget [data-state=verified]").wait_for(timeout=30_000)
    page.wait_for_timeout(3_000)  # the form's minimum fill time
    page.get_by_role("button", name="Register").click()

    page.wait_for_url(re.compile(r".*/en/accounts/login/code/confirm/.*"))
    assert [message.to for message in mail.outbox] == [["aigerim@clinic.example"]]
    assert any(url.endswith("/static/vendor/altcha/workers/pbkdf2.js") for url in page.requested_urls)
    assert csp_violations(page) == []


def test_admin_works_under_the_csp_after_code_and_mfa(live_server, page, demo):
    page.goto(f"{live_server.url}/en/admin/")
    page.wait_for_url(re.compile(r".*/en/accounts/login/.*"))
    page.goto(f"{live_server.url}/en/accounts/login/code/?next=/en/admin/")
    page.locator("input[name=email]").fill(ORGANISER_EMAIL)
    page.locator("form button[type=submit]").first.click()
    page.locator("input[name=code]").fill(code_from(mail.outbox[-1]))
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/en/accounts/2fa/authenticate/.*"))
    page.locator("input[name=code]").fill(totp_code(DEV_ORGANISER_TOTP_SECRET))
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"{live_server.url}/en/admin/")

    page.goto(f"{live_server.url}/en/admin/events/session/{demo.sessions[1].pk}/change/")
    page.wait_for_load_state("networkidle")

    # modeltranslation's EN/RU tabs, drawn by jQuery UI (served by us) under the CSP.
    page.locator("[role=tablist]").first.wait_for(timeout=10_000)
    foreign = [url for url in page.requested_urls if not url.startswith((live_server.url, "data:"))]
    assert foreign == []
    assert csp_violations(page) == []
