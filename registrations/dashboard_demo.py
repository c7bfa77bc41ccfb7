"""Demo data for the organisers' dashboard: past sessions full of invented registrants
(`manage.py load_demo`, after `events.demo.load_demo` and the certificate demo).

`load_dashboard_demo(sessions=…)` adds five past sessions of the demo series (found by slug,
dated relative to the day of the run like the demo's upcoming sessions: 30 to 300 days ago),
and gives every past demo session, the real first one of 18 July 2024 included, a few hundred
to about 1,500 registrations of clearly invented people (`demo-attendee-0001@example.invalid`,
…), with waitlists that moved when people cancelled, attendance minutes (source "Webex", so the
certificate demo's Zoom import never replaces them) and certificates (rows without a PDF) for
those who stayed long enough, except in the most recent session, whose certificates are still
to be issued. Open upcoming sessions get the registrations of the days since they opened.

Deterministic: every random choice comes from a generator seeded with the session's slug, and the
plan is a function of the moment it is built as of (`now`, the clock by default), so a second run
as of the same moment finds each session's registrations as planned and leaves them alone. Later
the plan moves: an open session gains the registrations of the hours since (its crowd of about 35 a
day of its registration period is drawn once; those registered by then are in the plan), and
on a later day the past sessions' dates move too; a session whose registrations no longer match
the plan has its demo registrants' rows (registrations, attendance, certificates) deleted and
written again.
Everything is written with bulk_create: about two seconds on SQLite.

Registrants come from the series' region, Europe and Central Asia; about 60 % choose English for
their emails in the oldest session, and the Russian share grows session by session.
"""

import dataclasses
import datetime as dt
import math
import random
import zoneinfo
from collections import deque

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from events.models import Series, Session, SessionSpeaker, Speaker
from registrations.attendance_models import Attendance, AttendanceSource
from registrations.certificate_models import CODE_ALPHABET, CODE_LENGTH, Certificate
from registrations.models import Profession, Registration
from registrations.report_flags import refresh_report_flags
from registrations.report_tallies import rebuild_report_tallies

SERIES_ZONE = "Europe/Copenhagen"
PEOPLE = 2400
EMAIL_PATTERN = "demo-attendee-{:04d}@example.invalid"
EMAIL_PREFIX, EMAIL_SUFFIX = "demo-attendee-", "@example.invalid"
REGISTRATION_DAYS = 28  # registration opens four weeks before a past session
ATTENDANCE_SOURCE = AttendanceSource.WEBEX
PROMOTION_CUTOFF = dt.timedelta(hours=2)

