"""The organisers' notification pages, driven through the real admin as an organiser would:
the outbox, "message the registrants", "cancel the session", the "who will be told" step before a
published session's time changes, and "recording available"."""

import datetime as dt
import html
import re
import zoneinfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail

from events.models import Session
from registrations.models import AuditEntry
from registrations.outbox import queue_organiser_message
from registrations.outbox_delivery import dispatch_due_messages
from registrations.outbox_models import OrganiserMessage, OutboxMessage
from tests.factories import OrganiserFactory, SessionFactory
from tests.notifications.conftest import START, register, sent_to

pytestmark = pytest.mark.django_db(transaction=True)  # after-commit work (dispatch) runs for real

NEVER_ASK = {
    "en": "We will never ask you for a password or other sensitive information by email.",
    "ru": "Мы никогда не просим по электронной почте пароли или другие конфиденциальные сведения.",
}
HIDDEN_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture
def organiser(client):
    user = OrganiserFactory()
    client.force_login(user)
    return user


def session_with_registrants(**kwargs):
    """A published session (capacity 2) with an English and a Russian confirmed place and a Russian waitlisted one."""
    session = SessionFactory(capacity=2, **kwargs)
    english = register(session, language="en", full_name="Emma English")
    russian = register(session, language="ru", full_name="Ruslan Russkiy")
    waitlisted = register(session, language="ru", full_name="Vera Waiting")
    mail.outbox.clear()  # the confirmation and waitlist emails
    return session, english, russian, waitlisted


def run_action(client, action, session):
    return client.post("/en/admin/events/session/", {"action": action, "_selected_action": [session.pk], "index": 0})


def flash(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- the outbox ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "kind", "status"),
    [("en", "Message from the organisers", "Sent"), ("ru", "Сообщение организаторов", "Отправлено")],
)
def test_outbox_changelist_and_detail_render_in_each_language(client, organiser, lang, kind, status):
    session, english, _russian, _waitlisted = session_with_registrants()
    message = OrganiserMessage.objects.create(
        session=session,
        audience="confirmed",
        subject_en="Slides are online",
        body_en="See the session page.",
        created_by=organiser,
    )
    queue_organiser_message(message=message, actor=organiser)
    row = OutboxMessage.objects.get(registration=english, kind="organiser_message")

    listing = client.get(f"/{lang}/admin/registrations/outboxmessage/")
    detail = client.get(f"/{lang}/admin/registrations/outboxmessage/{row.pk}/change/")

    assert (listing.status_code, listing.headers["Content-Language"]) == (200, lang)
    # Two organiser messages (sent) and the two reminders the dispatch planned for each confirmed place.
    assert list(listing.context["cl"].result_list) == list(OutboxMessage.objects.order_by("-due_at", "-pk"))
    assert listing.context["cl"].result_count == 6
    page = listing.content.decode()
    assert page.count(f'">{kind}</a></th>') == 2  # the first column links to the detail page
    assert page.count(f'<td class="field-status">{status}</td>') == 2
    assert (detail.status_code, detail.headers["Content-Language"]) == (200, lang)
    assert detail.context["original"] == row
    assert detail.context["has_change_permission"] is False
    assert detail.context["title"] == {"en": "View outgoing email", "ru": "Просмотреть исходящее письмо"}[lang]


# --- message the registrants ----------------------------------------------------------------------


def compose_data(session, **overrides):
    data = {
        "session": session.pk,
        "audience": "confirmed",
        "subject_en": "Slides are online",
        "subject_ru": "Слайды опубликованы",
        "body_en": "The slides are on the session page.",
        "body_ru": "Слайды — на странице сессии.",
    }
    return data | overrides


def test_message_registrants_action_opens_the_compose_page_for_the_session(client, organiser):
    session, *_ = session_with_registrants()

    response = run_action(client, "message_registrants", session)
    page = client.get(response.url)

    assert (response.status_code, response.url) == (
        302,
        f"/en/admin/registrations/organisermessage/add/?session={session.pk}",
    )
    assert page.status_code == 200
    assert page.context["form"]["session"].value() == str(session.pk)
    assert page.context["form"]["audience"].value() == "confirmed"
    assert page.context["previews"] == []


def test_message_preview_renders_once_per_language_and_sends_nothing(client, organiser):
    session, *_ = session_with_registrants()

    response = client.post(
        "/en/admin/registrations/organisermessage/add/", compose_data(session) | {"_preview": "Preview"}
    )

    previews = response.context["previews"]
    assert [(p["language"], p["subject"]) for p in previews] == [
        ("en", "Slides are online"),
        ("ru", "Слайды опубликованы"),
    ]
    assert previews[0]["body"].startswith("Hello Emma English,\n\nThe slides are on the session page.\n")
    assert previews[1]["body"].startswith("Здравствуйте, Ruslan Russkiy!\n\nСлайды — на странице сессии.\n")
    assert response.context["recipients"] == 2
    assert (mail.outbox, OrganiserMessage.objects.count(), OutboxMessage.objects.count()) == ([], 0, 0)


