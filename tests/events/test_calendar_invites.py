"""Email invites, read from the real outbox: REQUEST → rescheduled REQUEST → CANCEL, part by part."""

import datetime as dt

import pytest
from django.core import mail

from events.models import Session
from registrations.calendar_tasks import send_session_change_email
from registrations.services import cancel_registration, find_by_join_token, register_attendee
from registrations.session_changes import notify_session_changed
from tests.events.icalcheck import assert_rfc5545_form, read_events, unfolded_lines, utc
from tests.factories import SessionFactory, SessionSpeakerFactory, UserFactory, attendee_details

pytestmark = pytest.mark.django_db(transaction=True)  # emails are sent after commit, for real

HOST = "127.0.0.1"


def register(session, *, language="ru", user=None):
    return register_attendee(
        session=session, user=user or UserFactory(), details=attendee_details(language=language)
    ).registration


def invite_parts(message):
    """(inline text/calendar part, invite.ics attachment part) of a sent message, checking the tree."""
    mime = message.message()
    assert mime.get_content_type() == "multipart/mixed"
    alternative, attachment = mime.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.get_payload()] == ["text/plain", "text/html", "text/calendar"]
    inline = alternative.get_payload()[2]
    assert inline.get_content_disposition() is None
    assert (attachment.get_content_type(), attachment.get_filename()) == ("application/ics", "invite.ics")
    assert attachment.get_content_disposition() == "attachment"
    assert inline.get_payload(decode=True) == attachment.get_payload(decode=True)
    return inline, attachment


def read_invite(message, method):
    inline, _attachment = invite_parts(message)
    assert inline.get_param("method") == method
    assert inline.get_content_charset() == "utf-8"
    assert inline["Content-Transfer-Encoding"] == "base64"
    content = inline.get_payload(decode=True)
    assert_rfc5545_form(content)
    assert f"METHOD:{method}" in unfolded_lines(content)
    [events] = read_events(content)
    [event] = events
    return event, content


def test_invite_lifecycle_request_reschedule_cancel():
    session = SessionFactory(capacity=10)
    SessionSpeakerFactory(session=session)
    registration = register(session, language="ru")
    [confirmation] = mail.outbox

    first, _content = read_invite(confirmation, "REQUEST")

    uid = f"decoded-{session.pk}@{HOST}"
    assert first == {
        "uid": uid,
        "sequence": 0,
        "status": "CONFIRMED",
        "start": utc(session.starts_at),
        "end": utc(session.ends_at),
    }

    session.starts_at += dt.timedelta(hours=1)
    session.ends_at += dt.timedelta(hours=1)
    session.save()
    notify_session_changed(session=session, changed={"starts_at", "ends_at"})
    update = mail.outbox[1]
    moved, _content = read_invite(update, "REQUEST")

    assert moved == {
        "uid": uid,
        "sequence": 1,
        "status": "CONFIRMED",
        "start": utc(session.starts_at),
        "end": utc(session.ends_at),
    }
    assert update.subject == f"Изменения в сессии: {session.title_ru}"

    session.status = Session.Status.CANCELLED
    session.save()
    notify_session_changed(session=session, changed={"status"})
    cancellation = mail.outbox[2]
    cancelled, cancel_content = read_invite(cancellation, "CANCEL")

    assert cancelled == {**moved, "sequence": 2, "status": "CANCELLED"}
    assert cancellation.subject == f"Сессия отменена: {session.title_ru}"
    assert registration.join_token.encode() not in cancel_content.replace(b"\r\n ", b"")
    assert len(mail.outbox) == 3