# Past demo sessions (days before the run, at 13:00 Copenhagen time), oldest first.
PAST_SESSIONS = [
    {
        "slug": "interoperability-of-health-data-where-to-start",
        "days_ago": 300,
        "minutes": 90,
        "capacity": None,
        "demand": 850,
        "title_en": "Interoperability of health data: where to start",
        "title_ru": "Совместимость медицинских данных: с чего начать",
        "summary_en": "The first steps towards systems that exchange health data safely and keep its meaning.",
        "summary_ru": "Первые шаги к системам, которые безопасно обмениваются медицинскими данными, сохраняя их смысл.",
        "speakers": ["example-sam-moderato", "example-timur-placeholder"],
    },
    {
        "slug": "ransomware-in-hospitals",
        "days_ago": 230,
        "minutes": 90,
        "capacity": 1000,
        "demand": 1350,
        "title_en": "Ransomware in hospitals: prepare, respond, recover",
        "title_ru": "Программы-вымогатели в больницах: подготовка, реагирование, восстановление",
        "summary_en": "What hospitals that were hit by ransomware learned, and what to prepare before it happens.",
        "summary_ru": "Чему научились больницы, пострадавшие от программ-вымогателей, и что подготовить заранее.",
        "speakers": ["example-sam-moderato", "example-maria-fictiva", "example-ingrid-sample"],
    },
    {
        "slug": "patient-access-to-health-records",
        "days_ago": 160,
        "minutes": 60,
        "capacity": None,
        "demand": 980,
        "title_en": "Patients' access to their own health records",
        "title_ru": "Доступ пациентов к собственным медицинским записям",
        "summary_en": "Portals, apps and rights: giving patients their data without putting it at risk.",
        "summary_ru": "Порталы, приложения и права: как дать пациентам их данные, не подвергая их риску.",
        "speakers": ["example-sam-moderato", "example-nino-exemplar"],
    },
    {
        "slug": "data-protection-impact-assessments",
        "days_ago": 95,
        "minutes": 90,
        "capacity": 800,
        "demand": 1150,
        "title_en": "Data protection impact assessments in health care",
        "title_ru": "Оценка воздействия на защиту данных в здравоохранении",
        "summary_en": "How to assess the risks of a new health data system before it goes live.",
        "summary_ru": "Как оценить риски новой системы медицинских данных до её запуска.",
        "speakers": ["example-sam-moderato", "example-ingrid-sample", "example-timur-placeholder"],
    },
    {
        "slug": "health-data-quality-for-public-health",
        "days_ago": 30,
        "minutes": 60,
        "capacity": 1500,
        "demand": 1480,
        "title_en": "Health data quality: the foundation of public health decisions",
        "title_ru": "Качество медицинских данных — основа решений в общественном здравоохранении",
        "summary_en": "Why data quality decides whether statistics can be trusted, and how to measure it.",
        "summary_ru": "Почему от качества данных зависит доверие к статистике и как его измерять.",
        "speakers": ["example-sam-moderato", "example-timur-placeholder", "example-nino-exemplar"],
    },
]
# The real first session (events/demo.py) is older than all of these.
FIRST_SESSION_DEMAND = 1200
UPCOMING_DEMAND_PER_DAY = 35

# Countries of the series' region with weights: large, medium and a tail of small ones, some of
# which end up under "other" on the dashboard (fewer than five people). Kept as tables to read.
# fmt: off
COUNTRIES = {
    "KZ": 14, "UZ": 11, "UA": 9, "GE": 7, "AM": 6, "AZ": 6, "KG": 6, "MD": 5, "TJ": 5, "TR": 4,
    "DE": 4, "GB": 3, "PL": 3, "RO": 3, "FR": 2, "IT": 2, "ES": 2, "NL": 2, "DK": 2, "SE": 2,
    "RS": 2, "BG": 2, "PT": 1.5, "CZ": 1.5, "GR": 1.5, "HU": 1.5, "AT": 1, "BE": 1, "CH": 1,
    "FI": 1, "NO": 1, "IE": 1, "EE": 1, "LV": 1, "LT": 1, "HR": 1, "BA": 1, "AL": 1, "MK": 1,
    "ME": 0.5, "SI": 0.5, "SK": 0.5, "TM": 0.4, "IL": 0.4, "CY": 0.15, "MT": 0.1, "IS": 0.1,
    "LU": 0.1, "MC": 0.03, "AD": 0.03,
}
PROFESSIONS = {
    Profession.PHYSICIAN: 20, Profession.NURSE: 9, Profession.PUBLIC_HEALTH: 18, Profession.HEALTH_IT: 14,
    Profession.DATA: 8, Profession.SECURITY: 7, Profession.MANAGER: 10, Profession.POLICY: 6,
    Profession.RESEARCHER: 5, Profession.STUDENT: 2, Profession.OTHER: 1,
}
# fmt: on
NAMES = {
    "en": ["Alex Example", "Maria Sample", "Jonas Demo", "Elif Placeholder", "Nina Fictive", "Tom Specimen"],
    "ru": ["Айгерим Пример", "Иван Образцов", "Нино Демонстрова", "Тимур Условный", "Ольга Примерова"],
}


@dataclasses.dataclass
class PlannedRegistration:
    person: int
    language: str
    registered_at: dt.datetime
    status: str = Registration.Status.CONFIRMED
    confirmed_at: dt.datetime | None = None
    waitlisted_at: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None
    minutes: int | None = None


@dataclasses.dataclass(frozen=True)
class DashboardDemoResult:
    sessions: list[Session]  # the past demo sessions added
    registrations: int  # written in this run (0 when everything was already as planned)


