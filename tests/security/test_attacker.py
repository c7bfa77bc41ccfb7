"""An attacker against the real app: headers and cookies, production posture, header injection
in email addresses, rate limits behind proxies, IDOR on registrations, certificates and tokens,
the proof-of-work replay, and a crawl of every public page and feed for leaked secrets."""

import datetime as dt
import email
import email.policy
import json
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from events.demo import load_demo
from events.models import Session
from registrations import proof_of_work, services
from registrations.calendar_tokens import issue_feed_token
from registrations.certificate_demo import DEMO_ATTENDEE_EMAIL, load_certificate_demo
from registrations.emails import build_registration_email
from registrations.models import Registration
from tests.factories import OrganiserFactory, RegistrationFactory, SessionFactory, UserFactory, attendee_details
from tests.registrations.helpers import answers, register_url
from tests.security.conftest import give_mfa, sign_in_with_mfa_used

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
NONCE = re.compile(r"^'nonce-[A-Za-z0-9+/_=-]{16,}'$")
EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],  # plus the request's nonce when the page has scripts
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
EMAIL_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def parse_csp(header: str) -> dict[str, list[str]]:
    """The policy as {directive: sources}, with the nonce checked and left out."""
    policy = {}
    for part in header.split(";"):
        name, *sources = part.split()
        policy[name] = [source for source in sources if not NONCE.match(source)]
        assert len(sources) - len(policy[name]) <= (1 if name == "script-src" else 0)
    return policy


def assert_strict_headers(response, *, referrer="same-origin"):
    assert parse_csp(response.headers["Content-Security-Policy"]) == EXPECTED_CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["Referrer-Policy"] == referrer


def assert_not_stored(response):
    assert "no-store" in response.headers["Cache-Control"].replace(" ", "").split(",")


# --- Headers on a sample of URLs, in both languages ------------------------------------------


@pytest.fixture
def open_session(db):
    return SessionFactory(slug="open-session")


@pytest.mark.parametrize("language", ["en", "ru"])
def test_public_pages_send_the_strict_headers(client, open_session, language):
    slug = open_session.slug
    for path in ["", "sessions/", "speakers/", f"sessions/{slug}/", f"sessions/{slug}/register/"]:
        response = client.get(f"/{language}/{path}")

        assert response.status_code == 200, path
        assert_strict_headers(response)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_404_is_generic_and_strict(client, language):
    response = client.get(f"/{language}/no-such-page/")

    assert response.status_code == 404
    assert_strict_headers(response)
    heading = {"en": "Page not found", "ru": "Страница не найдена"}[language]
    assert f"<h1>{heading}</h1>" in response.content.decode()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_500_is_generic_strict_and_shows_no_traceback(settings, language):
    settings.ROOT_URLCONF = "tests.security.urls"
    client = Client(raise_request_exception=False)

    response = client.get(f"/{language}/boom/")

    assert response.status_code == 500
    assert_strict_headers(response)
    body = response.content.decode()
    assert "Traceback" not in body
    assert "RuntimeError" not in body
    heading = {"en": "Something went wrong on our side", "ru": "На нашей стороне произошла ошибка"}[language]
    assert f"<h1>{heading}</h1>" in body


@pytest.mark.parametrize("language", ["en", "ru"])
def test_429_is_strict_and_not_stored(client, settings, open_session, language):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "register": "1/m/ip"}
    client.post(register_url(open_session, language), answers())

    response = client.post(register_url(open_session, language), answers())

    assert response.status_code == 429
    assert_strict_headers(response)
    assert_not_stored(response)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_personal_pages_are_strict_and_never_stored(client, language):
    attendee = UserFactory()
    client.force_login(attendee)

    for path in ["account/", "account/certificates/", "accounts/2fa/", "accounts/sessions/"]:
        response = client.get(f"/{language}/{path}")

        assert response.status_code == 200, path
        assert_strict_headers(response)
        assert_not_stored(response)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_admin_pages_are_strict_and_never_stored(client, open_session, language):
    organiser = OrganiserFactory()
    give_mfa(organiser)
    sign_in_with_mfa_used(client, organiser)

    for path in ["", "registrations/registration/", f"events/session/{open_session.pk}/change/"]:
        response = client.get(f"/{language}/admin/{path}")

        assert response.status_code == 200, path
        assert_strict_headers(response)
        assert_not_stored(response)