def test_message_preview_for_the_waitlist_audience_counts_the_waitlist(client, organiser):
    session, _english, _russian, waitlisted = session_with_registrants()

    response = client.post(
        "/en/admin/registrations/organisermessage/add/",
        compose_data(session, audience="waitlisted") | {"_preview": "Preview"},
    )

    assert response.context["recipients"] == 1
    assert [p["language"] for p in response.context["previews"]] == [waitlisted.language]


def test_message_test_send_goes_only_to_the_organiser(client, organiser):
    session, *_ = session_with_registrants()

    response = client.post(
        "/en/admin/registrations/organisermessage/add/", compose_data(session) | {"_test": "Send a test to me"}
    )

    assert [(m.to, m.subject) for m in mail.outbox] == [([organiser.email], "[Test] Slides are online")]
    assert mail.outbox[0].cc == mail.outbox[0].bcc == []
    # No one-click unsubscribe: the organiser's mail client would unsubscribe the sample registrant.
    assert sorted(mail.outbox[0].extra_headers) == ["Message-ID"]
    assert flash(response) == [f"A test was sent to {organiser.email}."]
    assert (OrganiserMessage.objects.count(), OutboxMessage.objects.count()) == (0, 0)


def test_message_send_queues_one_row_per_recipient_then_the_dispatch_sends_each_language(client, organiser, settings):
    session, english, russian, waitlisted = session_with_registrants()
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}  # queue, don't send yet

    response = client.post("/en/admin/registrations/organisermessage/add/", compose_data(session) | {"_send": "Send"})

    message = OrganiserMessage.objects.get()
    assert (response.status_code, response.url) == (302, "/en/admin/registrations/organisermessage/")
    assert flash(response) == ["The message is on its way to 2 registrants."]
    assert (message.session, message.audience, message.created_by, message.recipient_count) == (
        session,
        "confirmed",
        organiser,
        2,
    )
    assert message.queued_at is not None
    rows = OutboxMessage.objects.filter(kind="organiser_message")
    assert sorted(rows.values_list("registration_id", "status", "slot")) == sorted(
        [(english.pk, "pending", f"m{message.pk}"), (russian.pk, "pending", f"m{message.pk}")]
    )
    assert list(session.organiser_messages.all()) == [message]
    assert AuditEntry.objects.filter(action="organiser_message_queued", session=session).count() == 1
    history = client.get(f"/en/admin/registrations/organisermessage/?session__id__exact={session.pk}")
    assert list(history.context["cl"].result_list) == [message]
    assert mail.outbox == []

    report = dispatch_due_messages()

    assert (report.sent, report.failed, report.skipped) == (2, 0, 0)
    assert sent_to(mail.outbox, waitlisted) == []
    for registration, subject in ((english, "Slides are online"), (russian, "Слайды опубликованы")):
        [email] = sent_to(mail.outbox, registration)
        assert email.subject == subject
        unsubscribe = email.extra_headers["List-Unsubscribe"]
        assert unsubscribe.startswith("<mailto:webinars@agency.example?subject=unsubscribe>, <https://decoded.example/")
        assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert NEVER_ASK[registration.language] in email.body
        assert NEVER_ASK[registration.language] in email.alternatives[0].content
    assert len(mail.outbox) == 2
    assert set(rows.values_list("status", flat=True)) == {"sent"}


def test_message_history_page_renders_in_russian(client, organiser):
    session, *_ = session_with_registrants()
    client.post("/en/admin/registrations/organisermessage/add/", compose_data(session) | {"_send": "Send"})

    response = client.get("/ru/admin/registrations/organisermessage/")
    compose = client.get(f"/ru/admin/registrations/organisermessage/add/?session={session.pk}")

    assert (response.status_code, response.headers["Content-Language"]) == (200, "ru")
    assert [m.subject for m in response.context["cl"].result_list] == ["Слайды опубликованы"]
    assert (compose.status_code, compose.context["title"]) == (200, "Сообщение участникам")


# --- cancel the session ---------------------------------------------------------------------------


