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

Counting 300,000 registrations on every view was too slow, so the figures that do not depend on
the time come from `RegistrationTally` rows (registrations/report_tallies.py), counts per
session and value that the services keep equal to the registrations in the same transaction; the
two waitlist figures are counted from the registrations ever waitlisted.

Breakdowns by country and profession merge every value with fewer than `MIN_CELL_SIZE` people in
one of its cells into "other" before the top values are picked, so no bar singles anyone out.
"""

import dataclasses
import datetime as dt

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from events.models import Series, Session
from registrations.models import Registration
from registrations.report_models import RegistrationTally

# A value with fewer people than this in any non-empty cell is shown only inside "other".
MIN_CELL_SIZE = 5
# Breakdowns show this many values, then "other".
TOP_VALUES = 15
# The key of the merged bucket in breakdowns ("" is also how a blank answer is stored).
OTHER = "__other__"

Status = Registration.Status
Attribute = RegistrationTally.Attribute


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


def _tallies(sessions: QuerySet[Session]) -> QuerySet[RegistrationTally]:
    return RegistrationTally.objects.filter(session__in=sessions.values("pk")).order_by()


def build_report(sessions: QuerySet[Session]) -> Report:
    """Each session with its figures, in the order of `sessions`, and the breakdowns by country
    and by profession. Four queries, whatever the size.

    The figures come from the sessions' tallies (registrations/report_tallies.py: counts kept per
    session and value, a few dozen rows a session), not from the registrations themselves: the
    per-session figures from the status and language tallies, the breakdowns from the country and
    profession tallies summed in the database. Only the waitlist figures, which depend on when the
    session starts, are counted from the registrations, and only from those ever waitlisted (read
    from the partial index `registration_waitlist_history` alone).

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
    tallies = _tallies(sessions)
    per_session = tallies.filter(attribute__in=[Attribute.STATUS, Attribute.LANGUAGE]).values_list(
        "session_id", "attribute", "value", "registrations", "attended", "certified"
    )
    for session_id, attribute, value, count, attended_count, certified_count in per_session:
        row = rows[session_id]
        if attribute == Attribute.STATUS:
            row.registered += count
            row.attended += attended_count
            row.certified += certified_count
            if value == Status.CONFIRMED:
                row.confirmed = count
            elif value == Status.CANCELLED:
                row.cancelled = count
        elif value == "en":
            row.english = count
        elif value == "ru":
            row.russian = count
    by_value = (
        tallies.filter(attribute__in=[Attribute.COUNTRY, Attribute.PROFESSION])
        .values("attribute", "value")
        .annotate(registered=Sum("registrations"), attended=Sum("attended"))
        .values_list("attribute", "value", "registered", "attended")
    )
    for field, key, count, attended_count in by_value:
        if count:
            registered[field][key] = count
            attended[field][key] = attended_count
    for session_id, waiting, promoted in _count_waitlist(sessions):
        rows[session_id].waiting_at_start = waiting
        rows[session_id].promoted = promoted
    return Report(
        rows=list(rows.values()),
        breakdowns={field: _merge_small(registered[field], attended[field]) for field in registered},
    )


def _count_waitlist(sessions: QuerySet[Session]) -> QuerySet:
    """(session id, waiting at the start, promoted) for sessions with a waitlist. One query."""
    starts_at = F("session__starts_at")
    waiting_at_start = (
        Q(waitlisted_at__lt=starts_at)
        & (Q(confirmed_at__isnull=True) | Q(confirmed_at__gte=starts_at))
        & (Q(cancelled_at__isnull=True) | Q(cancelled_at__gte=starts_at))
    )
    return (
        _registrations(sessions)
        .filter(waitlisted_at__isnull=False)
        .values("session_id")
        .annotate(
            # Not COUNT(id): the id is not in the index, so every row would be read from the table.
            # waitlisted_at is never null here: this counts rows.
            waiting_at_start=Count("waitlisted_at", filter=waiting_at_start),
            promoted=Count("waitlisted_at", filter=Q(confirmed_at__gt=F("waitlisted_at"))),
        )
        .values_list("session_id", "waiting_at_start", "promoted")
    )


def count_daily_registrations(sessions: QuerySet[Session]) -> dict[int, dict[dt.date, int]]:
    """New registrations per session and UTC day (cancelled ones included), from the day tallies.
    One query."""
    daily: dict[int, dict[dt.date, int]] = {}
    rows = (
        _tallies(sessions)
        .filter(attribute=Attribute.DAY, registrations__gt=0)
        .values_list("session_id", "value", "registrations")
        .order_by("session_id", "value")
    )
    for session_id, day, count in rows:
        daily.setdefault(session_id, {})[dt.date.fromisoformat(day)] = count
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
