"""Data and actions of the fault drills, run by bench/drills.py in the drill's environment.

    python bench/drill_data.py certificates N OUT.json   past session, N attendees (80 of 90 minutes)
    python bench/drill_data.py request-certificates PK   the organiser's "issue certificates"
    python bench/drill_data.py reminders N OUT.json      session in 50 minutes, N confirmed registrants
                                                         planned for its 1-hour reminder
    python bench/drill_data.py rush PEOPLE PLACES OUT.json   bench_data's rush session and signed-in people
    python bench/drill_data.py texts OUT.json            the "try again" page's title in EN and RU

The certificate and rush data come from bench/bench_data.py (same people, sessions and cookies as
`make bench`), only smaller. No automatic follow-ups are planned in these series, so the SMTP
server of a drill receives only the mail the drill is about.
"""

import datetime as dt
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def bench_data(out: str, *, rush_people: int = 0, rush_places: int = 0, certificate_people: int = 0) -> dict:
    from bench import bench_data as data  # noqa: PLC0415

    data.SESSIONS, data.SPEAKERS, data.PAST = 0, 1, 0
    data.RUSH_PEOPLE, data.RUSH_CAPACITY, data.CERTIFICATE_PEOPLE = rush_people, rush_places, certificate_people
    data.main(out)  # calls django.setup()
    from events.models import Series  # noqa: PLC0415
    from registrations.outbox_models import SeriesNotificationSettings  # noqa: PLC0415

    SeriesNotificationSettings.objects.update_or_create(
        series=Series.objects.get(slug="bench"), defaults={"follow_up_delay_hours": None}
    )
    return json.loads(Path(out).read_text())


def reminders(count: int, out: str) -> None:
    import django  # noqa: PLC0415

    django.setup()
    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from events.models import Series, Session  # noqa: PLC0415
    from registrations.models import Registration  # noqa: PLC0415
    from registrations.outbox_models import SeriesNotificationSettings  # noqa: PLC0415

    now = timezone.now()
    series = Series.objects.create(
        slug="drill",
        title_en="Decoding data and digital health",
        organiser_name_en="Regional Health Agency",
        reply_to_email="webinars@agency.example",
    )
    # One reminder an hour before; the session starts in 50 minutes, so it is due now and not stale.
    SeriesNotificationSettings.objects.create(series=series, reminder_offsets=[60], follow_up_delay_hours=None)
    start = (now + dt.timedelta(minutes=50)).replace(microsecond=0)
    session = Session.objects.create(
        series=series,
        slug="reminded",
        title_en="Cybersecurity in health care",
        summary_en="Drill.",
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=90),
        status=Session.Status.PUBLISHED,
        join_url="https://meet.example.org/j/drill",
    )
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"reminded{i}", email=f"reminded{i}@health.example") for i in range(count)
    )
    earlier = now - dt.timedelta(days=2)
    Registration.objects.bulk_create(
        Registration(
            session=session,
            user=user,
            status="confirmed",
            full_name=f"Person Number{i}",
            language="ru" if i % 2 else "en",
            privacy_notice_version="2026-11",
            privacy_consent_at=earlier,
            confirmed_at=earlier,
        )
        for i, user in enumerate(users)
    )
    Path(out).write_text(json.dumps({"session": session.pk}))


def request_certificates(session_pk: int) -> None:
    import django  # noqa: PLC0415

    django.setup()
    from events.models import Session  # noqa: PLC0415
    from registrations.certificate_services import request_certificates as request  # noqa: PLC0415

    print(request(session=Session.objects.get(pk=session_pk), actor=None))


def texts(out: str) -> None:
    import django  # noqa: PLC0415

    django.setup()
    from django.utils import translation  # noqa: PLC0415

    titles = {}
    for language in ("en", "ru"):
        with translation.override(language):
            titles[language] = translation.gettext("Please try again in a moment")
    Path(out).write_text(json.dumps(titles, ensure_ascii=False))


def main(argv: list[str]) -> None:
    match argv:
        case ["certificates", count, out]:
            bench_data(out, certificate_people=int(count))
        case ["request-certificates", session_pk]:
            request_certificates(int(session_pk))
        case ["reminders", count, out]:
            reminders(int(count), out)
        case ["rush", people, places, out]:
            bench_data(out, rush_people=int(people), rush_places=int(places))
        case ["texts", out]:
            texts(out)
        case _:
            raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
