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
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache  # noqa: PLC0415

    cache.clear()
    yield
    cache.clear()
