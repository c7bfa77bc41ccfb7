"""The organisers' dashboard as data: the session table and the charts, formatted for a language.

`build_dashboard()` runs the aggregations of `registrations.report_queries` (five queries for any
number of sessions), sorts the session table, and renders each chart with `registrations.charts`
together with the data table printed under it. Numbers, percentages and dates are formatted with
babel in the active language; all text goes through gettext. The admin view
(registrations/dashboard_admin.py) only parses the filter, calls this and renders the template.
"""

import dataclasses
import datetime as dt
from collections.abc import Callable

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent, get_group_symbol
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext, ngettext, pgettext
from django_countries import countries

from events.models import Session
from events.timefmt import get_babel_locale
from registrations import charts
from registrations.models import Profession
from registrations.report_queries import (
    MIN_CELL_SIZE,
    OTHER,
    Breakdown,
    ReportFilters,
    SessionRow,
    build_cumulative_curve,
    build_report,
    count_daily_registrations,
    sessions_for_report,
)

# How many sessions the per-session charts show (the most recent ones); the table shows all.
CHART_SESSION_LIMIT = 15
# How many sessions get a "registrations per day" chart of their own.
CURVE_SESSION_LIMIT = 6
DEFAULT_ORDER = "-date"


@dataclasses.dataclass(frozen=True)
class DataTable:
    caption: str
    headers: list[str]
    rows: list[list[str]]


@dataclasses.dataclass(frozen=True)
class Chart:
    chart_id: str
    heading: str
    svg: SafeString | None  # None when there is nothing to draw (`empty_message` says why)
    table: DataTable | None
    empty_message: str = ""
    note: str = ""


@dataclasses.dataclass(frozen=True)
class Column:
    key: str  # the `?o=` value; "" for a column that cannot be sorted
    label: str
    is_numeric: bool = True


@dataclasses.dataclass(frozen=True)
class Dashboard:
    filters: ReportFilters
    order: str
    columns: list[Column]
    rows: list[SessionRow]
    cells: list[list[str]]  # `rows`, formatted, in `columns` order
    charts: list[Chart]
    curve_charts: list[Chart]


class Formatter:
    """Numbers, shares and dates in one language's conventions (babel).

    The locale is parsed once: given a locale name, babel parses it again on every call, which
    was a fifth of the dashboard's Python time (some 2,000 numbers and dates per page).
    """

    def __init__(self, language: str) -> None:
        self.locale = Locale.parse(get_babel_locale(language))
        # Whole numbers are most of the page's numbers. When the language writes them in plain
        # groups of three (English and Russian do), grouping them with babel's symbol gives babel's
        # result (tests/dashboard/test_formatting.py) at a tenth of the cost; otherwise babel does it.
        pattern = self.locale.decimal_formats[None]
        is_plain = pattern.grouping == (3, 3) and pattern.prefix == ("", "-") and pattern.suffix == ("", "")
        self._group_symbol = get_group_symbol(locale=self.locale) if is_plain else None

    def count(self, value: float) -> str:
        if self._group_symbol is not None and type(value) is int and value >= 0:
            return f"{value:,}".replace(",", self._group_symbol)
        return format_decimal(value, locale=self.locale)

    def share(self, value: float | None) -> str:
        return "—" if value is None else format_percent(value, locale=self.locale)

    def date(self, value: dt.date) -> str:
        return format_date(value, "medium", locale=self.locale)

    def session_date(self, session: Session) -> str:
        return self.date(session.starts_at.astimezone(session.zoneinfo).date())


# --- the session table -------------------------------------------------------------------------

SORT_KEYS: dict[str, Callable[[SessionRow], object]] = {
    "date": lambda row: (row.session.starts_at, row.session.pk),
    "title": lambda row: (str(row.session.title).casefold(), row.session.pk),
    "registered": lambda row: (row.registered, row.session.starts_at),
    "confirmed": lambda row: (row.confirmed, row.session.starts_at),
    "attended": lambda row: (row.attended, row.session.starts_at),
    "rate": lambda row: (-1 if row.attendance_rate is None else row.attendance_rate, row.session.starts_at),
    "certified": lambda row: (row.certified, row.session.starts_at),
    "russian": lambda row: (-1 if row.russian_share is None else row.russian_share, row.session.starts_at),
    "waiting": lambda row: (row.waiting_at_start, row.session.starts_at),
    "promoted": lambda row: (row.promoted, row.session.starts_at),
}