def load_dashboard_demo(
    *, sessions: list[Session], today: dt.date | None = None, now: dt.datetime | None = None
) -> DashboardDemoResult:
    """Add the past demo sessions and give the demo sessions their invented registrants.

    `sessions` are the demo's sessions (`events.demo.load_demo().sessions`); the series is theirs.
    `now` is the moment the demo is built as of (which sessions are past, who has registered so
    far), the clock by default; `today`, the day the past sessions are dated from, defaults to
    `now`'s day in the series' zone.
    Side effects: upserts five sessions (by slug) and their speaker links; creates up to
    `PEOPLE` demo users (unusable passwords, never emailed: the addresses are `.invalid`);
    replaces demo registrants' registrations, attendance and certificates of a session whose
    stored ones differ from the plan; counts the dashboard's tallies of the sessions again. No
    emails, tasks or audit entries: this is stored history.
    """
    zone = zoneinfo.ZoneInfo(SERIES_ZONE)
    now = now or timezone.now()
    today = today or now.astimezone(zone).date()
    series = sessions[0].series
    written = 0
    with transaction.atomic():
        past = [_upsert_past_session(series, zone, today, data) for data in PAST_SESSIONS]
        people = _ensure_people()
        demo_sessions = sorted(
            [session for session in [*sessions, *past] if session.status == Session.Status.PUBLISHED],
            key=lambda session: session.starts_at,
        )
        past_sessions = [session for session in demo_sessions if session.ends_at <= now]
        for index, session in enumerate(demo_sessions):
            is_past = session.ends_at <= now
            russian_share = 0.33 + 0.17 * min(index, len(past_sessions)) / max(len(past_sessions), 1)
            plan = _plan(session, now=now, russian_share=russian_share)
            if not plan or _matches(session, plan):
                continue
            with_certificates = is_past and session != past_sessions[-1]
            written += _write(session, plan, people, with_certificates=with_certificates)
        # Bulk writes bypass the services that keep the dashboard's tallies (the certificate demo's
        # registration too): count them again from the rows.
        rebuild_report_tallies(sessions=[*sessions, *past])
    return DashboardDemoResult(sessions=past, registrations=written)


def _upsert_past_session(series: Series, zone: zoneinfo.ZoneInfo, today: dt.date, data: dict) -> Session:
    day = today - dt.timedelta(days=data["days_ago"])
    starts_at = dt.datetime.combine(day, dt.time(13, 0), tzinfo=zone).astimezone(dt.UTC)
    opens_at = dt.datetime.combine(day - dt.timedelta(days=REGISTRATION_DAYS), dt.time(9, 0), tzinfo=zone)
    session, _created = Session.objects.update_or_create(
        slug=data["slug"],
        defaults={
            "series": series,
            "title_en": data["title_en"],
            "title_ru": data["title_ru"],
            "summary_en": data["summary_en"],
            "summary_ru": data["summary_ru"],
            "description_en": "",
            "description_ru": "",
            "starts_at": starts_at,
            "ends_at": starts_at + dt.timedelta(minutes=data["minutes"]),
            "timezone": SERIES_ZONE,
            "floor_language": "en",
            "interpretation_languages": ["ru"],
            "capacity": data["capacity"],
            "registration_opens_at": opens_at.astimezone(dt.UTC),
            "registration_closes_at": None,
            "status": Session.Status.PUBLISHED,
            "join_url": "",
            "recording_url": "",
        },
    )
    session.full_clean()
    speakers = Speaker.objects.in_bulk(data["speakers"], field_name="slug")
    session.speaker_links.exclude(speaker__slug__in=data["speakers"]).delete()
    for order, slug in enumerate(data["speakers"]):
        role = SessionSpeaker.Role.MODERATOR if order == 0 else SessionSpeaker.Role.SPEAKER
        SessionSpeaker.objects.update_or_create(
            session=session, speaker=speakers[slug], defaults={"role": role, "order": order}
        )
    return session


@dataclasses.dataclass(frozen=True)
class Person:
    user_id: int
    country: str
    profession: str
    name_index: int


