"""Keeping `RegistrationTally` (registrations/report_models.py) equal to the registrations it counts.

The dashboard adds up tallies instead of counting hundreds of thousands of registrations, so every
write that changes what a tally counts (a registration's session, status, language, country,
profession, creation day, `attended` or `has_valid_certificate`) adjusts the tallies in the same
transaction, through one of these:

- `count_new_registration()`: `register_attendee`;
- `count_status_change()`: `cancel_registration` and every promotion from the waitlist
  (registrations/services.py);
- `count_changes()`: `registrations.report_flags.refresh_report_flags()`, which every attendance
  and certificate change goes through;
- `rebuild_report_tallies()`: counts the rows again from scratch, after writes that bypass the
  services (bulk loads of demo or benchmark data, data repairs; `manage.py rebuild_report_tallies`).

Adjustments are one `INSERT … ON CONFLICT DO UPDATE` statement (the same SQL on PostgreSQL and
SQLite), adding to the rows in a fixed order, so concurrent writers neither lose an increment nor
deadlock on each other. The services already hold the session's row lock when they call these, so
a registration rush waits on no lock it did not wait on before. A session's registrations and
tallies agree exactly at every commit: `tests/dashboard/test_tallies.py` checks every path against
a rebuild.
"""

import dataclasses
import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate

from events.models import Session
from registrations.models import Registration
from registrations.report_models import RegistrationTally

Attribute = RegistrationTally.Attribute
# Rows per INSERT statement: 6 parameters each, well under SQLite's limit of 32,766.
UPSERT_BATCH = 1000


@dataclasses.dataclass(frozen=True)
class TallyFacts:
    """What the tallies count of one registration."""

    session_id: int
    status: str
    language: str
    country: str
    profession: str
    day: str  # ISO 8601, the UTC day of `created_at`
    attended: bool
    certified: bool

    def tally_keys(self) -> list[tuple[int, str, str]]:
        return [
            (self.session_id, Attribute.STATUS.value, self.status),
            (self.session_id, Attribute.LANGUAGE.value, self.language),
            (self.session_id, Attribute.COUNTRY.value, self.country),
            (self.session_id, Attribute.PROFESSION.value, self.profession),
            (self.session_id, Attribute.DAY.value, self.day),
        ]


# The registration's columns behind `TallyFacts`, in its field order.
FACT_COLUMNS = (
    "session_id",
    "status",
    "language",
    "country",
    "profession",
    "created_at",
    "attended",
    "has_valid_certificate",
)


def _utc_day(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).date().isoformat()


def facts_of(registration: Registration) -> TallyFacts:
    return TallyFacts(
        session_id=registration.session_id,
        status=str(registration.status),  # str(): a plain string, not the Status member
        language=str(registration.language),
        country=registration.country.code or "",
        profession=str(registration.profession),
        day=_utc_day(registration.created_at),
        attended=registration.attended,
        certified=registration.has_valid_certificate,
    )


def read_facts(registrations: QuerySet[Registration]) -> dict[int, TallyFacts]:
    """The facts of these registrations, by id (one query; locks the rows when the queryset does)."""
    return {
        pk: TallyFacts(session_id, status, language, country, profession, _utc_day(created_at), attended, certified)
        for pk, session_id, status, language, country, profession, created_at, attended, certified in (
            registrations.order_by().values_list("pk", *FACT_COLUMNS)
        )
    }


def count_new_registration(registration: Registration) -> None:
    """Count a registration just saved. Call it in the transaction that created it."""
    count_changes(before=[], after=[facts_of(registration)])