def test_token_urls_send_no_referrer_and_are_never_stored(client, open_session):
    registration = services.register_attendee(
        session=open_session, user=UserFactory(), details=attendee_details()
    ).registration
    feed_token = issue_feed_token(user=registration.user)

    for url in [
        f"/j/{registration.join_token}",
        f"/calendar/{feed_token}.ics",
        f"/en/cancel/{registration.public_id}/{registration.cancel_token}/",
        f"/j/{secrets.token_hex(32)}",  # unknown token: the 404 keeps the privacy headers
    ]:
        response = client.get(url)

        assert response.status_code in {200, 404}, url
        assert response.headers["Referrer-Policy"] == "no-referrer", url
        assert_not_stored(response)
        assert parse_csp(response.headers["Content-Security-Policy"]) == EXPECTED_CSP


def test_production_cookie_flags(client, settings, open_session):
    # What DJANGO_ENV=production sets (checked for real in the subprocess test below).
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.CSRF_COOKIE_NAME = "__Host-csrftoken"
    client.get(register_url(open_session))  # sets the CSRF cookie
    client.post("/en/accounts/login/code/", {"email": "someone@clinic.example"})  # sets the session cookie

    for name in ["__Host-sessionid", "__Host-csrftoken"]:
        cookie = client.cookies[name]
        assert cookie["secure"] is True, name
        assert cookie["samesite"] == "Lax", name
        assert cookie["path"] == "/", name
        assert cookie["domain"] == "", name  # a __Host- cookie has no Domain
    assert client.cookies["__Host-sessionid"]["httponly"] is True


def test_https_is_enforced_behind_a_tls_proxy(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    plain = client.get("/en/")
    proxied = client.get("/en/", headers={"x-forwarded-proto": "https"})

    assert plain.status_code == 301
    assert plain.headers["Location"] == "https://testserver/en/"
    assert proxied.status_code == 200
    assert proxied.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def run_with_production_env(code: str, **extra_env) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "example.org",
        "DECODED_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        **extra_env,
    }
    env.pop("DJANGO_DEBUG", None)
    return subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False, timeout=120
    )