def _ensure_people() -> list[Person]:
    """The demo users, created when missing; their answers are drawn once, from a fixed seed."""
    user_model = get_user_model()
    emails = [EMAIL_PATTERN.format(number) for number in range(1, PEOPLE + 1)]
    existing = set(user_model.objects.filter(username__in=emails).values_list("username", flat=True))
    user_model.objects.bulk_create(
        [user_model(username=email, email=email, password="!demo") for email in emails if email not in existing],  # noqa: S106 (an unusable password)
        batch_size=500,
    )
    ids = dict(user_model.objects.filter(username__in=emails).values_list("username", "pk"))
    rng = random.Random("decoded-dashboard-people")  # noqa: S311 (demo data, not security)
    countries, country_weights = zip(*COUNTRIES.items(), strict=True)
    professions, profession_weights = zip(*PROFESSIONS.items(), strict=True)
    return [
        Person(
            user_id=ids[email],
            country=rng.choices(countries, country_weights)[0],
            profession=str(rng.choices(professions, profession_weights)[0]),
            name_index=rng.randrange(60),
        )
        for email in emails
    ]


def _plan(session: Session, *, now: dt.datetime, russian_share: float) -> list[PlannedRegistration]:
    """Who registers when, and what becomes of them: a small simulation of the waitlist rules."""
    rng = random.Random(f"decoded-dashboard-{session.slug}")  # noqa: S311 (demo data, not security)
    opens = session.registration_opens_at or session.starts_at - dt.timedelta(days=REGISTRATION_DAYS)
    ends = min(session.starts_at, now)
    if ends <= opens:
        return []
    span_days = (session.starts_at - opens).total_seconds() / 86400
    if session.ends_at <= now:
        demand = next((data["demand"] for data in PAST_SESSIONS if data["slug"] == session.slug), FIRST_SESSION_DEMAND)
    else:
        # The whole registration period's demand, of which those registered by `now` are in the
        # plan: a later run only adds people and never draws a different crowd.
        demand = int(UPCOMING_DEMAND_PER_DAY * span_days)
    plan = []
    for person in rng.sample(range(PEOPLE), min(demand, PEOPLE)):
        # A rush after the announcement, a steady middle, and a rise in the last days (reminders).
        shape = rng.random()
        if shape < 0.4:  # noqa: PLR2004 (the shape's shares, read together)
            day = min(rng.expovariate(1 / 2.5), span_days)
        elif shape < 0.8:  # noqa: PLR2004
            day = rng.uniform(0, span_days)
        else:
            day = span_days - min(rng.expovariate(1 / 3), span_days)
        registered_at = opens + dt.timedelta(days=day)
        # Drawn before the cut-off, for everyone: the generator's sequence then never depends on `now`.
        language = "ru" if rng.random() < russian_share else "en"
        if registered_at >= ends:
            continue
        plan.append(PlannedRegistration(person=person, language=language, registered_at=registered_at))
    plan.sort(key=lambda item: (item.registered_at, item.person))
    _simulate_places(session, plan, rng, now=now)
    if session.ends_at <= now:
        _simulate_attendance(session, plan, rng)
    return plan


def _simulate_places(session: Session, plan: list[PlannedRegistration], rng: random.Random, *, now: dt.datetime):
    """Confirm or waitlist in order of registration; about 8 % cancel later, and a freed place goes
    to the first person waiting, as `registrations.services` does, until two hours before."""
    events = [(item.registered_at, 0, index) for index, item in enumerate(plan)]
    for index, item in enumerate(plan):
        if rng.random() < 0.08:  # noqa: PLR2004 (about 8 % cancel)
            cancel_at = item.registered_at + (session.starts_at - item.registered_at) * rng.random()
            if cancel_at < now:
                events.append((cancel_at, 1, index))
    events.sort()
    confirmed, waiting = 0, deque()
    for moment, kind, index in events:
        item = plan[index]
        if kind == 0:
            if session.capacity is None or confirmed < session.capacity:
                item.confirmed_at, confirmed = moment, confirmed + 1
            else:
                item.status, item.waitlisted_at = Registration.Status.WAITLISTED, moment
                waiting.append(index)
            continue
        was_confirmed = item.status == Registration.Status.CONFIRMED
        item.status, item.cancelled_at = Registration.Status.CANCELLED, moment
        if not was_confirmed:
            waiting.remove(index)
            continue
        confirmed -= 1
        if waiting and moment < session.starts_at - PROMOTION_CUTOFF:
            promoted = plan[waiting.popleft()]
            promoted.status, promoted.confirmed_at = Registration.Status.CONFIRMED, moment
            confirmed += 1


