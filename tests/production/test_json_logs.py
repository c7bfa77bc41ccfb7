import json
import logging
import sys

from config.logging import JsonFormatter, scrub


def make_record(message: str, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("django.request", logging.WARNING, __file__, 1, message, args, exc_info)


def test_scrub_removes_tokens_from_paths():
    text = "Not Found: /j/AbC123_secret and /en/cancel/r-12/tok3n/ and /calendar/Xyz.ics and /ru/verify/ABCD-EFGH/"

    assert scrub(text) == (
        "Not Found: /j/[token] and /en/cancel/[token] and /calendar/[token] and /ru/verify/[token]"
    )


def test_scrub_drops_query_strings_and_email_addresses():
    assert scrub("GET /en/accounts/login/?next=/en/account/&code=123456 for anna.petrova+x@health.example") == (
        "GET /en/accounts/login/?[query] for [email]"
    )


def test_scrub_keeps_paths_without_secrets():
    assert scrub("Not Found: /en/sessions/cybersecurity/") == "Not Found: /en/sessions/cybersecurity/"


def test_json_formatter_writes_one_scrubbed_object():
    record = make_record("Forbidden (%s): %s", "CSRF", "/unsubscribe/p-1/t0ken/")
    record.status_code = 403

    entry = json.loads(JsonFormatter().format(record))

    assert entry["level"] == "WARNING"
    assert entry["logger"] == "django.request"
    assert entry["message"] == "Forbidden (CSRF): /unsubscribe/[token]"
    assert entry["status"] == 403
    assert set(entry) == {"time", "level", "logger", "message", "status"}


def test_json_formatter_scrubs_exceptions():
    try:
        raise ValueError("duplicate key (email)=(ivan@clinic.example)")
    except ValueError:
        record = make_record("failed", exc_info=sys.exc_info())

    entry = json.loads(JsonFormatter().format(record))

    assert "ivan@clinic.example" not in entry["exception"]
    assert entry["exception"].endswith("ValueError: duplicate key (email)=([email])")
