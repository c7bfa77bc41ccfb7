"""Sessions as the published calendar files read them: plain rows, not model instances.

The series feed and the personal feed write hundreds of entries; building a `Session` per entry
(with every language's copy of its texts) and reading each translated field through
django-modeltranslation's descriptor cost more than writing the entry. `fetch_calendar_sessions`
reads only the columns the builders write, in the language of the file and its fallback (RU falls
back to EN), and resolves each translated field once, as modeltranslation's descriptor would:
the first non-empty value in the descriptor's resolution order, else "".
tests/events/test_calendar_lines.py proves that rows and model instances give the same bytes.
"""

import dataclasses
import datetime as dt

from django.db.models import QuerySet
from modeltranslation.utils import build_localized_fieldname, resolution_order

from events.models import Session, SessionQuerySet, SessionSpeaker, Speaker

# The session columns the calendar builders read: nothing else is fetched (no description, no
# secret join URL to decrypt); the translated ones in the file's language and its fallbacks.
SESSION_COLUMNS = (
    "pk",
    "slug",
    "starts_at",
    "ends_at",
    "timezone",
    "floor_language",
    "interpretation_languages",
    "status",
    "sequence",
    "created_at",
    "updated_at",
)
SESSION_TEXT_COLUMNS = ("title", "summary", "cancellation_note")
SPEAKER_TEXT_COLUMNS = ("name", "position", "organisation")


@dataclasses.dataclass(slots=True)
class CalendarSpeaker:
    """A speaker as an entry names them, texts in the file's language."""

    pk: int
    name: str
    position: str
    organisation: str


@dataclasses.dataclass(frozen=True, slots=True)
class SpeakerLink:
    """A speaker's place in a session, as the calendar builders read a `SessionSpeaker`."""

    speaker: CalendarSpeaker
    role: str

    @property
    def speaker_id(self) -> int:
        return self.speaker.pk

    def get_role_display(self) -> str:
        return str(dict(SessionSpeaker.Role.choices).get(self.role, self.role))  # as the model's


@dataclasses.dataclass(slots=True)
class CalendarSession:
    """The attributes of a `Session` that the calendar builders read, texts in one language."""

    pk: int
    slug: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    floor_language: str
    interpretation_languages: list[str]
    status: str
    sequence: int
    created_at: dt.datetime
    updated_at: dt.datetime
    title: str
    summary: str
    cancellation_note: str
    speakers_in_order: list[SpeakerLink] = dataclasses.field(default_factory=list)

    # The model's own definitions, so that a row answers as the model does.
    Status = Session.Status
    is_cancelled = Session.is_cancelled
    languages = Session.languages
    zoneinfo = Session.zoneinfo


def fetch_calendar_sessions(sessions: SessionQuerySet, *, language: str) -> list[CalendarSession]:
    """`sessions` (in their order) as rows for a file in `language`, each with its speakers in order.

    Two queries: the sessions, and their speaker links joined with the speakers.
    """
    texts = _text_columns(Session, SESSION_TEXT_COLUMNS, language)
    speaker_texts = _text_columns(Speaker, SPEAKER_TEXT_COLUMNS, language)
    rows, links = calendar_queries(sessions, language=language)
    plain = len(SESSION_COLUMNS)
    resolved = [
        CalendarSession(*row[:plain], *_resolve(row, plain, texts))  # type: ignore[misc]
        for row in rows
    ]
    by_id = {session.pk: session for session in resolved}
    if not by_id:
        return resolved
    # One object per speaker and role: a speaker of 25 sessions is one `SpeakerLink`.
    shared: dict[tuple[int, str], SpeakerLink] = {}
    for row in links:
        session = by_id.get(row[0])
        if session is None:
            continue
        link = shared.get(row[1:3])
        if link is None:
            speaker = CalendarSpeaker(row[1], *_resolve(row, 3, speaker_texts))
            link = shared[row[1:3]] = SpeakerLink(speaker=speaker, role=row[2])
        session.speakers_in_order.append(link)
    return resolved


def calendar_queries(sessions: SessionQuerySet, *, language: str) -> tuple[QuerySet, QuerySet]:
    """The two queries of `fetch_calendar_sessions` (not run); `config.warmup` compiles them."""
    texts = _text_columns(Session, SESSION_TEXT_COLUMNS, language)
    speaker_texts = _text_columns(Speaker, SPEAKER_TEXT_COLUMNS, language)
    # rewrite(False): the columns are named per language already, and modeltranslation's own
    # values_list() would resolve fallbacks per row through a dummy instance (as long as the rest).
    rows = sessions.rewrite(False).values_list(*SESSION_COLUMNS, *(column for columns in texts for column in columns))
    # The sessions as a subquery, not a list of ids (500 parameters to send); a session that
    # became public since the first query is not in the rows, and its links are left out.
    links = (
        SessionSpeaker.objects.filter(session__in=sessions.values("pk"))
        .order_by("order", "pk")
        .values_list(
            "session_id",
            "speaker_id",
            "role",
            *(f"speaker__{column}" for columns in speaker_texts for column in columns),
        )
    )
    return rows, links


def _text_columns(model, names: tuple[str, ...], language: str) -> list[tuple[str, ...]]:
    """For each translated field, its columns in the order modeltranslation reads them for
    `language`: the language's own, then its fallbacks (the field descriptor's)."""
    return [
        tuple(
            build_localized_fieldname(name, code)
            for code in resolution_order(language, getattr(model, name).fallback_languages)
        )
        for name in names
    ]


def _resolve(row: tuple, start: int, texts: list[tuple[str, ...]]) -> list[str]:
    """Each translated field's first non-empty value from `row[start:]`, else ""."""
    values = []
    for columns in texts:
        end = start + len(columns)
        values.append(next(filter(None, row[start:end]), ""))
        start = end
    return values
