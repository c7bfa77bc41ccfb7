"""Bench data in the scratch database, run in the production environment by bench/run.py.

    python bench/bench_data.py OUT.json

Creates the series with 500 public sessions (3 speakers each, 50 speakers; 300 past, 200
upcoming) for the public pages and the series feed; the rush session (1,000 places) with 3,000
signed-in, email-verified people (users, verified addresses, sessions and allauth's records of
them made directly, the equivalent of a forced login); and a past session with 3,000 confirmed
registrations who attended, for the certificates. Writes the rush clients' cookies and form
stamp to OUT.json.
"""

import datetime as dt
import json
import os
import secrets
import sys
import time
from importlib import import_module
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

SESSIONS, SPEAKERS, PAST = 500, 50, 300
RUSH_PEOPLE, RUSH_CAPACITY, CERTIFICATE_PEOPLE = 3000, 1000, 3000
FORM_SHOWN_SECONDS_BEFORE = 30


def main(out: str) -> None:
    import django  # noqa: PLC0415

    django.setup()
    from allauth.account.models import EmailAddress  # noqa: PLC0415
    from allauth.usersessions.models import UserSession  # noqa: PLC0415
    from django.conf import settings  # noqa: PLC0415
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from events.models import Series, Session, SessionSpeaker, Speaker  # noqa: PLC0415
    from registrations.antiabuse import make_form_stamp  # noqa: PLC0415
    from registrations.attendance_models import Attendance, AttendanceSource  # noqa: PLC0415
    from registrations.ip_privacy import pseudonymise_ip  # noqa: PLC0415
    from registrations.models import Registration  # noqa: PLC0415
    from registrations.usersessions import SEEN_AT_SESSION_KEY  # noqa: PLC0415

    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    series = Series.objects.create(
        slug="bench", title_en="Decoding data and digital health",
        title_ru="Расшифровка данных и цифрового здравоохранения",
        organiser_name_en="Regional Health Agency", reply_to_email="webinars@agency.example",
    )
    speakers = Speaker.objects.bulk_create(
        Speaker(slug=f"bench-speaker-{n}", name_en=f"Speaker Number{n}", name_ru=f"Докладчик Номер{n}",
                position_en="Chief information security officer", organisation_en="Health agency", bio_en="Bio. " * 40)
        for n in range(SPEAKERS)
    )
    sessions = Session.objects.bulk_create(
        Session(
            series=series, slug=f"bench-session-{n}", title_en=f"Session {n} on health data",
            title_ru=f"Сессия {n} о данных здравоохранения", summary_en="What every health organisation should know.",
            description_en="Data encryption, access controls and network security. " * 20,
            starts_at=now + dt.timedelta(days=n - PAST), ends_at=now + dt.timedelta(days=n - PAST, minutes=90),
            interpretation_languages=["ru"], status=Session.Status.PUBLISHED, join_url=f"https://meet.example.org/j/{n}",
        )
        for n in range(SESSIONS)
    )
    SessionSpeaker.objects.bulk_create(
        SessionSpeaker(session=session, speaker=speakers[(index + offset) % SPEAKERS], order=offset)
        for index, session in enumerate(sessions) for offset in range(3)
    )
    rush = Session.objects.create(
        series=series, slug="rush", title_en="Cybersecurity in health care", summary_en="The rush.",
        starts_at=now + dt.timedelta(days=10, hours=3), ends_at=now + dt.timedelta(days=10, hours=4, minutes=30),
        capacity=RUSH_CAPACITY, status=Session.Status.PUBLISHED, join_url="https://meet.example.org/j/rush",
    )
    certified = Session.objects.create(
        series=series, slug="certified", title_en="Data encryption for hospitals", title_ru="Шифрование данных в больницах",
        summary_en="Past.", starts_at=now - dt.timedelta(days=2), ends_at=now - dt.timedelta(days=2) + dt.timedelta(minutes=90),
        status=Session.Status.PUBLISHED, join_url="https://meet.example.org/j/past",
    )

    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        user_model(username=f"rush{i}", email=f"rush{i}@health.example") for i in range(RUSH_PEOPLE + CERTIFICATE_PEOPLE)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
    )
    # The equivalent of a forced login per rush attendee: a session saved through the configured
    # engine (the database and, with cached_db, the cache), and allauth's record of it (its
    # user_logged_in receiver makes one at every sign-in; ours notes it in the session).
    store_class, clients, user_sessions = import_module(settings.SESSION_ENGINE).SessionStore, [], []
    for index, user in enumerate(users[:RUSH_PEOPLE]):
        store = store_class()
        store.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                      HASH_SESSION_KEY: user.get_session_auth_hash(), SEEN_AT_SESSION_KEY: time.time()})
        store.create()
        ip = f"10.{index // 65536}.{index // 256 % 256}.{index % 256}"
        user_sessions.append(UserSession(user=user, session_key=store.session_key, ip=pseudonymise_ip(ip)))
        clients.append({"session": store.session_key, "csrf": secrets.token_hex(16), "ip": ip})
    UserSession.objects.bulk_create(user_sessions)

    registrations = Registration.objects.bulk_create(
        Registration(
            session=certified, user=user, status="confirmed", full_name=f"Person Number{i}",
            language="ru" if i % 2 else "en", privacy_notice_version="2026-11", privacy_consent_at=now, confirmed_at=now,
        )
        for i, user in enumerate(users[RUSH_PEOPLE:])
    )
    Attendance.objects.bulk_create(
        Attendance(registration=registration, source=AttendanceSource.MANUAL, minutes=80, reason="bench")
        for registration in registrations
    )
    # The rush's POSTs go out as soon as the server is up, but a person sends the form some time
    # after it was shown (and the server refuses it sooner than REGISTRATION_MIN_FILL_SECONDS): the
    # stamp says the form was shown FORM_SHOWN_SECONDS_BEFORE before this data was written.
    stamp = make_form_stamp(shown_at=time.time() - FORM_SHOWN_SECONDS_BEFORE)
    Path(out).write_text(json.dumps({"clients": clients, "stamp": stamp, "rush": rush.slug, "certified": certified.pk}))


if __name__ == "__main__":
    main(sys.argv[1])
