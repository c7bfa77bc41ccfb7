"""Demo data for attendance and certificates: for `manage.py load_demo` (events/demo.py).

`load_certificate_demo(session=…)` gives a past session a demo attendee (Russian-speaking, with a
profile name), imports a Zoom attendee report for it through the real import service, and issues
the certificate synchronously (no worker needed in `make run`). Safe to run again.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from events.models import Session
from registrations.attendance.services import import_attendance_report
from registrations.certificate_models import Certificate
from registrations.certificate_services import issue_certificate
from registrations.models import Profile, Registration

DEMO_ATTENDEE_EMAIL = "attendee@decoded.example"
DEMO_ATTENDEE_NAME = "Анна Петрова"


def build_demo_zoom_report(session: Session, email: str) -> bytes:
    """A Zoom webinar attendee report for `session`: one attendee who rejoined, times in its zone."""
    zone = session.zoneinfo
    start = session.starts_at.astimezone(zone)
    end = session.duration_minutes

    def stamp(minutes: int) -> str:
        return (start + dt.timedelta(minutes=minutes)).strftime("%m/%d/%Y %I:%M:%S %p")

    lines = [
        "Attendee Report",
        f'Report Generated:,"{stamp(120)}"',
        "Topic,Webinar ID,Actual Start Time,Actual Duration (minutes),# Registered",
        f'"{session.title_en}",000 0000 0000,"{stamp(-5)}",{session.duration_minutes + 5},1',
        "Attendee Details,",
        "Attended,First Name,Last Name,Email,Join Time,Leave Time,Time in Session (minutes),Is Guest",
        f'Yes,Анна,Петрова,{email},"{stamp(-2)}","{stamp(40)}",42,No',
        f'Yes,Анна,Петрова,{email},"{stamp(38)}","{stamp(end)}",{end - 38},No',
    ]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def load_certificate_demo(*, session: Session) -> Certificate | None:
    """The demo attendee's certificate for a past `session` (None for a session not yet over)."""
    if session.ends_at > timezone.now():
        return None
    user, _created = get_user_model().objects.get_or_create(
        username=DEMO_ATTENDEE_EMAIL, defaults={"email": DEMO_ATTENDEE_EMAIL}
    )
    Profile.objects.update_or_create(user=user, defaults={"full_name": DEMO_ATTENDEE_NAME, "language": "ru"})
    registration = Registration.objects.active().filter(session=session, user=user).first()
    if registration is None:
        registration = Registration.objects.create(
            session=session,
            user=user,
            status=Registration.Status.CONFIRMED,
            full_name=DEMO_ATTENDEE_NAME,
            language="ru",
            privacy_notice_version="demo",
            privacy_consent_at=session.starts_at - dt.timedelta(days=7),
            confirmed_at=session.starts_at - dt.timedelta(days=7),
        )
    import_attendance_report(
        session=session,
        source="zoom",
        content=build_demo_zoom_report(session, DEMO_ATTENDEE_EMAIL),
        zone=session.timezone,
        actor=None,
    )
    return issue_certificate(registration=registration)
