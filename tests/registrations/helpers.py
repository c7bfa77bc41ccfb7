"""Shared helpers of the registration flow tests: form answers, codes from the outbox."""

import re
import time

from django.core import mail, signing

from registrations.antiabuse import FORM_STAMP_SALT

CODE_LINE = re.compile(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", re.M)


def form_stamp(seconds_ago: float = 30) -> str:
    """A genuine "form shown at" stamp from `seconds_ago` (the minimum fill time is 3 s)."""
    return signing.dumps(time.time() - seconds_ago, salt=FORM_STAMP_SALT)


def answers(**overrides) -> dict:
    data = {
        "email": "aigerim@clinic.example",
        "full_name": "Aigerim Sadykova",
        "organisation": "City Hospital No. 7",
        "profession": "physician",
        "country": "KZ",
        "language": "ru",
        "privacy_consent": "on",
        "website": "",
        "started": form_stamp(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def code_from(message) -> str:
    """The sign-in code of a login-code email (the one line that is only the code)."""
    return CODE_LINE.search(message.body).group(1)


def last_code() -> str:
    return code_from(mail.outbox[-1])


def register_url(session, language="en") -> str:
    return f"/{language}/sessions/{session.slug}/register/"


def get_h1(response) -> str:
    return re.sub(r"\s+", " ", re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S).group(1)).strip()