def parse_order(value: str | None) -> str:
    """A known `?o=` value ("registered", "-date", …), else the default (newest first)."""
    if value and value.removeprefix("-") in SORT_KEYS:
        return value
    return DEFAULT_ORDER


def sort_rows(rows: list[SessionRow], order: str) -> list[SessionRow]:
    return sorted(rows, key=SORT_KEYS[order.removeprefix("-")], reverse=order.startswith("-"))


def build_columns() -> list[Column]:
    return [
        Column("date", pgettext("dashboard column", "Date"), is_numeric=False),
        Column("title", pgettext("dashboard column", "Session"), is_numeric=False),
        Column("", pgettext("dashboard column", "Capacity")),
        Column("registered", pgettext("dashboard column", "Registered")),
        Column("confirmed", pgettext("dashboard column", "Confirmed")),
        Column("attended", pgettext("dashboard column", "Attended")),
        Column("rate", pgettext("dashboard column", "Attended of confirmed")),
        Column("certified", pgettext("dashboard column", "Certificates")),
        Column("", pgettext("dashboard column", "English")),
        Column("", pgettext("dashboard column", "Russian")),
        Column("russian", pgettext("dashboard column", "Russian share")),
        Column("waiting", pgettext("dashboard column", "Waiting at the start")),
        Column("promoted", pgettext("dashboard column", "Promoted from the waitlist")),
    ]


def build_cells(row: SessionRow, fmt: Formatter) -> list[str]:
    session = row.session
    return [
        fmt.session_date(session),
        str(session.title),
        "—" if session.capacity is None else fmt.count(session.capacity),
        fmt.count(row.registered),
        fmt.count(row.confirmed),
        fmt.count(row.attended),
        fmt.share(row.attendance_rate),
        fmt.count(row.certified),
        fmt.count(row.english),
        fmt.count(row.russian),
        fmt.share(row.russian_share),
        fmt.count(row.waiting_at_start),
        fmt.count(row.promoted),
    ]


# --- the charts --------------------------------------------------------------------------------


def _session_label(row: SessionRow, fmt: Formatter) -> str:
    # Translators: a session in a chart: its date, then its title.
    return gettext("%(date)s · %(title)s") % {"date": fmt.session_date(row.session), "title": row.session.title}


def build_funnel_chart(rows: list[SessionRow], fmt: Formatter, now: dt.datetime) -> Chart:
    past = [row for row in rows if row.session.starts_at <= now and row.registered][-CHART_SESSION_LIMIT:]
    heading = gettext("From registration to certificate")
    if not past:
        empty = gettext("No past session with registrations in the selection.")
        return Chart("chart-funnel", heading, None, None, empty)
    # Literal msgids, so that makemessages finds them.
    names = [
        (pgettext("funnel stage", "Registered"), "registered"),
        (pgettext("funnel stage", "Confirmed"), "confirmed"),
        (pgettext("funnel stage", "Attended"), "attended"),
        (pgettext("funnel stage", "Certificate issued"), "certified"),
    ]
    stages = [
        charts.BarSeries(name, [getattr(row, field) for row in past], f"chart-stage-{depth}")
        for depth, (name, field) in enumerate(names, start=1)
    ]
    categories = [_session_label(row, fmt) for row in past]
    row_labels = [
        # Translators: after a session's bar in the funnel chart: attended out of confirmed places.
        gettext("%(share)s attended") % {"share": fmt.share(row.attendance_rate)}
        for row in past
    ]
    description = ngettext(
        "For the %(count)d most recent past session: how many registered, how many of them held a confirmed "
        "place, attended, and received a certificate, drawn as nested bars. The table below gives the numbers "
        "and rates.",
        "For the %(count)d most recent past sessions: how many registered, how many of them held a confirmed "
        "place, attended, and received a certificate, drawn as nested bars. The table below gives the numbers "
        "and rates.",
        len(past),
    ) % {"count": len(past)}
    svg = charts.render_funnel_chart(
        chart_id="chart-funnel",
        title=heading,
        description=description,
        categories=categories,
        stages=stages,
        row_labels=row_labels,
    )

    def rate(part: int, whole: int) -> str:
        return fmt.share(part / whole if whole else None)

    table = DataTable(
        caption=heading,
        headers=[
            pgettext("dashboard column", "Session"),
            pgettext("funnel stage", "Registered"),
            pgettext("funnel stage", "Confirmed"),
            pgettext("dashboard column", "Confirmed of registered"),
            pgettext("funnel stage", "Attended"),
            pgettext("dashboard column", "Attended of confirmed"),
            pgettext("funnel stage", "Certificate issued"),
            pgettext("dashboard column", "Certificates of attended"),
        ],
        rows=[
            [
                label,
                fmt.count(row.registered),
                fmt.count(row.confirmed),
                rate(row.confirmed, row.registered),
                fmt.count(row.attended),
                rate(row.attended, row.confirmed),
                fmt.count(row.certified),
                rate(row.certified, row.attended),
            ]
            for label, row in zip(categories, past, strict=True)
        ],
    )
    return Chart("chart-funnel", heading, svg, table)