def test_production_settings_have_the_promised_posture():
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
        "'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, 'hsts': s.SECURE_HSTS_SECONDS,"
        "'subdomains': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, 'redirect': s.SECURE_SSL_REDIRECT,"
        "'cookies': [s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SAMESITE, s.SESSION_COOKIE_HTTPONLY],"
        "'proxy': s.SECURE_PROXY_SSL_HEADER, 'mail_tls': s.MAILERS['default']['OPTIONS']['use_tls'],"
        "'pow': s.REGISTRATION_POW_REQUIRED}))"
    )

    direct = run_with_production_env(code)
    proxied = run_with_production_env(code, DJANGO_BEHIND_TLS_PROXY="1")

    assert direct.returncode == 0, direct.stderr
    assert json.loads(direct.stdout) == {
        "debug": False,
        "hosts": ["example.org"],
        "hsts": 31_536_000,
        "subdomains": True,
        "redirect": True,
        "cookies": ["__Host-sessionid", "__Host-csrftoken", True, True, "Lax", "Lax", True],
        "proxy": None,
        "mail_tls": True,
        "pow": True,
    }
    assert json.loads(proxied.stdout)["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_check_deploy_passes_in_production_mode():
    result = run_with_production_env(
        "import sys; from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_production_refuses_to_start_without_encryption_keys():
    result = run_with_production_env("import django; django.setup()", DECODED_ENCRYPTION_KEYS="")

    assert result.returncode == 1
    assert "DECODED_ENCRYPTION_KEYS must hold at least one Fernet key in production." in result.stderr


# --- Header injection through names in email addresses -----------------------------------------

QUOTING_NAMES = ['Eve" <x@evil.test>, "a', "Eve <x@evil.test>", "Eve, x@evil.test"]
LINE_BREAK_NAMES = ["Eve\r\nBcc: x@evil.test", "Eve\nTo: x@evil.test"]


def parse(message):
    return email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)


def addr_specs(header) -> list[str]:
    return [address.addr_spec for address in header.addresses]


@pytest.mark.parametrize("name", QUOTING_NAMES)
def test_a_hostile_attendee_name_adds_no_recipient(name):
    registration = RegistrationFactory(full_name=name, user=UserFactory(email="victim@clinic.example"))

    parsed = parse(build_registration_email(registration=registration, kind="confirmed"))

    assert addr_specs(parsed["To"]) == ["victim@clinic.example"]
    assert parsed["To"].addresses[0].display_name == name
    assert [key for key in parsed if key.lower() in {"bcc", "cc"}] == []


@pytest.mark.parametrize("name", QUOTING_NAMES)
def test_a_hostile_series_organiser_name_adds_no_sender(name):
    registration = RegistrationFactory(user=UserFactory(email="victim@clinic.example"))
    registration.session.series.organiser_name = name

    parsed = parse(build_registration_email(registration=registration, kind="confirmed"))

    assert addr_specs(parsed["From"]) == ["no-reply@decoded.example"]
    assert addr_specs(parsed["To"]) == ["victim@clinic.example"]


@pytest.mark.parametrize("name", LINE_BREAK_NAMES)
def test_a_name_with_a_line_break_never_becomes_a_header(name):
    registration = RegistrationFactory(full_name=name, user=UserFactory(email="victim@clinic.example"))

    # email.headerregistry.Address refuses CR and LF outright: no message, so no injected header.
    with pytest.raises(ValueError, match="cannot contain CR or LF"):
        build_registration_email(registration=registration, kind="confirmed")


def test_the_registration_form_flattens_line_breaks_in_names(client, open_session, django_capture_on_commit_callbacks):
    from tests.security.conftest import verify_email  # noqa: PLC0415

    user = UserFactory(email="aigerim@clinic.example")
    verify_email(user)
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(register_url(open_session), answers(email=None, full_name="Eve\r\nBcc: x@evil.test"))

    assert Registration.objects.get(user=user).full_name == "Eve Bcc: x@evil.test"
    assert [addr_specs(parse(message)["To"]) for message in mail.outbox] == [["aigerim@clinic.example"]]


def test_allauth_code_emails_go_to_the_bare_address_only(client):
    client.post("/en/accounts/login/code/", {"email": "victim@clinic.example"})

    assert [message.to for message in mail.outbox] == [["victim@clinic.example"]]


# --- Rate limits and X-Forwarded-For ------------------------------------------------------------


def post_register(client, session, **headers):
    return client.post(register_url(session), answers(), headers=headers)


def test_spoofed_forwarded_for_does_not_reset_the_limit_without_proxies(settings, open_session):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "register": "3/m/ip"}
    client = Client(REMOTE_ADDR="203.0.113.7")

    statuses = [post_register(client, open_session, x_forwarded_for=f"198.51.100.{i}").status_code for i in range(4)]

    assert statuses[:3] != [429, 429, 429]
    assert 429 not in statuses[:3]
    assert statuses[3] == 429


def test_spoofed_forwarded_for_does_not_reset_the_limit_behind_one_proxy(settings, open_session):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "register": "3/m/ip"}
    proxy = Client(REMOTE_ADDR="10.0.0.2")  # our proxy appends the real client's address

    spoofed = [
        post_register(proxy, open_session, x_forwarded_for=f"198.51.100.{i}, 203.0.113.7").status_code for i in range(4)
    ]
    other_client = post_register(proxy, open_session, x_forwarded_for="203.0.113.7, 203.0.113.8")

    assert 429 not in spoofed[:3]
    assert spoofed[3] == 429
    assert other_client.status_code != 429


# --- IDOR: registrations, certificates, tokens -------------------------------------------------


@pytest.fixture
def two_attendees(open_session):
    alice = services.register_attendee(
        session=open_session, user=UserFactory(email="alice@clinic.example"), details=attendee_details()
    ).registration
    bob = services.register_attendee(
        session=open_session, user=UserFactory(email="bob@clinic.example"), details=attendee_details()
    ).registration
    return alice, bob


