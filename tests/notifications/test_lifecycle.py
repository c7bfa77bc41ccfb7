"""A session's life, told through the real outbox: reminders, reschedules, cancellation, follow-ups."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from events.models import Session
from registrations.models import Profile
from registrations.outbox_delivery import dispatch_due_messages
from registrations.outbox_models import OutboxMessage
from registrations.services import cancel_registration
from registrations.session_changes import cancel_session, notify_session_changed
from tests.factories import SessionFactory, SessionMaterialFactory
from tests.notifications.conftest import START, register, sent_to

pytestmark = pytest.mark.django_db(transaction=True)  # after-commit work runs for real

HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)


def dispatch_at(moment):
    with time_machine.travel(moment, tick=False):
        mail.outbox.clear()
        dispatch_due_messages()
        return list(mail.outbox)


def session_at_start(**kwargs):
    return SessionFactory(starts_at=START, ends_at=START + dt.timedelta(minutes=90), capacity=10, **kwargs)


def register_at(moment, session, **kwargs):
    with time_machine.travel(moment, tick=False):
        registration = register(session, **kwargs)
    mail.outbox.clear()
    return registration


def test_both_reminders_arrive_at_their_moments_and_not_before():
    session = session_at_start()
    registration = register_at(START - dt.timedelta(days=3), session, language="ru")
    Profile.objects.filter(user=registration.user).update(timezone="Asia/Almaty")

    before_day = dispatch_at(START - 24 * HOUR - MINUTE)
    day = dispatch_at(START - 24 * HOUR)
    again = dispatch_at(START - 24 * HOUR + MINUTE)
    before_hour = dispatch_at(START - HOUR - MINUTE)
    hour = dispatch_at(START - HOUR)

    assert (before_day, again, before_hour) == ([], [], [])
    assert [m.subject for m in day] == [f"Напоминание: «{session.title_ru}» начнётся через 24 часа"]
    assert [m.subject for m in hour] == [f"Напоминание: «{session.title_ru}» начнётся через 1 час"]
    text = hour[0].body
    assert f"https://decoded.example/j/{registration.join_token}" in text
    assert "четверг, 18 июля 2030\u202fг., 13:00–14:30 (Центральная Европа, летнее время)" in text
    assert "четверг, 18 июля 2030\u202fг., 16:00–17:30" in text  # Almaty, the registrant's own zone
    assert hour[0].calendar_invite.method == "REQUEST"
    assert hour[0].extra_headers["Auto-Submitted"] == "auto-generated"
    assert "List-Unsubscribe" not in hour[0].extra_headers
    assert OutboxMessage.objects.filter(registration=registration, status="sent").count() == 2


def test_registration_after_the_day_moment_gets_only_the_hour_reminder():
    session = session_at_start()
    registration = register_at(START - 20 * HOUR, session, language="en")

    dispatch_at(START - 20 * HOUR + MINUTE)
    hour = dispatch_at(START - HOUR)

    assert [m.subject for m in hour] == [f"Reminder: {session.title_en} starts in 1 hour"]
    assert list(OutboxMessage.objects.filter(registration=registration).values_list("slot", flat=True)) == ["r0:60"]


def test_registration_made_in_the_last_hour_gets_no_reminder():
    session = session_at_start()
    register_at(START - 50 * MINUTE, session)

    assert dispatch_at(START - 40 * MINUTE) == []
    assert OutboxMessage.objects.count() == 0


def test_cancelled_registration_gets_no_reminder():
    session = session_at_start()
    registration = register_at(START - dt.timedelta(days=3), session)
    dispatch_at(START - dt.timedelta(days=2))  # plans both reminders
    with time_machine.travel(START - dt.timedelta(days=2), tick=False):
        cancel_registration(registration=registration, actor=registration.user)

    assert dispatch_at(START - 24 * HOUR) == []
    assert dispatch_at(START - HOUR) == []
    assert list(OutboxMessage.objects.values_list("slot", "status", "skip_reason").order_by("due_at")) == [
        ("r0:1440", "skipped", "registration_cancelled"),
        ("r0:60", "skipped", "registration_cancelled"),
    ]


def move(session, delta, at):
    mail.outbox.clear()
    with time_machine.travel(at, tick=False):
        session.starts_at += delta
        session.ends_at += delta
        session.save()
        notify_session_changed(session=session, changed={"starts_at", "ends_at"})
    notices = list(mail.outbox)
    mail.outbox.clear()
    return notices


def test_small_reschedule_moves_waiting_reminders_and_does_not_repeat_sent_ones():
    session = session_at_start()
    registration = register_at(START - dt.timedelta(days=3), session, language="en")
    assert len(dispatch_at(START - 24 * HOUR)) == 1

    notices = move(session, 3 * HOUR, at=START - 20 * HOUR)

    assert [m.subject for m in notices] == [f"Session updated: {session.title_en}"]
    assert dispatch_at(START + 3 * HOUR - 24 * HOUR) == []  # the day reminder is not repeated
    assert dispatch_at(START + 2 * HOUR - MINUTE) == []  # the hour reminder moved with the session
    hour = dispatch_at(START + 2 * HOUR)
    assert [m.subject for m in hour] == [f"Reminder: {session.title_en} starts in 1 hour"]
    assert OutboxMessage.objects.filter(registration=registration, kind="reminder", status="sent").count() == 2


def test_reschedule_by_more_than_a_day_sends_the_reminders_again():
    session = session_at_start()
    register_at(START - dt.timedelta(days=3), session, language="en")
    assert len(dispatch_at(START - 24 * HOUR)) == 1

    new_start = START + dt.timedelta(days=7)
    move(session, dt.timedelta(days=7), at=START - 20 * HOUR)

    assert dispatch_at(START - HOUR) == []  # the old hour reminder is gone
    day = dispatch_at(new_start - 24 * HOUR)
    hour = dispatch_at(new_start - HOUR)
    assert [m.subject for m in day + hour] == [
        f"Reminder: {session.title_en} starts in 24 hours",
        f"Reminder: {session.title_en} starts in 1 hour",
    ]


def test_cancelling_the_session_tells_everyone_and_stops_reminders(django_user_model):
    session = SessionFactory(starts_at=START, ends_at=START + dt.timedelta(minutes=90), capacity=1)
    confirmed = register_at(START - dt.timedelta(days=3), session, language="ru")
    waiting = register_at(START - dt.timedelta(days=3), session, language="en")
    dispatch_at(START - dt.timedelta(days=2))
    organiser = django_user_model.objects.create(username="organiser", is_staff=True)

    with time_machine.travel(START - dt.timedelta(days=2), tick=False):
        told = cancel_session(session=session, actor=organiser, note="The speakers are ill.")
    notices = list(mail.outbox)

    assert told == 2
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED
    [to_confirmed] = sent_to(notices, confirmed)
    [to_waiting] = sent_to(notices, waiting)
    assert to_confirmed.subject == f"Сессия отменена: {session.title_ru}"
    assert to_confirmed.calendar_invite.method == "CANCEL"
    assert to_waiting.subject == f"Session cancelled: {session.title_en}"
    assert to_waiting.calendar_invite is None
    assert "The speakers are ill." in to_waiting.body
    assert dispatch_at(START - 24 * HOUR) == []
    assert dispatch_at(START - HOUR) == []


def test_follow_ups_thank_attendees_and_send_absentees_the_recording(django_user_model):
    from registrations.attendance_models import Attendance  # noqa: PLC0415
    from registrations.outbox import plan_follow_ups  # noqa: PLC0415
    from registrations.outbox_models import SessionNotificationSettings  # noqa: PLC0415

    session = session_at_start(recording_url="https://video.example/recording-1")
    SessionMaterialFactory(session=session, title_en="Slides", url="https://decoded.example/slides.pdf")
    SessionNotificationSettings.objects.create(session=session, feedback_url="https://forms.example/feedback")
    attendee = register_at(START - dt.timedelta(days=3), session, language="en")
    absentee = register_at(START - dt.timedelta(days=3), session, language="ru")
    Attendance.objects.create(registration=attendee, source="zoom", minutes=80)
    organiser = django_user_model.objects.create(username="organiser", is_staff=True)

    with time_machine.travel(START + 2 * HOUR, tick=False):
        mail.outbox.clear()
        plan_follow_ups(session=session, actor=organiser)
        plan_follow_ups(session=session, actor=organiser)  # twice: still once each
    emails = list(mail.outbox)

    [thanks] = sent_to(emails, attendee)
    [missed] = sent_to(emails, absentee)
    assert thanks.subject == f"Thank you for attending: {session.title_en}"
    assert "https://video.example/recording-1" in thanks.body
    assert "Slides: https://decoded.example/slides.pdf" in thanks.body
    assert "https://forms.example/feedback" in thanks.body
    assert missed.subject == f"Запись и материалы: {session.title_ru}"
    assert "https://video.example/recording-1" in missed.body
    assert "https://forms.example/feedback" not in missed.body
    assert len(emails) == 2


def test_follow_ups_go_out_by_themselves_after_the_series_delay():
    session = session_at_start()
    register_at(START - dt.timedelta(days=3), session, language="en")

    assert [m.subject for m in dispatch_at(START + 47 * HOUR)] == []
    later = dispatch_at(START + dt.timedelta(minutes=90) + 48 * HOUR)
    assert [m.subject for m in later] == [f"Recording and materials: {session.title_en}"]
    assert dispatch_at(START + 60 * HOUR) == []