def _simulate_attendance(session: Session, plan: list[PlannedRegistration], rng: random.Random) -> None:
    """About 60 % of confirmed places attend; most stay for most of the session, some leave early."""
    length = session.duration_minutes
    for item in plan:
        if item.status != Registration.Status.CONFIRMED or rng.random() > 0.6:  # noqa: PLR2004
            continue
        if rng.random() < 0.78:  # noqa: PLR2004
            item.minutes = rng.randint(math.ceil(length * 0.6), length)
        else:
            item.minutes = rng.randint(3, math.ceil(length * 0.5) - 1)


def _demo_registrations(session: Session):
    return Registration.objects.filter(
        session=session, user__username__startswith=EMAIL_PREFIX, user__username__endswith=EMAIL_SUFFIX
    )


def _matches(session: Session, plan: list[PlannedRegistration]) -> bool:
    """Whether the stored demo registrations are this plan (same count, same first and last times)."""
    stored = list(_demo_registrations(session).order_by("created_at", "pk").values_list("created_at", flat=True))
    return len(stored) == len(plan) and stored[0] == plan[0].registered_at and stored[-1] == plan[-1].registered_at


def _write(session: Session, plan: list[PlannedRegistration], people: list[Person], *, with_certificates: bool) -> int:
    stale = _demo_registrations(session)
    Certificate.objects.filter(registration__in=stale).delete()
    stale.delete()  # attendance rows go with them; audit entries (none for demo rows) keep a null link
    rng = random.Random(f"decoded-dashboard-rows-{session.slug}")  # noqa: S311 (demo data, not security)
    rows = []
    for item in plan:
        person = people[item.person]
        names = NAMES[item.language]
        rows.append(
            Registration(
                session=session,
                user_id=person.user_id,
                public_id="demo" + "".join(rng.choices("abcdefghijkmnpqrstuvwxyz23456789", k=16)),
                token_salt=f"{rng.getrandbits(128):032x}",
                status=item.status,
                full_name=names[person.name_index % len(names)],
                organisation="Example Health Organisation",
                profession=person.profession,
                country=person.country,
                language=item.language,
                privacy_notice_version="demo",
                privacy_consent_at=item.registered_at,
                confirmed_at=item.confirmed_at,
                waitlisted_at=item.waitlisted_at,
                cancelled_at=item.cancelled_at,
            )
        )
    created = Registration.objects.bulk_create(rows, batch_size=500)
    # created_at is auto_now_add: bulk_create stamped "now"; the registration time is the consent time.
    _demo_registrations(session).update(created_at=F("privacy_consent_at"))
    Attendance.objects.bulk_create(
        [
            Attendance(registration=registration, source=ATTENDANCE_SOURCE, minutes=item.minutes)
            for registration, item in zip(created, plan, strict=True)
            if item.minutes
        ],
        batch_size=500,
    )
    if with_certificates:
        needed = math.ceil(session.duration_minutes / 2)
        session_date = session.starts_at.astimezone(session.zoneinfo).date()
        Certificate.objects.bulk_create(
            [
                Certificate(
                    registration=registration,
                    code="".join(rng.choices(CODE_ALPHABET, k=CODE_LENGTH)),
                    language=registration.language,
                    printed_name=registration.full_name,
                    printed_title=session.title_ru if registration.language == "ru" else session.title_en,
                    session_date=session_date,
                    minutes=item.minutes,
                )
                for registration, item in zip(created, plan, strict=True)
                if item.minutes and item.minutes >= needed
            ],
            batch_size=500,
        )
    refresh_report_flags(_demo_registrations(session).values("pk"))
    return len(created)
