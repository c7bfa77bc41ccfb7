"""Every outbox email in EN and RU: subject without personal data, never-ask line, both parts,
the right headers; and the one-click unsubscribe of organiser messages."""

import datetime as dt

import pytest
from django.core import mail

from registrations.models import Registration
from registrations.notification_emails import (
    build_follow_up_email,
    build_organiser_email,
    build_reminder_email,
    unsubscribe_token,
)
from registrations.outbox import audience_queryset, queue_organiser_message
from registrations.outbox_models import AnnouncementOptOut, OrganiserMessage
from registrations.session_changes import build_session_change_email
from tests.factories import RegistrationFactory, SessionFactory, SessionMaterialFactory

pytestmark = pytest.mark.django_db(transaction=True)

NEVER_ASK = (
    "We will never ask you for a password or other sensitive information by email.",
    "Мы никогда не просим по электронной почте пароли или другие конфиденциальные сведения.",
)


def organiser_message(session):
    return OrganiserMessage.objects.create(
        session=session, audience="confirmed", subject_en="Slides are online", subject_ru="Слайды опубликованы",
        body_en="The slides are on the session page.", body_ru="Слайды — на странице сессии.",
    )


def all_emails(registration):
    session = registration.session
    SessionMaterialFactory(session=session)
    yield "reminder", build_reminder_email(registration=registration, offset_minutes=1440)
    yield "reminder-minutes", build_reminder_email(registration=registration, offset_minutes=30)
    for attended in (True, False):
        yield f"follow-up-{attended}", build_follow_up_email(
            registration=registration, attended=attended, certified=False,
            materials=list(session.materials.all()), feedback_url="https://forms.example/f",
        )
    yield "updated", build_session_change_email(registration=registration)
    yield "organiser", build_organiser_email(registration=registration, organiser_message=organiser_message(session))
    session.status = "cancelled"
    yield "cancelled", build_session_change_email(registration=registration)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_email_keeps_personal_data_out_of_the_subject_and_says_we_never_ask(language):
    registration = RegistrationFactory(
        language=language, session=SessionFactory(recording_url="https://video.example/r")
    )

    for name, email in all_emails(registration):
        personal = [registration.full_name, registration.user.email, registration.public_id, registration.join_token]
        assert not any(value in email.subject for value in personal), name
        assert (registration.session.title_en if language == "en" else registration.session.title_ru) in (
            email.subject if name != "organiser" else registration.session.title
        ) or name == "organiser"
        html = email.alternatives[0].content
        for line in NEVER_ASK:
            assert line in email.body, name
            assert line in html, name
        assert email.extra_headers["Message-ID"].endswith("@decoded.example>"), name
        assert email.from_email == (
            "Regional Health Agency <no-reply@decoded.example>"
        ), name
        assert email.reply_to == ["webinars@agency.example"], name
        assert ("Auto-Submitted" in email.extra_headers) == (name != "organiser"), name
        assert ("List-Unsubscribe" in email.extra_headers) == (name == "organiser"), name


def test_russian_subjects_use_the_three_plural_forms():
    registration = RegistrationFactory(language="ru")
    title = registration.session.title_ru

    subjects = [
        build_reminder_email(registration=registration, offset_minutes=hours * 60).subject for hours in (1, 2, 5, 21)
    ]

    assert subjects == [
        f"Напоминание: «{title}» начнётся через 1 час",
        f"Напоминание: «{title}» начнётся через 2 часа",
        f"Напоминание: «{title}» начнётся через 5 часов",
        f"Напоминание: «{title}» начнётся через 21 час",
    ]


def test_organiser_message_goes_in_each_language_with_one_click_unsubscribe():
    session = SessionFactory()
    english = RegistrationFactory(session=session, language="en")
    russian = RegistrationFactory(session=session, language="ru")

    queue_organiser_message(message=organiser_message(session), actor=None)

    by_address = {m.to[0].split("<")[1].rstrip(">"): m for m in mail.outbox}
    assert by_address[english.user.email].subject == "Slides are online"
    assert by_address[russian.user.email].subject == "Слайды опубликованы"
    headers = by_address[russian.user.email].extra_headers
    link = f"https://decoded.example/unsubscribe/{russian.public_id}/{unsubscribe_token(russian)}/"
    assert headers["List-Unsubscribe"] == f"<mailto:webinars@agency.example?subject=unsubscribe>, <{link}>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Auto-Submitted" not in headers
    assert len(mail.outbox) == 2


def test_one_click_unsubscribe_withdraws_consent_without_sign_in(client):
    session = SessionFactory()
    registration = RegistrationFactory(session=session, language="en", announcements_consent=True)
    url = f"/unsubscribe/{registration.public_id}/{unsubscribe_token(registration)}/"

    shown = client.get(url)
    registration.refresh_from_db()
    assert (shown.status_code, registration.announcements_consent) == (200, True)

    response = client.post(url, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")

    registration.refresh_from_db()
    assert response.status_code == 200
    assert registration.announcements_consent is False
    assert AnnouncementOptOut.objects.get(user=registration.user).registration == registration
    assert list(audience_queryset(session, "confirmed")) == []


def test_unsubscribe_with_a_wrong_token_changes_nothing(client):
    registration = RegistrationFactory(announcements_consent=True)

    response = client.post(f"/unsubscribe/{registration.public_id}/{'0' * 64}/")

    registration.refresh_from_db()
    assert (response.status_code, registration.announcements_consent) == (404, True)
    assert not AnnouncementOptOut.objects.exists()


def test_waitlisted_registrants_hear_of_changes_without_an_invite():
    registration = RegistrationFactory(status=Registration.Status.WAITLISTED, language="en")
    registration.session.starts_at += dt.timedelta(hours=1)

    email = build_session_change_email(registration=registration)

    assert email.calendar_invite is None
    assert "You are still on the waitlist" in email.body