def build_language_chart(rows: list[SessionRow], fmt: Formatter) -> Chart:
    shown = [row for row in rows if row.english + row.russian][-CHART_SESSION_LIMIT:]
    heading = gettext("Preferred language, session by session")
    if not shown:
        return Chart("chart-language", heading, None, None, gettext("No registrations in the selection."))
    english, russian = gettext("English"), gettext("Russian")
    categories = [_session_label(row, fmt) for row in shown]
    first, last = shown[0], shown[-1]
    description = gettext(
        "The share of registrants who chose English or Russian for their emails, for each session in date "
        "order, oldest first. Russian: %(first)s at %(first_session)s, %(last)s at %(last_session)s."
    ) % {
        "first": fmt.share(first.russian_share),
        "first_session": categories[0],
        "last": fmt.share(last.russian_share),
        "last_session": categories[-1],
    }
    svg = charts.render_stacked_bar_chart(
        chart_id="chart-language",
        title=heading,
        description=description,
        categories=categories,
        series=[
            charts.BarSeries(english, [row.english for row in shown], "chart-lang-en"),
            charts.BarSeries(russian, [row.russian for row in shown], "chart-lang-ru"),
        ],
        format_share=fmt.share,
    )
    table = DataTable(
        caption=heading,
        headers=[
            pgettext("dashboard column", "Session"),
            pgettext("dashboard column", "English"),
            pgettext("dashboard column", "Russian"),
            pgettext("dashboard column", "Russian share"),
        ],
        rows=[
            [label, fmt.count(row.english), fmt.count(row.russian), fmt.share(row.russian_share)]
            for label, row in zip(categories, shown, strict=True)
        ],
    )
    return Chart("chart-language", heading, svg, table)


def build_waitlist_chart(rows: list[SessionRow], fmt: Formatter) -> Chart:
    shown = [row for row in rows if row.waiting_at_start or row.promoted][-CHART_SESSION_LIMIT:]
    heading = gettext("The waitlist")
    if not shown:
        return Chart("chart-waitlist", heading, None, None, gettext("No session in the selection had a waitlist."))
    waiting = pgettext("dashboard column", "Waiting at the start")
    promoted = pgettext("dashboard column", "Promoted from the waitlist")
    categories = [_session_label(row, fmt) for row in shown]
    description = ngettext(
        "For the %(count)d session with a waitlist: how many people were still waiting when it started (for an "
        "upcoming session: now), and how many were given a place from the waitlist.",
        "For the %(count)d sessions with a waitlist: how many people were still waiting when each started (for "
        "an upcoming session: now), and how many were given a place from the waitlist.",
        len(shown),
    ) % {"count": len(shown)}
    svg = charts.render_bar_chart(
        chart_id="chart-waitlist",
        title=heading,
        description=description,
        categories=categories,
        series=[
            charts.BarSeries(waiting, [row.waiting_at_start for row in shown], "chart-waiting"),
            charts.BarSeries(promoted, [row.promoted for row in shown], "chart-promoted"),
        ],
        format_value=fmt.count,
    )
    table = DataTable(
        caption=heading,
        headers=[pgettext("dashboard column", "Session"), waiting, promoted],
        rows=[
            [label, fmt.count(row.waiting_at_start), fmt.count(row.promoted)]
            for label, row in zip(categories, shown, strict=True)
        ],
    )
    return Chart("chart-waitlist", heading, svg, table)