def test_cancel_action_lists_who_will_be_told_then_cancels_and_tells_each_in_their_language(client, organiser):
    session, english, russian, waitlisted = session_with_registrants()

    response = run_action(client, "cancel_and_tell", session)
    page = client.get(response.url)

    assert response.url == f"/en/admin/registrations/organisermessage/session/{session.pk}/cancel/"
    preview = page.context["preview"]
    assert (preview.confirmed, preview.waitlisted, preview.total, preview.by_language) == (2, 1, 3, {"en": 1, "ru": 2})
    assert [r.full_name for r in preview.sample] == ["Emma English", "Ruslan Russkiy", "Vera Waiting"]
    content = page.content.decode()
    assert "<p>3 people will be told, each in their own language:</p>" in content
    assert content.count("<li>Vera Waiting · ") == 1
    assert mail.outbox == []

    done = client.post(response.url, {"note_en": "The speaker is ill.", "note_ru": "Докладчик заболел."})

    session.refresh_from_db()
    assert (done.status_code, done.url) == (302, f"/en/admin/events/session/{session.pk}/change/")
    assert flash(done) == ["3 registrants will be told, each in their language."]
    assert (session.status, session.cancellation_note_en, session.cancellation_note_ru) == (
        Session.Status.CANCELLED,
        "The speaker is ill.",
        "Докладчик заболел.",
    )
    expected = {
        english: f"Session cancelled: {session.title_en}",
        russian: f"Сессия отменена: {session.title_ru}",
        waitlisted: f"Сессия отменена: {session.title_ru}",
    }
    for registration, subject in expected.items():
        [email] = sent_to(mail.outbox, registration)
        assert email.subject == subject
        assert NEVER_ASK[registration.language] in email.body
    assert len(mail.outbox) == 3
    assert sorted(OutboxMessage.objects.values_list("kind", "status")) == [("session_cancelled", "sent")] * 3


def test_cancel_page_of_a_cancelled_session_refuses_a_second_cancel(client, organiser):
    session, *_ = session_with_registrants()
    url = f"/en/admin/registrations/organisermessage/session/{session.pk}/cancel/"
    client.post(url, {"note_en": "", "note_ru": ""}, follow=True)  # the page shown consumes the message
    mail.outbox.clear()

    again = client.post(url, {"note_en": "", "note_ru": ""})

    assert flash(again) == ["Only a published session can be cancelled."]
    assert mail.outbox == []


# --- "who will be told" before a time change ------------------------------------------------------


COPENHAGEN = zoneinfo.ZoneInfo("Europe/Copenhagen")