def test_public_ids_and_tokens_are_random_not_sequential(two_attendees):
    alice, bob = two_attendees

    for registration in (alice, bob):
        assert len(registration.public_id) >= 16
        assert not registration.public_id.isdigit()
        assert str(registration.pk) not in {registration.public_id, registration.join_token}
    assert len({alice.public_id, bob.public_id}) == 2
    assert len({alice.join_token, bob.join_token, alice.cancel_token, bob.cancel_token}) == 4


def test_another_persons_cancel_page_is_404(client, two_attendees):
    alice, bob = two_attendees
    client.force_login(bob.user)
    url = f"/en/account/registrations/{alice.public_id}/cancel/"

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    alice.refresh_from_db()
    assert alice.status == Registration.Status.CONFIRMED


def test_cancel_link_with_someone_elses_or_a_guessed_token_is_404(client, two_attendees):
    alice, bob = two_attendees

    for token in [bob.cancel_token, alice.join_token, secrets.token_hex(32), ""]:
        response = client.post(f"/en/cancel/{alice.public_id}/{token}/")
        assert response.status_code == 404, token
    alice.refresh_from_db()
    assert alice.status == Registration.Status.CONFIRMED


def test_join_and_feed_tokens_cannot_be_guessed_or_swapped(client, two_attendees):
    alice, _bob = two_attendees
    feed_token = issue_feed_token(user=alice.user)

    for url in [
        f"/j/{alice.cancel_token}",
        f"/j/{secrets.token_hex(32)}",
        f"/j/{alice.public_id}",
        f"/calendar/{alice.join_token}.ics",
        f"/calendar/{secrets.token_hex(32)}.ics",
        f"/calendar/{feed_token.upper()}.ics",
    ]:
        assert client.get(url).status_code == 404, url
    issue_feed_token(user=alice.user)  # reset: the old URL stops working
    assert client.get(f"/calendar/{feed_token}.ics").status_code == 404


@pytest.fixture
def demo_certificate(settings):
    settings.SITE_URL = "https://decoded.example"
    result = load_demo(today=dt.date(2030, 3, 1))
    return load_certificate_demo(session=result.sessions[0])


def test_another_persons_certificate_download_is_404(client, demo_certificate):
    url = f"/en/account/certificates/{demo_certificate.grouped_code}/download/"
    client.force_login(UserFactory())

    response = client.get(url)

    assert response.status_code == 404
    owner = Client()
    owner.force_login(demo_certificate.registration.user)
    assert owner.get(url).status_code == 200


def test_certificate_download_needs_a_signed_in_owner(client, demo_certificate):
    response = client.get(f"/en/account/certificates/{demo_certificate.grouped_code}/download/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/en/accounts/login/")


# --- Proof of work ------------------------------------------------------------------------------


def fetch_solution(client) -> str:
    response = client.get("/pow/challenge/")
    assert_not_stored(response)
    return proof_of_work.solve_for_tests(response.json())


def test_registration_without_proof_of_work_is_refused(client, open_session):
    response = client.post(register_url(open_session), answers())

    assert response.status_code == 400
    assert "The automatic check that protects this form from bots did not finish." in response.content.decode()
    assert mail.outbox == []


def test_proof_of_work_solution_is_accepted_once(client, open_session):
    solution = fetch_solution(client)

    first = client.post(register_url(open_session), answers(altcha=solution))
    replay = Client().post(register_url(open_session), answers(altcha=solution, email="mallory@evil.test"))

    assert first.status_code == 302
    assert first.headers["Location"].startswith("/en/accounts/login/code/confirm/")
    assert replay.status_code == 400
    assert "The automatic check that protects this form from bots did not finish." in replay.content.decode()
    assert [message.to for message in mail.outbox] == [["aigerim@clinic.example"]]


