"""The numbers behind the organisers' dashboard: database aggregations, a few queries in all.

Every function takes the sessions the dashboard shows (`sessions_for_report()`, a lazy queryset
used as a subquery, never a list of ids) and returns plain dataclasses: no request, no
formatting, no translation. The definitions, which the dashboard page states too:

- registered: every registration row, including those cancelled later;
- confirmed: registrations that hold a place now (status "confirmed");
- attended: a registration whose minutes that count are above zero, with the rule of
  `registrations.attendance.services.attended_minutes()`: a row set by hand wins, even with
  0 minutes; otherwise any platform report's row;
- certificate issued: a registration with a valid certificate.

Both come from flags stored on the registration (`Registration.attended`,
`Registration.has_valid_certificate`), kept up to date with these rules by
`registrations.report_flags.refresh_report_flags()` wherever attendance or certificates change;
the rest:

- waiting at the start: put on the waitlist before the session started and neither given a
  place nor cancelled before it started (for an upcoming session: waiting now);
- promoted: given a place after being waitlisted (`confirmed_at` later than `waitlisted_at`;
  `promote_registration`/`promote_from_waitlist` set both, and the audit trail agrees).

Breakdowns by country and profession merge every value with fewer than `MIN_CELL_SIZE` people in
one of its cells into "other" before the top values are picked, so no bar singles anyone out.
"""

import dataclasses
import datetime as dt

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from events.models import Series, Session
from registrations.models import Registration

# A value with fewer people than this in any non-empty cell is shown only inside "other".
MIN_CELL_SIZE = 5
# Breakdowns show this many values, then "other".
TOP_VALUES = 15
# The key of the merged bucket in breakdowns ("" is also how a blank answer is stored).
OTHER = "__other__"

Status = Registration.Status


@dataclasses.dataclass(frozen=True)
class ReportFilters:
    series: Series | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # None: no end, upcoming sessions included


@dataclasses.dataclass
class SessionRow:
    """One session's figures: the dashboard table, the funnel, language and waitlist charts."""

    session: Session
    registered: int = 0
    confirmed: int = 0
    attended: int = 0
    certified: int = 0
    cancelled: int = 0
    english: int = 0
    russian: int = 0
    waiting_at_start: int = 0
    promoted: int = 0

    @property
    def attendance_rate(self) -> float | None:
        """Attended out of confirmed places; None before anyone could attend (or with no place)."""
        if not self.confirmed or self.session.starts_at > timezone.now():
            return None
        return self.attended / self.confirmed

    @property
    def russian_share(self) -> float | None:
        total = self.english + self.russian
        return self.russian / total if total else None


@dataclasses.dataclass(frozen=True)
class BreakdownRow:
    key: str  # a country code or a profession value; OTHER for the merged bucket
    registered: int
    attended: int


@dataclasses.dataclass(frozen=True)
class Breakdown:
    rows: list[BreakdownRow]  # the top values by registrations, then OTHER when not empty
    merged_small: int  # how many values were merged into OTHER because a cell was small


@dataclasses.dataclass(frozen=True)
class Report:
    rows: list[SessionRow]  # in the order of the sessions
    breakdowns: dict[str, Breakdown]  # by "country" and by "profession"


def sessions_for_report(filters: ReportFilters) -> QuerySet[Session]:
    """Published and cancelled sessions starting within the filters' dates (UTC days), by start."""
    sessions = Session.objects.public()
    if filters.series is not None:
        sessions = sessions.filter(series=filters.series)
    if filters.date_from is not None:
        sessions = sessions.filter(starts_at__date__gte=filters.date_from)
    if filters.date_to is not None:
        sessions = sessions.filter(starts_at__date__lte=filters.date_to)
    return sessions.order_by("starts_at", "pk")


def _registrations(sessions: QuerySet[Session]) -> QuerySet[Registration]:
    return Registration.objects.filter(session__in=sessions.values("pk")).order_by()


# The SessionRow counters that `build_report()` fills from its query, in its column order.
_SESSION_FIGURES = (
    "registered",
    "confirmed",
    "cancelled",
    "attended",
    "certified",
    "english",
    "russian",
    "waiting_at_start",
    "promoted",
)