def change_form_data(session, **overrides):
    """The session change form as the browser posts it, times as wall-clock times in Copenhagen."""
    data = {
        "series": session.series_id,
        "title_en": session.title_en,
        "title_ru": session.title_ru,
        "slug": session.slug,
        "summary_en": session.summary_en,
        "summary_ru": session.summary_ru,
        "description_en": "",
        "description_ru": "",
        "timezone": "Europe/Copenhagen",
        "starts_at_0": f"{session.starts_at.astimezone(COPENHAGEN):%Y-%m-%d}",
        "starts_at_1": f"{session.starts_at.astimezone(COPENHAGEN):%H:%M}",
        "ends_at_0": f"{session.ends_at.astimezone(COPENHAGEN):%Y-%m-%d}",
        "ends_at_1": f"{session.ends_at.astimezone(COPENHAGEN):%H:%M}",
        "floor_language": "en",
        "interpretation_languages": ["ru"],
        "capacity": "" if session.capacity is None else str(session.capacity),
        "registration_opens_at_0": "",
        "registration_opens_at_1": "",
        "registration_closes_at_0": "",
        "registration_closes_at_1": "",
        "recording_url": "",
        "cancellation_note_en": "",
        "cancellation_note_ru": "",
        "join_url": session.join_url,
        "speaker_links-TOTAL_FORMS": "0",
        "speaker_links-INITIAL_FORMS": "0",
        "speaker_links-MIN_NUM_FORMS": "0",
        "speaker_links-MAX_NUM_FORMS": "1000",
        "materials-TOTAL_FORMS": "0",
        "materials-INITIAL_FORMS": "0",
        "materials-MIN_NUM_FORMS": "0",
        "materials-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    return data | overrides


# START's wall time (13:00 in Copenhagen, summer time), in a year still ahead of the real clock:
# a session that has begun is no longer moved with notices, and these tests cannot travel instead,
# as the organiser's staff session would outlive its limits.
AHEAD = START.replace(year=max(START.year, dt.datetime.now(tz=dt.UTC).year + 1))


def timed_session():
    return session_with_registrants(starts_at=AHEAD, ends_at=AHEAD + dt.timedelta(minutes=90))


def test_moving_a_published_session_shows_who_will_be_told_before_saving(client, organiser):
    session, *_ = timed_session()
    url = f"/en/admin/events/session/{session.pk}/change/"

    response = client.post(url, change_form_data(session, starts_at_1="15:00", ends_at_1="16:30"))

    session.refresh_from_db()
    assert response.status_code == 200
    assert response.templates[0].name == "admin/notifications/change_confirm.html"
    assert response.context["changed"] == ["ends_at", "starts_at"]
    assert response.context["preview"].total == 3
    assert (session.starts_at, session.sequence) == (AHEAD, 0)
    assert (OutboxMessage.objects.count(), mail.outbox) == (0, [])


def test_save_and_tell_them_stores_the_new_time_and_queues_the_notices(client, organiser):
    session, english, russian, waitlisted = timed_session()
    url = f"/en/admin/events/session/{session.pk}/change/"
    confirm_page = client.post(url, change_form_data(session, starts_at_1="15:00", ends_at_1="16:30"))
    # What the "Save and tell them" button posts: the hidden copy of the form, plus the confirmation.
    hidden = [(name, html.unescape(value)) for name, value in HIDDEN_INPUT.findall(confirm_page.content.decode())]
    data = {}
    for name, value in hidden:
        data.setdefault(name, []).append(value)

    response = client.post(url, data)

    session.refresh_from_db()
    assert data["_notify_confirmed"] == ["1"]
    assert (response.status_code, response.url) == (302, "/en/admin/events/session/")
    assert flash(response) == [
        "3 registrants will be told, each in their language.",
        f'The session “<a href="/en/admin/events/session/{session.pk}/change/">{session}</a>” '
        "was changed successfully.",
    ]
    assert (session.starts_at, session.ends_at) == (AHEAD + dt.timedelta(hours=2), AHEAD + dt.timedelta(hours=3.5))
    assert session.sequence == 1
    assert sorted(OutboxMessage.objects.filter(kind="session_updated").values_list("registration_id", "slot")) == (
        sorted([(english.pk, "seq1"), (russian.pk, "seq1"), (waitlisted.pk, "seq1")])
    )
    assert [m.subject for m in sent_to(mail.outbox, english)] == [f"Session updated: {session.title_en}"]
    assert [m.subject for m in sent_to(mail.outbox, russian)] == [f"Изменения в сессии: {session.title_ru}"]
    assert len(mail.outbox) == 3


def test_editing_only_the_title_of_a_published_session_saves_without_asking(client, organiser):
    session, *_ = timed_session()

    response = client.post(
        f"/en/admin/events/session/{session.pk}/change/", change_form_data(session, title_en="A new title")
    )

    session.refresh_from_db()
    assert (response.status_code, response.url) == (302, "/en/admin/events/session/")
    assert (session.title_en, session.starts_at, session.sequence) == ("A new title", AHEAD, 0)
    assert (OutboxMessage.objects.count(), mail.outbox) == (0, [])


def test_moving_a_draft_session_asks_nobody(client, organiser):
    session = SessionFactory(starts_at=START, ends_at=START + dt.timedelta(minutes=90), status=Session.Status.DRAFT)

    response = client.post(
        f"/en/admin/events/session/{session.pk}/change/",
        change_form_data(session, starts_at_1="15:00", ends_at_1="16:30"),
    )

    session.refresh_from_db()
    assert (response.status_code, session.starts_at, session.sequence) == (302, START + dt.timedelta(hours=2), 0)
    assert OutboxMessage.objects.count() == 0


# --- recording available ------------------------------------------------------------------------


def test_recording_available_queues_the_follow_ups_once(client, organiser):
    now = dt.datetime.now(tz=dt.UTC).replace(microsecond=0)
    start = now - dt.timedelta(hours=3)
    with time_machine.travel(start - dt.timedelta(days=2), tick=False):
        session, english, russian, waitlisted = session_with_registrants(
            starts_at=start, ends_at=start + dt.timedelta(minutes=90), recording_url="https://video.example/r"
        )

    response = run_action(client, "send_follow_ups", session)
    page = client.get(response.url)
    first = flash(client.post(response.url, follow=True))  # the page shown consumes the message
    sent_after_first = list(mail.outbox)
    second = flash(client.post(response.url, follow=True))

    assert response.url == f"/en/admin/registrations/organisermessage/session/{session.pk}/follow-ups/"
    assert (page.status_code, page.context["is_over"], page.context["preview"].total) == (200, True, 3)
    assert first == ["Follow-ups are on their way to 3 registrants."]
    assert second == ["Follow-ups are on their way to 0 registrants."]
    assert sorted(OutboxMessage.objects.filter(kind="follow_up").values_list("registration_id", "status")) == sorted(
        [(english.pk, "sent"), (russian.pk, "sent"), (waitlisted.pk, "sent")]
    )
    assert len(sent_after_first) == 3
    assert mail.outbox == sent_after_first
    assert AuditEntry.objects.filter(action="follow_ups_queued", session=session).count() == 2
