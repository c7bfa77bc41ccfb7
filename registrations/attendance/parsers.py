"""Pure parsers for webinar platforms' attendance reports.

Each parser takes the report's text and the zone its timestamps are written in and returns a
`ParsedReport`: one `ReportRow` per connection (or per person, where the report only has
totals), with aware datetimes. Nothing here touches the database; a file that cannot be read is
refused with a `ReportError` whose message says precisely why, in the active language.

Formats (tests/certificates/samples/ has one of each):

- **Zoom** webinar "Attendee report" CSV: preamble lines ("Attendee Report", "Report Generated:",
  the Topic/Actual Start Time table, host and panelist sections), then an "Attendee Details"
  section with Attended, Email, Join Time, Leave Time and Time in Session (minutes). Dates like
  "07/18/2024 01:02:03 PM" (older exports: "Jul 18, 2024 13:02:03"). Rows with Attended "No" are
  registrants who never joined and are skipped.
- **Microsoft Teams** attendance report: UTF-16 with a BOM, tab-separated, sections "1. Summary"
  (Start time…), "2. Participants" (totals per person) and "3. In-Meeting Activities" (one row
  per connection). Connections are used when present, otherwise the totals. Dates as Teams writes
  them in the organiser's locale: "7/18/24, 1:02:03 PM" (a 12-hour clock means month first) or
  "18/07/2024, 13:02:03" / "18.07.2024, 13:02:03" (a 24-hour clock means day first).
  Durations like "1h 2m 3s".
- **Webex** attendee CSV (comma- or tab-separated, UTF-8 or UTF-16): Name / Attendee Email /
  Join Time / Leave Time / Attendance Duration (header names are matched loosely).
- **Plain CSV**: a header row with `email` and `minutes` (any other columns are ignored).

Platforms write local wall-clock times without an offset: the organiser states the zone of the
report when uploading it (the session's zone by default).
"""

import csv
import dataclasses
import datetime as dt
import io
import re
from collections import Counter

from django.utils.translation import gettext

MAX_REPORT_BYTES = 10 * 1024 * 1024
SECTION_TITLE_CELLS = 2  # Zoom writes section titles as "Attendee Details," (one cell and an empty one)
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_DURATION_HMS = re.compile(r"^(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*(?:(\d+)\s*s)?$")
_DURATION_CLOCK = re.compile(r"^(\d+):(\d{2})(?::(\d{2}))?$")
_DURATION_MINUTES = re.compile(r"^(\d+)(?:\s*(?:mins?|minutes?|мин\.?))?$")
_TEAMS_SECTION = re.compile(r"^\d+\.\s*(.+)$")

ZOOM_DATE_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%b %d, %Y %H:%M:%S", "%b %d, %Y %I:%M:%S %p")
TEAMS_DATE_FORMATS = (
    "%m/%d/%y, %I:%M:%S %p",
    "%m/%d/%Y, %I:%M:%S %p",
    "%d/%m/%Y, %H:%M:%S",
    "%d.%m.%Y, %H:%M:%S",
    "%d/%m/%y, %H:%M:%S",
    "%d.%m.%y, %H:%M:%S",
)
WEBEX_DATE_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
)


class ReportError(Exception):
    """The report is refused as a whole; `message` tells the organiser why."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclasses.dataclass(frozen=True)
class ReportRow:
    line: int  # 1-based line of the file, for the preview
    email: str  # trimmed and lower-cased; "" when the row has none
    name: str
    joined_at: dt.datetime | None = None  # aware
    left_at: dt.datetime | None = None
    minutes: int | None = None  # only for reports without connection times


@dataclasses.dataclass(frozen=True)
class ParsedReport:
    source: str
    rows: list[ReportRow]
    # The date the report says it covers, in its own zone, when it says so.
    report_date: dt.date | None = None


def decode_report(content: bytes) -> str:
    """The report's text: UTF-16 or UTF-8 by its byte-order mark, else UTF-8; anything else is refused."""
    if len(content) > MAX_REPORT_BYTES:
        raise ReportError(gettext("The file is larger than 10 MB; an attendance report is much smaller."))
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif content.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif len(content) > 1 and content[1:2] == b"\x00":
        encoding = "utf-16-le"  # UTF-16 saved without a byte-order mark
    else:
        encoding = "utf-8"
    try:
        text = content.decode(encoding)
    except UnicodeDecodeError as error:
        raise ReportError(
            gettext("The file is not text in UTF-8 or UTF-16 (byte %(position)d cannot be read).")
            % {"position": error.start + 1}
        ) from error
    if "\x00" in text:
        raise ReportError(gettext("The file is not a text file."))
    return text


def normalise_email(value: str) -> str:
    return value.strip().strip("<>").strip().lower()


def _clean(value: str) -> str:
    return _SPACES.sub(" ", value or "").strip()


