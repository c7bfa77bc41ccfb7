"""Test-only settings tweaks and shared fixtures.

Tests run against the real database (SQLite, or PostgreSQL when DATABASE_URL is set), real
templates and the real outbox; tasks run immediately.
"""

import pytest


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    # The security gates (staff MFA and session limits, the proof of work of the anonymous form)
    # are tested in tests/security, which switches them back on; elsewhere staff use force_login.
    gate = "registrations.staff_security.StaffSecurityMiddleware"
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != gate]
    settings.REGISTRATION_POW_REQUIRED = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "certificates": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in English: requests through LocaleMiddleware leave their language active."""
    from django.utils import translation  # noqa: PLC0415

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache  # noqa: PLC0415

    cache.clear()
    yield
    cache.clear()


# Browser fixtures are defined once for the whole run: a second sync Playwright instance in the
# same thread would fail, so test modules use these and never import them themselves.
from tests.browser_fixtures import browser, page  # noqa: E402, F401