def _country_label(key: str) -> str:
    return countries.name(key) or key


def _profession_label(key: str) -> str:
    return str(dict(Profession.choices).get(key, key))


def build_breakdown_chart(
    breakdown: Breakdown, fmt: Formatter, *, chart_id: str, heading: str, label: Callable[[str], str], kind: str
) -> Chart:
    if not breakdown.rows:
        return Chart(chart_id, heading, None, None, gettext("No registrations in the selection."))
    registered = pgettext("dashboard column", "Registered")
    attended = pgettext("dashboard column", "Attended")
    other = pgettext("dashboard", "Other")
    categories = [other if row.key == OTHER else label(row.key) for row in breakdown.rows]
    if kind == "country":
        description = gettext(
            "Registrations and attendance by the country registrants gave, largest first, up to fifteen "
            "countries; the rest, and any country with fewer than %(min)d people, are counted under “Other”."
        ) % {"min": MIN_CELL_SIZE}
        note = ngettext(
            "%(count)d country with fewer than %(min)d people is counted under “Other”.",
            "%(count)d countries with fewer than %(min)d people are counted under “Other”.",
            breakdown.merged_small,
        ) % {"count": breakdown.merged_small, "min": MIN_CELL_SIZE}
    else:
        description = gettext(
            "Registrations and attendance by the profession registrants gave, largest first; a profession "
            "with fewer than %(min)d people, and unanswered questions, are counted under “Other”."
        ) % {"min": MIN_CELL_SIZE}
        note = ngettext(
            "%(count)d profession with fewer than %(min)d people is counted under “Other”.",
            "%(count)d professions with fewer than %(min)d people are counted under “Other”.",
            breakdown.merged_small,
        ) % {"count": breakdown.merged_small, "min": MIN_CELL_SIZE}
    svg = charts.render_bar_chart(
        chart_id=chart_id,
        title=heading,
        description=description,
        categories=categories,
        series=[
            charts.BarSeries(registered, [row.registered for row in breakdown.rows], "chart-registered"),
            charts.BarSeries(attended, [row.attended for row in breakdown.rows], "chart-attended"),
        ],
        format_value=fmt.count,
    )
    table = DataTable(
        caption=heading,
        headers=[heading, registered, attended],
        rows=[
            [category, fmt.count(row.registered), fmt.count(row.attended)]
            for category, row in zip(categories, breakdown.rows, strict=True)
        ],
    )
    return Chart(chart_id, heading, svg, table, note=note if breakdown.merged_small else "")


def build_curve_chart(row: SessionRow, daily: dict[dt.date, int], fmt: Formatter) -> Chart:
    """Cumulative registrations from the day registration opened (or, when the session has no
    opening date, the day of the first registration), with the capacity as a reference line."""
    session = row.session
    chart_id = f"chart-curve-{session.pk}"
    heading = _session_label(row, fmt)
    opened = session.registration_opens_at
    day_zero = min(
        [day for day in (opened.astimezone(dt.UTC).date() if opened else None,) if day] + list(daily),
    )
    points = build_cumulative_curve(daily, day_zero)
    start_day = (session.starts_at.astimezone(dt.UTC).date() - day_zero).days
    cumulative = pgettext("dashboard", "Registrations so far")
    references = []
    if session.capacity is not None:
        references.append(
            charts.ReferenceLine(
                gettext("Capacity: %(count)s") % {"count": fmt.count(session.capacity)}, session.capacity
            )
        )
    description = gettext(
        "Registrations so far, day by day, from the day registration opened (%(opened)s, day 0); the session "
        "was on day %(start)s. %(total)s registrations in all."
    ) % {"opened": fmt.date(day_zero), "start": fmt.count(start_day), "total": fmt.count(row.registered)}
    if session.capacity is not None:
        description = " ".join(
            [description, gettext("The capacity was %(count)s.") % {"count": fmt.count(session.capacity)}]
        )
    svg = charts.render_line_chart(
        chart_id=chart_id,
        title=heading,
        description=description,
        series=[charts.LineSeries(cumulative, points, "chart-curve")],
        references=references,
        x_label=gettext("Days since registration opened"),
        y_label=cumulative,
        format_x=fmt.count,
        format_y=fmt.count,
        width=440,
        height=230,
    )
    new_label = pgettext("dashboard column", "New registrations")
    table = DataTable(
        caption=heading,
        headers=[pgettext("dashboard column", "Day"), pgettext("dashboard column", "Date"), new_label, cumulative],
        rows=[
            [fmt.count(day), fmt.date(date), fmt.count(daily[date]), fmt.count(total)]
            for day, total in points
            for date in [day_zero + dt.timedelta(days=day)]
        ],
    )
    return Chart(chart_id, heading, svg, table)