def build_report(sessions: QuerySet[Session]) -> Report:
    """Each session with its figures, in the order of `sessions`, and the breakdowns by country
    and by profession. Two queries, whatever the size.

    Every figure comes from one scan of the registrations, grouped by session, country and
    profession together (at most sessions × some 50 countries × 11 professions rows, a few
    thousand in practice), and is added up here into the per-session rows and the per-value
    breakdowns. One scan instead of one per chart. Attended and certified are the registration's
    stored flags (see `registrations.report_flags`), so no other table is looked up per row.

    Breakdowns: a value whose registrations, or whose attendance when not zero, count fewer than
    MIN_CELL_SIZE people goes into OTHER; of the rest, the TOP_VALUES largest are shown and the
    others join OTHER too. A blank answer counts as OTHER.
    """
    rows = {
        session.pk: SessionRow(session=session)
        for session in sessions.only(
            "pk",
            "slug",
            "title",
            "title_en",
            "title_ru",
            "starts_at",
            "capacity",
            "status",
            "registration_opens_at",
            "timezone",
        )
    }
    registered: dict[str, dict[str, int]] = {"country": {}, "profession": {}}
    attended: dict[str, dict[str, int]] = {"country": {}, "profession": {}}
    if not rows:
        return Report(rows=[], breakdowns={field: _merge_small({}, {}) for field in registered})
    waiting_at_start = (
        Q(waitlisted_at__isnull=False, waitlisted_at__lt=F("session__starts_at"))
        & (Q(confirmed_at__isnull=True) | Q(confirmed_at__gte=F("session__starts_at")))
        & (Q(cancelled_at__isnull=True) | Q(cancelled_at__gte=F("session__starts_at")))
    )
    groups = (
        _registrations(sessions)
        .values("session_id", "country", "profession")
        .annotate(
            registered=Count("pk"),
            confirmed=Count("pk", filter=Q(status=Status.CONFIRMED)),
            cancelled=Count("pk", filter=Q(status=Status.CANCELLED)),
            attended=Count("pk", filter=Q(attended=True)),
            certified=Count("pk", filter=Q(has_valid_certificate=True)),
            english=Count("pk", filter=Q(language="en")),
            russian=Count("pk", filter=Q(language="ru")),
            waiting_at_start=Count("pk", filter=waiting_at_start),
            promoted=Count("pk", filter=Q(waitlisted_at__isnull=False, confirmed_at__gt=F("waitlisted_at"))),
        )
        .values_list("session_id", "country", "profession", *_SESSION_FIGURES)
    )
    totals: dict[int, list[int]] = {}
    for session_id, country, profession, *figures in groups:
        total = totals.get(session_id)
        if total is None:
            totals[session_id] = figures
        else:
            for index, value in enumerate(figures):
                total[index] += value
        count, attended_count = figures[0], figures[3]
        for field, key in (("country", country), ("profession", profession)):
            registered[field][key] = registered[field].get(key, 0) + count
            attended[field][key] = attended[field].get(key, 0) + attended_count
    for session_id, figures in totals.items():
        row = rows[session_id]
        for name, value in zip(_SESSION_FIGURES, figures, strict=True):
            setattr(row, name, value)
    return Report(
        rows=list(rows.values()),
        breakdowns={field: _merge_small(registered[field], attended[field]) for field in registered},
    )


def count_daily_registrations(sessions: QuerySet[Session]) -> dict[int, dict[dt.date, int]]:
    """New registrations per session and UTC day (cancelled ones included). One query."""
    daily: dict[int, dict[dt.date, int]] = {}
    rows = (
        _registrations(sessions)
        .annotate(day=TruncDate("created_at", tzinfo=dt.UTC))
        .values("session_id", "day")
        .annotate(count=Count("pk"))
        .order_by("session_id", "day")
    )
    for row in rows:
        daily.setdefault(row["session_id"], {})[row["day"]] = row["count"]
    return daily


def build_cumulative_curve(daily: dict[dt.date, int], day_zero: dt.date) -> list[tuple[int, int]]:
    """(days since `day_zero`, registrations so far) for each day with new registrations."""
    total = 0
    points = []
    for day in sorted(daily):
        total += daily[day]
        points.append(((day - day_zero).days, total))
    return points


def _merge_small(registered: dict[str, int], attended: dict[str, int]) -> Breakdown:
    shown: list[BreakdownRow] = []
    other_registered = other_attended = merged_small = 0
    for key, count in sorted(registered.items(), key=lambda item: (-item[1], item[0])):
        attended_count = attended.get(key, 0)
        is_small = count < MIN_CELL_SIZE or 0 < attended_count < MIN_CELL_SIZE
        if key and not is_small and len(shown) < TOP_VALUES:
            shown.append(BreakdownRow(key=key, registered=count, attended=attended_count))
            continue
        if key and is_small:
            merged_small += 1
        other_registered += count
        other_attended += attended_count
    if other_registered:
        shown.append(BreakdownRow(key=OTHER, registered=other_registered, attended=other_attended))
    return Breakdown(rows=shown, merged_small=merged_small)