def test_expired_or_forged_proof_of_work_is_refused(client, open_session):
    solution = fetch_solution(client)
    forged = proof_of_work.solve_for_tests({**client.get("/pow/challenge/").json(), "signature": "0" * 64})
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=21)):
        expired = client.post(register_url(open_session), answers(altcha=solution))
    response = client.post(register_url(open_session), answers(altcha=forged))

    assert expired.status_code == 400
    assert response.status_code == 400
    assert mail.outbox == []


def test_signed_in_form_needs_no_proof_of_work(client, open_session):
    from tests.security.conftest import verify_email  # noqa: PLC0415

    user = UserFactory(email="aigerim@clinic.example")
    verify_email(user)
    client.force_login(user)

    response = client.post(register_url(open_session), answers(email=None))

    assert response.status_code == 200
    assert Registration.objects.filter(user=user, session=open_session).count() == 1


# --- No leaks: crawl every public page and feed of the demo ------------------------------------


class RecordingHandler(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


def crawl(client, start: list[str], limit: int = 400) -> dict[str, str]:
    """Every same-origin page reachable from `start` without signing in: {url: body and headers}."""
    seen, queue, pages = set(), list(start), {}
    link = re.compile(r'(?:href|src)="(/[^"#]*)"')
    while queue and len(pages) < limit:
        url = queue.pop(0)
        if url in seen or "/admin/" in url or "/accounts/" in url or url.startswith(("/static/", "/media/")):
            continue
        seen.add(url)
        response = client.get(url)
        body = response.content.decode(errors="replace")
        pages[url] = body + "\n" + "\n".join(f"{key}: {value}" for key, value in response.headers.items())
        if response.headers.get("Content-Type", "").startswith("text/html"):
            queue.extend(match.replace("&amp;", "&") for match in link.findall(body))
    return pages


def test_no_public_page_or_feed_leaks_a_meeting_url_token_or_email(settings):
    settings.SITE_URL = "https://decoded.example"
    result = load_demo()
    load_certificate_demo(session=result.sessions[0])
    open_sessions = [s for s in Session.objects.exclude(join_url="") if s.starts_at > timezone.now()]
    registrations = [
        services.register_attendee(
            session=session, user=UserFactory(email=f"attendee{i}@clinic.example"), details=attendee_details()
        ).registration
        for i, session in enumerate(open_sessions[:2])
    ]
    feed_tokens = [issue_feed_token(user=registration.user) for registration in registrations]
    meeting_urls = [session.join_url for session in Session.objects.exclude(join_url="")]
    tokens = [t for r in Registration.objects.all() for t in (r.join_token, r.cancel_token)] + feed_tokens
    personal_addresses = {user.email for user in get_user_model().objects.exclude(email="")}
    assert meeting_urls
    assert tokens
    assert DEMO_ATTENDEE_EMAIL in personal_addresses
    handler = RecordingHandler()
    logging.getLogger().addHandler(handler)
    try:
        start = ["/", "/robots.txt", "/sitemap.xml"]
        for language in ("en", "ru"):
            start += [f"/{language}/{path}" for path in ("", "sessions/", "sessions/past/", "speakers/")]
            start += [f"/{language}/sessions/{s.slug}.ics" for s in Session.objects.all()]
            start += [f"/{language}/series/{result.series.slug}.ics"]
        sitemap = Client().get("/sitemap.xml").content.decode()
        start += [loc.removeprefix("https://decoded.example") for loc in re.findall(r"<loc>([^<]+)</loc>", sitemap)]
        pages = crawl(Client(), start)
    finally:
        logging.getLogger().removeHandler(handler)

    assert len(pages) > 40
    assert any("application/ld+json" in body for body in pages.values())
    assert any(url.endswith(".ics") for url in pages)
    for url, text in pages.items():
        for secret in meeting_urls + tokens:
            assert secret not in text, url
        for address in personal_addresses:
            assert address not in text, url
        if not url.endswith(".ics"):  # calendar UIDs look like addresses (decoded-1@decoded.example)
            # Only the series' public contact address may appear; no attendee's or organiser's.
            assert set(EMAIL_ADDRESS.findall(text)) <= {"webinars@decoded.example"}, url
    for line in handler.lines:
        for secret in meeting_urls + tokens:
            assert secret not in line
        assert DEMO_ATTENDEE_EMAIL not in line
