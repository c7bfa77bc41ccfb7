"""Personal link tokens (join links, cancel links).

A token is an HMAC-SHA256 of the registration's public id and a random per-registration salt,
keyed by a key derived from SECRET_KEY: 256 bits, unguessable, and recomputable whenever an email
needs the link again, so the token itself is never stored. The database keeps only a SHA-256 of the
join token, to find the registration when the link is opened: a database dump alone reveals no
link. Changing the salt revokes every token handed out so far.
"""

import hashlib

from django.utils.crypto import salted_hmac

TOKEN_LENGTH = 64  # hex digits of 256 bits


def derive(*, purpose: str, public_id: str, salt: str) -> str:
    return salted_hmac(f"decoded.registration.{purpose}", f"{public_id}:{salt}", algorithm="sha256").hexdigest()


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_well_formed(token: str) -> bool:
    return len(token) == TOKEN_LENGTH and all(c in "0123456789abcdef" for c in token)
