"""Read iCalendar bytes the way clients do: with Python's icalendar and with Mozilla's ical.js.

`read_events()` parses with both and fails unless they agree on every event's UID, SEQUENCE,
STATUS and UTC start and end; `assert_rfc5545_form()` checks the raw bytes' form. ical.js is
installed from tests/js/package-lock.json (`npm ci`) on first use when missing.
"""

import datetime as dt
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

JS_DIR = Path(__file__).resolve().parent.parent / "js"
MAX_OCTETS = 75
# An address anywhere outside the UID line (UIDs look like addresses: decoded-1@host).
EMAIL_PATTERN = re.compile(rb"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def ensure_icaljs() -> None:
    node = shutil.which("node")
    assert node is not None, "node is required: Mozilla's ical.js is the second parser of the calendar tests"
    if not (JS_DIR / "node_modules" / "ical.js" / "package.json").exists():
        subprocess.run(  # noqa: S603 (fixed command, our own lock file)
            [shutil.which("npm") or "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=JS_DIR,
            check=True,
            capture_output=True,
            timeout=300,
        )


def parse_with_icaljs(*contents: bytes) -> list[dict]:
    """ical.js's reading of each file: METHOD, X-WR-CALNAME, VTIMEZONE ids and the events."""
    ensure_icaljs()
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for number, content in enumerate(contents):
            path = Path(folder) / f"{number}.ics"
            path.write_bytes(content)
            paths.append(str(path))
        result = subprocess.run(  # noqa: S603 (fixed script, our own files)
            [shutil.which("node") or "node", str(JS_DIR / "parse_ics.mjs"), *paths],
            check=True,
            capture_output=True,
            timeout=60,
            env={"TZ": "Pacific/Chatham", "PATH": ""},  # an odd process zone: floating times would show
        )
    return json.loads(result.stdout)


def parse_with_icalendar(content: bytes) -> list[dict]:
    from icalendar import Calendar

    calendar = Calendar.from_ical(content)
    return [
        {
            "uid": str(event["UID"]),
            "sequence": int(event.get("SEQUENCE", 0)),
            "status": str(event.get("STATUS")),
            "start": _instant(event.start),
            "end": _instant(event.end),
        }
        for event in calendar.walk("VEVENT")
    ]


def _instant(moment: dt.datetime) -> str:
    assert moment.tzinfo is not None, "floating time"
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc(moment: dt.datetime) -> str:
    return _instant(moment)


def read_events(*contents: bytes) -> list[list[dict]]:
    """Per file, its events as both parsers read them; fails when the parsers disagree."""
    js_files = parse_with_icaljs(*contents)
    result = []
    for content, js_file in zip(contents, js_files, strict=True):
        python_events = parse_with_icalendar(content)
        js_events = [
            {key: event[key] for key in ("uid", "sequence", "status", "start", "end")} for event in js_file["events"]
        ]
        assert js_events == python_events
        assert all(e["start_zone"] != "floating" and e["end_zone"] != "floating" for e in js_file["events"])
        result.append(python_events)
    return result


def assert_rfc5545_form(content: bytes) -> None:
    """CRLF line ends only; no physical line over 75 octets; no UTF-8 character split by folding;
    calendar properties before any component."""
    assert content.endswith(b"\r\n")
    assert b"\n" not in content.replace(b"\r\n", b"")
    assert b"\r" not in content.replace(b"\r\n", b"")
    lines = content.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= MAX_OCTETS
    for line in lines:
        line.decode("utf-8")  # raises if a fold split a multi-byte character
    assert lines[0] == b"BEGIN:VCALENDAR"
    assert lines[-1] == b"END:VCALENDAR"
    depth, seen_component = 0, False
    for line in unfolded_lines(content)[1:-2]:
        if line.startswith("BEGIN:"):
            depth += 1
            seen_component = True
        elif line.startswith("END:"):
            depth -= 1
        elif depth == 0:
            assert not seen_component, f"calendar property after a component: {line}"


def unfolded_lines(content: bytes) -> list[str]:
    return content.replace(b"\r\n ", b"").replace(b"\r\n\t", b"").decode().split("\r\n")


def assert_no_email_address(content: bytes) -> None:
    for line in unfolded_lines(content):
        if line.startswith("UID:"):
            continue
        assert "mailto:" not in line.lower()
        assert EMAIL_PATTERN.search(line.encode()) is None, line