def parse_datetime(value: str, formats: tuple[str, ...], zone: dt.tzinfo) -> dt.datetime | None:
    """An aware datetime from a platform's local timestamp, or None when the cell is empty or "--"."""
    text = _clean(value)
    if text in {"", "-", "--"}:
        return None
    for fmt in formats:
        try:
            naive = dt.datetime.strptime(text, fmt)  # noqa: DTZ007 (the zone is attached just below)
        except ValueError:
            continue
        return naive.replace(tzinfo=zone)
    raise ValueError(text)


def parse_duration_minutes(value: str) -> int:
    """Whole minutes from "1h 2m 3s", "37m 57s", "1:02:03", "62 mins" or "62"."""
    text = _clean(value).lower().replace(" ", "")
    for pattern in (_DURATION_MINUTES, _DURATION_CLOCK, _DURATION_HMS):
        match = pattern.match(text)
        if match and any(match.groups()):
            parts = [int(part or 0) for part in match.groups()]
            if pattern is _DURATION_MINUTES:
                return parts[0]
            hours, minutes, seconds = parts
            return (hours * 3600 + minutes * 60 + seconds) // 60
    raise ValueError(value)


def _bad_value(line: int, column: str, value: str) -> ReportError:
    return ReportError(
        gettext(
            "Line %(line)d: “%(value)s” in the column “%(column)s” is not a date, time or duration this format uses."
        )
        % {"line": line, "column": column, "value": value[:60]}
    )


def _index(header: list[str], *names: str) -> int | None:
    lowered = [_clean(cell).lower() for cell in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def _missing_columns(columns: list[str]) -> ReportError:
    return ReportError(
        gettext("The report has no column “%(columns)s”; is this the right format?") % {"columns": "”, “".join(columns)}
    )


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index]


def _csv_rows(text: str, delimiter: str = ",") -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text), delimiter=delimiter, strict=True))
    except csv.Error as error:
        raise ReportError(gettext("The file is not a valid CSV file (%(error)s).") % {"error": error}) from error


def _sniff_delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return "\t" if first.count("\t") > first.count(",") else ","


def parse_zoom(text: str, zone: dt.tzinfo) -> ParsedReport:
    rows = _csv_rows(text)
    report_date = None
    for number, row in enumerate(rows):
        if row and _clean(row[0]) == "Topic" and number + 1 < len(rows):
            start_index = _index(row, "actual start time", "start time")
            value = _cell(rows[number + 1], start_index)
            try:
                started = parse_datetime(value, ZOOM_DATE_FORMATS, zone)
            except ValueError:
                raise _bad_value(number + 2, "Actual Start Time", value) from None
            report_date = started.date() if started else None
            break
    start = next((n for n, row in enumerate(rows) if row and _clean(row[0]) == "Attendee Details"), None)
    if start is None or start + 1 >= len(rows):
        raise ReportError(gettext("The file has no “Attendee Details” section; is it a Zoom webinar attendee report?"))
    header = rows[start + 1]
    attended = _index(header, "attended")
    email = _index(header, "email")
    joined = _index(header, "join time")
    left = _index(header, "leave time")
    name = _index(header, "user name (original name)", "user name", "name")
    first, last = _index(header, "first name"), _index(header, "last name")
    needed = (("Email", email), ("Join Time", joined), ("Leave Time", left))
    missing = [label for label, index in needed if index is None]
    if missing:
        raise _missing_columns(missing)
    parsed = []
    for number, row in enumerate(rows[start + 2 :], start=start + 3):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) <= SECTION_TITLE_CELLS and _clean(row[0]).endswith(("Details", "Attended")):  # next section
            break
        if attended is not None and _clean(_cell(row, attended)).lower() not in {"yes", "да"}:
            continue
        display = _clean(_cell(row, name)) if name is not None else _clean(f"{_cell(row, first)} {_cell(row, last)}")
        try:
            joined_at = parse_datetime(_cell(row, joined), ZOOM_DATE_FORMATS, zone)
        except ValueError:
            raise _bad_value(number, "Join Time", _cell(row, joined)) from None
        try:
            left_at = parse_datetime(_cell(row, left), ZOOM_DATE_FORMATS, zone)
        except ValueError:
            raise _bad_value(number, "Leave Time", _cell(row, left)) from None
        parsed.append(ReportRow(number, normalise_email(_cell(row, email)), display, joined_at, left_at))
    return ParsedReport(source="zoom", rows=parsed, report_date=report_date)


def _teams_sections(text: str) -> dict[str, list[tuple[int, list[str]]]]:
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        cells = line.split("\t")
        if len(cells) == 1 and (match := _TEAMS_SECTION.match(_clean(cells[0]))):
            current = match[1].lower()
            sections[current] = []
            continue
        if current is not None and line.strip():
            sections[current].append((number, cells))
    return sections


def _teams_date(value: str, zone: dt.tzinfo, line: int, column: str) -> dt.datetime | None:
    try:
        return parse_datetime(value, TEAMS_DATE_FORMATS, zone)
    except ValueError:
        raise _bad_value(line, column, value) from None