def tallied_registrations(session_id: int, status: str) -> int:
    """The session's registrations with `status` as its tally says (one row of the unique index):
    a figure for estimates, such as `register_attendee`'s prediction before it locks. Decisions
    that must be exact count the rows themselves, under the session's lock."""
    quote = connection.ops.quote_name
    meta = RegistrationTally._meta
    columns = {name: quote(meta.get_field(name).column) for name in ("registrations", "session", "attribute", "value")}
    sql = (
        f"SELECT {columns['registrations']} FROM {quote(meta.db_table)} "  # noqa: S608 (names, not values)
        f"WHERE {columns['session']} = %s AND {columns['attribute']} = %s AND {columns['value']} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [session_id, Attribute.STATUS.value, status])
        row = cursor.fetchone()
    return row[0] if row else 0


def tallied_registrations_of_row(status: str) -> Coalesce:
    """`tallied_registrations()` as an expression of a Session queryset, read with the row:
    `Session.objects.annotate(confirmed_estimate=tallied_registrations_of_row("confirmed"))`."""
    tally = RegistrationTally.objects.filter(session=OuterRef("pk"), attribute=Attribute.STATUS.value, value=status)
    return Coalesce(Subquery(tally.values("registrations")[:1]), 0)


def count_status_change(registration: Registration, *, previous: str) -> None:
    """Move a registration whose status was just saved from the `previous` status's tally to its own."""
    after = facts_of(registration)
    if str(previous) != after.status:
        count_changes(before=[dataclasses.replace(after, status=str(previous))], after=[after])


def count_changes(*, before: Iterable[TallyFacts], after: Iterable[TallyFacts]) -> None:
    """Take registrations as they were (`before`) out of the tallies and put them back as they are
    (`after`). A registration new to the tallies is only in `after`. One statement, or none when
    nothing a tally counts has changed."""
    rows: dict[tuple[int, str, str], list[int]] = {}
    for sign, facts_list in ((-1, before), (1, after)):
        for facts in facts_list:
            change = (sign, sign * facts.attended, sign * facts.certified)
            for key in facts.tally_keys():
                row = rows.setdefault(key, [0, 0, 0])
                for index, value in enumerate(change):
                    row[index] += value
    _add_to_tallies(sorted((key, row) for key, row in rows.items() if any(row)))


def _add_to_tallies(rows: list[tuple[tuple[int, str, str], list[int]]]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(RegistrationTally._meta.db_table)
    counters = [quote(name) for name in ("registrations", "attended", "certified")]
    keys = [quote(name) for name in ("session_id", "attribute", "value")]
    updates = ", ".join(f"{column} = {table}.{column} + excluded.{column}" for column in counters)
    for start in range(0, len(rows), UPSERT_BATCH):
        batch = rows[start : start + UPSERT_BATCH]
        placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(batch))
        sql = (
            f"INSERT INTO {table} ({', '.join(keys + counters)}) VALUES {placeholders} "  # noqa: S608 (names, not values)
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
        )
        params = [value for key, row in batch for value in (*key, *row)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _tally_values() -> dict[str, object]:
    """Per attribute, the expression of a registration's value (the day becomes text in Python)."""
    return {
        Attribute.STATUS.value: F("status"),
        Attribute.LANGUAGE.value: F("language"),
        Attribute.COUNTRY.value: F("country"),
        Attribute.PROFESSION.value: F("profession"),
        Attribute.DAY.value: TruncDate("created_at", tzinfo=dt.UTC),
    }


TallyKey = tuple[int, str, str]  # session id, attribute, value
TallyCounts = tuple[int, int, int]  # registrations, attended, certified


def _session_ids(sessions: QuerySet[Session] | Iterable[Session]) -> QuerySet | list[int]:
    return sessions.values("pk") if isinstance(sessions, QuerySet) else [session.pk for session in sessions]


def count_tallies(*, sessions: QuerySet[Session] | Iterable[Session] | None = None) -> dict[TallyKey, TallyCounts]:
    """The tallies of these sessions (all when None) as their registrations give them now: one
    grouped query per attribute."""
    registrations = Registration.objects.order_by()
    if sessions is not None:
        registrations = registrations.filter(session__in=_session_ids(sessions))
    counted = {}
    for attribute, expression in _tally_values().items():
        groups = (
            registrations.annotate(tally_value=expression)
            .values("session_id", "tally_value")
            .annotate(
                registrations=Count("pk"),
                attended=Count("pk", filter=Q(attended=True)),
                certified=Count("pk", filter=Q(has_valid_certificate=True)),
            )
            .values_list("session_id", "tally_value", "registrations", "attended", "certified")
        )
        for session_id, value, *counts in groups:
            counted[(session_id, attribute, value.isoformat() if isinstance(value, dt.date) else value)] = tuple(counts)
    return counted


def read_tallies(*, sessions: QuerySet[Session] | Iterable[Session] | None = None) -> dict[TallyKey, TallyCounts]:
    """The stored tallies of these sessions (all when None), leaving out rows that count nothing."""
    tallies = RegistrationTally.objects.exclude(registrations=0, attended=0, certified=0)
    if sessions is not None:
        tallies = tallies.filter(session__in=_session_ids(sessions))
    return {
        (session_id, attribute, value): (count, attended, certified)
        for session_id, attribute, value, count, attended, certified in tallies.values_list(
            "session_id", "attribute", "value", "registrations", "attended", "certified"
        )
    }


def find_tally_differences(
    *, sessions: QuerySet[Session] | Iterable[Session] | None = None
) -> dict[TallyKey, tuple[TallyCounts | None, TallyCounts | None]]:
    """Tallies that disagree with the registrations: key -> (stored, counted); empty when all agree."""
    stored, counted = read_tallies(sessions=sessions), count_tallies(sessions=sessions)
    return {
        key: (stored.get(key), counted.get(key))
        for key in sorted(stored.keys() | counted.keys())
        if stored.get(key) != counted.get(key)
    }


def rebuild_report_tallies(*, sessions: QuerySet[Session] | Iterable[Session] | None = None) -> int:
    """Count the tallies of these sessions (all when None) again from their registrations.

    Locks the sessions' rows first, as the registration services do, so no registration,
    cancellation or promotion happens meanwhile (attendance and certificate changes should not run
    at the same time). Returns the number of tally rows written.
    """
    with transaction.atomic():
        locked = Session.objects.order_by("pk").select_for_update()
        if sessions is not None:
            locked = locked.filter(pk__in=_session_ids(sessions))
        session_ids = list(locked.values_list("pk", flat=True))
        stale = RegistrationTally.objects.all()
        if sessions is not None:
            stale = stale.filter(session_id__in=session_ids)
        stale.delete()
        counted = count_tallies(sessions=None if sessions is None else Session.objects.filter(pk__in=session_ids))
        RegistrationTally.objects.bulk_create(
            [
                RegistrationTally(
                    session_id=session_id,
                    attribute=attribute,
                    value=value,
                    registrations=count,
                    attended=attended,
                    certified=certified,
                )
                for (session_id, attribute, value), (count, attended, certified) in counted.items()
            ],
            batch_size=UPSERT_BATCH,
        )
    return len(counted)