# --- all of it --------------------------------------------------------------------------------


def build_dashboard(filters: ReportFilters, *, order: str | None = None, now: dt.datetime | None = None) -> Dashboard:
    """The whole dashboard for `filters`, in the active language. Five queries, whatever the size:
    the sessions, their figures, the breakdowns, the waitlists and the daily counts of the curves."""
    now = now or timezone.now()
    fmt = Formatter(get_language())
    sessions = sessions_for_report(filters)
    report = build_report(sessions)
    rows = report.rows  # chronological: the charts' order
    order = parse_order(order)
    sorted_rows = sort_rows(rows, order)
    with_registrations = [row for row in rows if row.registered]
    curve_rows = with_registrations[-CURVE_SESSION_LIMIT:]
    curve_sessions = sessions.filter(pk__in=[row.session.pk for row in curve_rows])
    daily = count_daily_registrations(curve_sessions) if curve_rows else {}
    breakdowns = report.breakdowns
    charts_ = [
        build_funnel_chart(rows, fmt, now),
        build_language_chart(rows, fmt),
        build_waitlist_chart(rows, fmt),
        build_breakdown_chart(
            breakdowns["country"],
            fmt,
            chart_id="chart-country",
            heading=gettext("Countries"),
            label=_country_label,
            kind="country",
        ),
        build_breakdown_chart(
            breakdowns["profession"],
            fmt,
            chart_id="chart-profession",
            heading=gettext("Professions"),
            label=_profession_label,
            kind="profession",
        ),
    ]
    curve_charts = [build_curve_chart(row, daily.get(row.session.pk, {}), fmt) for row in reversed(curve_rows)]
    return Dashboard(
        filters=filters,
        order=order,
        columns=build_columns(),
        rows=sorted_rows,
        cells=[build_cells(row, fmt) for row in sorted_rows],
        charts=charts_,
        curve_charts=curve_charts,
    )


# --- the CSV of the session table --------------------------------------------------------------


def render_csv(dashboard: Dashboard) -> str:
    """The session table as CSV text: aggregated numbers only, never a person.

    Same conventions as the registrations export (registrations/exports.py): UTF-8 with a byte
    order mark, the `excel` dialect, every text cell neutralised against formula injection. Numbers
    are plain (no thousands separators) and shares are fractions, so spreadsheets can compute with
    them; the session's date is ISO 8601 in its own zone.
    """
    import csv  # noqa: PLC0415 (only the download needs it)
    import io  # noqa: PLC0415

    from registrations.exports import BYTE_ORDER_MARK, neutralise_cell  # noqa: PLC0415

    def share(value: float | None) -> str:
        return "" if value is None else f"{value:.3f}"

    buffer = io.StringIO()
    buffer.write(BYTE_ORDER_MARK)
    writer = csv.writer(buffer, dialect="excel")
    writer.writerow([neutralise_cell(column.label) for column in dashboard.columns])
    for row in dashboard.rows:
        session = row.session
        cells = [
            session.starts_at.astimezone(session.zoneinfo).date().isoformat(),
            str(session.title),
            "" if session.capacity is None else str(session.capacity),
            str(row.registered),
            str(row.confirmed),
            str(row.attended),
            share(row.attendance_rate),
            str(row.certified),
            str(row.english),
            str(row.russian),
            share(row.russian_share),
            str(row.waiting_at_start),
            str(row.promoted),
        ]
        writer.writerow([neutralise_cell(cell) for cell in cells])
    return buffer.getvalue()