def test_request_names_the_no_reply_organiser_and_the_attendee():
    session = SessionFactory()
    registration = register(session, language="en")

    _event, content = read_invite(mail.outbox[0], "REQUEST")

    from icalendar import Calendar

    event = Calendar.from_ical(content).events[0]
    organizer, attendee = event["ORGANIZER"], event["ATTENDEE"]
    assert str(organizer) == "mailto:no-reply@decoded.example"
    assert organizer.params["CN"] == "Regional Health Agency"
    assert str(attendee) == f"mailto:{registration.user.email}"
    assert dict(attendee.params) == {
        "CN": "Aigerim Sadykova",
        "CUTYPE": "INDIVIDUAL",
        "ROLE": "REQ-PARTICIPANT",
        "PARTSTAT": "ACCEPTED",
        "RSVP": "FALSE",
    }
    join_link = str(event["LOCATION"])
    assert join_link == f"http://127.0.0.1:8000/j/{registration.join_token}"
    assert find_by_join_token(join_link.rsplit("/", 1)[1]).pk == registration.pk
    assert join_link in str(event["DESCRIPTION"])
    assert session.join_url not in content.decode()
    assert str(event["SUMMARY"]) == session.title_en


def test_request_is_in_the_registrants_language():
    session = SessionFactory()
    register(session, language="ru")

    from icalendar import Calendar

    _event, content = read_invite(mail.outbox[0], "REQUEST")
    event = Calendar.from_ical(content).events[0]

    assert str(event["SUMMARY"]) == session.title_ru
    assert event["ORGANIZER"].params["CN"] == "Региональное агентство здравоохранения"
    assert str(event["URL"]) == f"http://127.0.0.1:8000/ru/sessions/{session.slug}/"


def test_own_cancellation_sends_cancel_with_a_higher_sequence_and_registering_again_goes_higher():
    session = SessionFactory()
    user = UserFactory()
    first = register(session, user=user)
    cancel_registration(registration=first, actor=user)
    register(session, user=user)

    request, _ = read_invite(mail.outbox[0], "REQUEST")
    cancel, _ = read_invite(mail.outbox[1], "CANCEL")
    again, _ = read_invite(mail.outbox[2], "REQUEST")

    assert [request["sequence"], cancel["sequence"], again["sequence"]] == [0, 1, 2]
    assert cancel["status"] == "CANCELLED"
    assert request["uid"] == cancel["uid"] == again["uid"]


def test_waitlist_email_has_no_invite_and_promotion_has_one():
    session = SessionFactory(capacity=1)
    holder = register(session)
    waiting = register(session)
    cancel_registration(registration=holder, actor=holder.user)

    waitlisted = mail.outbox[1]
    to_waiting = [f"Aigerim Sadykova <{waiting.user.email}>"]
    promoted = next(m for m in mail.outbox if m.to == to_waiting and m is not waitlisted)

    assert [p.get_content_type() for p in waitlisted.message().walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]
    event, _ = read_invite(promoted, "REQUEST")
    assert event["sequence"] == 0


def test_change_that_calendars_do_not_show_sends_nothing():
    session = SessionFactory()
    register(session)
    mail.outbox.clear()

    result = notify_session_changed(session=session, changed={"title_en", "summary_ru"})

    session.refresh_from_db()
    assert (result, session.sequence, mail.outbox) == (None, 0, [])


def test_every_registrant_gets_the_update_in_their_language_and_only_confirmed_ones_an_invite():
    session = SessionFactory(capacity=2)
    english, russian = register(session, language="en"), register(session, language="ru")
    waiting = register(session, language="en")  # waitlisted: told too (issue 6), without an invite
    mail.outbox.clear()

    session.ends_at += dt.timedelta(minutes=30)
    session.save()
    notify_session_changed(session=session, changed={"ends_at"})

    subjects = sorted(
        (m.to[0].split("<")[1].rstrip(">"), m.subject, m.calendar_invite is not None) for m in mail.outbox
    )
    assert subjects == sorted(
        [
            (english.user.email, f"Session updated: {session.title_en}", True),
            (russian.user.email, f"Изменения в сессии: {session.title_ru}", True),
            (waiting.user.email, f"Session updated: {session.title_en}", False),
        ]
    )


def test_outdated_update_task_sends_nothing():
    session = SessionFactory()
    registration = register(session)
    mail.outbox.clear()
    Session.objects.filter(pk=session.pk).update(sequence=5)

    send_session_change_email.call(registration_id=registration.pk, sequence=4)

    assert mail.outbox == []
