"""JSON log lines without personal data, for production (settings.LOGGING uses `JsonFormatter`).

One JSON object per line: time, level, logger, message and, when present, the status code and
the exception. Before anything is written, the text is scrubbed:

- paths that carry a secret (join links `/j/…`, personal calendar feeds `/calendar/…`,
  cancellation and unsubscribe links, certificate codes `/verify/…`) keep their prefix and lose
  the token;
- query strings are dropped (sign-in codes, `next` URLs and tracking parameters travel there);
- email addresses become `[email]`.

Request objects attached to records by Django are never serialised.
"""

import datetime as dt
import json
import logging
import re

# The URL segments that precede a secret; a language prefix (/en/, /ru/) may come first.
_TOKEN_PATH = re.compile(r"(/(?:[a-z]{2}/)?(?:j|calendar|cancel|unsubscribe|verify)/)(?!reset/)[^\s\"'?#]+")
_QUERY = re.compile(r"(/[^\s\"'?#]*)\?[^\s\"'#]*")
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")


def scrub(text: str) -> str:
    """`text` with tokens in paths, query strings and email addresses removed."""
    text = _EMAIL.sub("[email]", text)
    text = _QUERY.sub(r"\1?[query]", text)
    return _TOKEN_PATH.sub(r"\1[token]", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        status_code = getattr(record, "status_code", None)
        if status_code is not None:
            entry["status"] = status_code
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)