def parse_teams(text: str, zone: dt.tzinfo) -> ParsedReport:
    sections = _teams_sections(text)
    summary = sections.get("summary")
    participants = sections.get("participants")
    if summary is None or participants is None:
        raise ReportError(
            gettext("The file has no “Summary” and “Participants” sections; is it a Microsoft Teams attendance report?")
        )
    report_date = None
    for line, cells in summary:
        if _clean(cells[0]).lower() in {"start time", "meeting start time"} and len(cells) > 1:
            started = _teams_date(cells[1], zone, line, cells[0])
            report_date = started.date() if started else None
    activities = sections.get("in-meeting activities") or sections.get("in-meeting activity")
    use_activities = bool(activities and len(activities) > 1)
    table = activities if use_activities else participants
    header_line, header = table[0]
    name, email = _index(header, "name", "full name"), _index(header, "email")
    if use_activities:
        joined, left = _index(header, "join time"), _index(header, "leave time")
        needed = (("Email", email), ("Join Time", joined), ("Leave Time", left))
    else:
        joined, duration = _index(header, "first join"), _index(header, "in-meeting duration", "duration")
        needed = (("Email", email), ("First Join", joined), ("In-Meeting Duration", duration))
    missing = [label for label, index in needed if index is None]
    if missing:
        raise _missing_columns(missing)
    parsed = []
    for line, cells in table[1:]:
        joined_at = _teams_date(_cell(cells, joined), zone, line, header[joined])
        row_email, display = normalise_email(_cell(cells, email)), _clean(_cell(cells, name))
        if use_activities:
            left_at = _teams_date(_cell(cells, left), zone, line, header[left])
            parsed.append(ReportRow(line, row_email, display, joined_at, left_at))
            continue
        try:
            minutes = parse_duration_minutes(_cell(cells, duration))
        except ValueError:
            raise _bad_value(line, header[duration], _cell(cells, duration)) from None
        parsed.append(ReportRow(line, row_email, display, joined_at, None, minutes))
    del header_line
    return ParsedReport(source="teams", rows=parsed, report_date=report_date)


def parse_webex(text: str, zone: dt.tzinfo) -> ParsedReport:
    rows = _csv_rows(text, _sniff_delimiter(text))
    if not rows:
        raise ReportError(gettext("The file is empty."))
    header = rows[0]
    email = _index(header, "attendee email", "email", "email address")
    name = _index(header, "name", "attendee name", "display name")
    joined = _index(header, "join time", "date & time joined", "joined")
    left = _index(header, "leave time", "date & time left", "left")
    started = _index(header, "meeting start time", "start time")
    needed = (("Email", email), ("Join Time", joined), ("Leave Time", left))
    missing = [label for label, index in needed if index is None]
    if missing:
        raise _missing_columns(missing)
    parsed, report_date = [], None
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            joined_at = parse_datetime(_cell(row, joined), WEBEX_DATE_FORMATS, zone)
            left_at = parse_datetime(_cell(row, left), WEBEX_DATE_FORMATS, zone)
            meeting_start = parse_datetime(_cell(row, started), WEBEX_DATE_FORMATS, zone) if started else None
        except ValueError as error:
            raise _bad_value(line, "Join Time / Leave Time", str(error)) from None
        if meeting_start and report_date is None:
            report_date = meeting_start.date()
        parsed.append(ReportRow(line, normalise_email(_cell(row, email)), _clean(_cell(row, name)), joined_at, left_at))
    return ParsedReport(source="webex", rows=parsed, report_date=report_date)


def parse_plain_csv(text: str, zone: dt.tzinfo) -> ParsedReport:
    del zone  # minutes only: no timestamps to place
    rows = _csv_rows(text, _sniff_delimiter(text))
    if not rows:
        raise ReportError(gettext("The file is empty."))
    header = rows[0]
    email, minutes, name = _index(header, "email"), _index(header, "minutes"), _index(header, "name")
    missing = [label for label, index in (("email", email), ("minutes", minutes)) if index is None]
    if missing:
        raise _missing_columns(missing)
    parsed = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        value = _clean(_cell(row, minutes))
        if not value.isdigit():
            raise _bad_value(line, "minutes", value)
        parsed.append(ReportRow(line, normalise_email(_cell(row, email)), _clean(_cell(row, name)), minutes=int(value)))
    return ParsedReport(source="csv", rows=parsed)


PARSERS = {"zoom": parse_zoom, "teams": parse_teams, "webex": parse_webex, "csv": parse_plain_csv}


def parse_report(*, source: str, content: bytes, zone: dt.tzinfo) -> ParsedReport:
    """Decode and parse a report of the given source ("zoom", "teams", "webex" or "csv")."""
    text = decode_report(content)
    if not text.strip():
        raise ReportError(gettext("The file is empty."))
    return PARSERS[source](text, zone)


def most_common_date(report: ParsedReport) -> dt.date | None:
    """The date most connections started on, in the report's zone (for reports that state none)."""
    dates = Counter(row.joined_at.date() for row in report.rows if row.joined_at)
    return dates.most_common(1)[0][0] if dates else None
