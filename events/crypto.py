"""Secrets at rest: meeting URLs (they often carry passcodes) and TOTP secrets are stored
encrypted with Fernet keys from the environment.

`DECODED_ENCRYPTION_KEYS` lists Fernet keys, newest first, comma-separated. Values are encrypted
with the newest and decrypted with any of them (cryptography's MultiFernet), so a new key can be
added in front without downtime; `manage.py reencrypt_secrets` then rewrites every value under it,
after which the old key can be removed. A database dump alone reveals no meeting URL.
"""

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(f"DECODED_ENCRYPTION_KEYS holds an invalid Fernet key: {error}") from None


def fernet() -> MultiFernet:
    keys = tuple(settings.DECODED_ENCRYPTION_KEYS)
    if not keys:
        raise ImproperlyConfigured("DECODED_ENCRYPTION_KEYS is empty.")
    return _fernet(keys)


def encrypt(text: str) -> str:
    if not text:
        return text
    return PREFIX + fernet().encrypt(text.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored or not stored.startswith(PREFIX):
        return stored
    try:
        return fernet().decrypt(stored.removeprefix(PREFIX).encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured("A stored secret cannot be decrypted with DECODED_ENCRYPTION_KEYS.") from error


def rotate(stored: str) -> str:
    """Re-encrypt a stored value under the newest key (no-op for empty values)."""
    if not stored:
        return stored
    if not stored.startswith(PREFIX):
        return encrypt(stored)
    return PREFIX + fernet().rotate(stored.removeprefix(PREFIX).encode()).decode()


class EncryptedURLField(models.TextField):
    """A URL stored encrypted; reads and writes plain text in Python, ciphertext in the database."""

    def __init__(self, *args, **kwargs):
        self.url_max_length = kwargs.pop("url_max_length", 1000)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.url_max_length != 1000:  # noqa: PLR2004 (the default above)
            kwargs["url_max_length"] = self.url_max_length
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value

    def formfield(self, **kwargs):
        from django import forms  # noqa: PLC0415

        return super().formfield(
            **{"form_class": forms.URLField, "max_length": self.url_max_length, "assume_scheme": "https", **kwargs}
        )
