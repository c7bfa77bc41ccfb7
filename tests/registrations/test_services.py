import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from registrations.models import AuditEntry, Registration
from registrations.rules import RegistrationState
from registrations.services import (
    RegistrationClosedError,
    cancel_registration,
    promote_from_waitlist,
    promote_registration,
    register_attendee,
    waitlist_position,
)
from tests.factories import SessionFactory, UserFactory, attendee_details

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit emails run for real


def register(session, user=None, **details):
    return register_attendee(session=session, user=user or UserFactory(), details=attendee_details(**details))


def test_register_confirms_while_places_remain_and_waitlists_after():
    session = SessionFactory(capacity=2)

    outcomes = [register(session) for _ in range(4)]

    assert [o.registration.status for o in outcomes] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [waitlist_position(o.registration) for o in outcomes] == [None, None, 1, 2]
    assert [o.waitlist_position for o in outcomes] == [None, None, 1, 2]  # counted with the decision
    assert [m.subject for m in mail.outbox] == [
        f"Место подтверждено: {session.title_ru}",
        f"Место подтверждено: {session.title_ru}",
        f"Вы в листе ожидания: {session.title_ru}",
        f"Вы в листе ожидания: {session.title_ru}",
    ]


def test_register_without_capacity_always_confirms():
    session = SessionFactory(capacity=None)

    statuses = {register(session).registration.status for _ in range(3)}

    assert statuses == {"confirmed"}


def test_register_twice_returns_the_same_registration_and_sends_one_email():
    session = SessionFactory(capacity=10)
    user = UserFactory()

    first = register(session, user)
    second = register(session, user)

    assert first.created is True
    assert second.created is False
    assert second.registration.pk == first.registration.pk
    assert Registration.objects.filter(session=session, user=user).count() == 1
    assert len(mail.outbox) == 1


def test_register_saves_the_answers_on_the_profile():
    user = UserFactory()

    register(SessionFactory(), user, full_name="Dr Anna Petrova", country="UZ", language="en")

    user.profile.refresh_from_db()
    assert (user.profile.full_name, user.profile.country.code, user.profile.language) == (
        "Dr Anna Petrova",
        "UZ",
        "en",
    )


@pytest.mark.parametrize(
    ("session_kwargs", "state"),
    [
        ({"registration_opens_at": timezone.now() + dt.timedelta(days=1)}, RegistrationState.NOT_YET_OPEN),
        ({"registration_closes_at": timezone.now() - dt.timedelta(minutes=1)}, RegistrationState.CLOSED),
        ({"starts_at": timezone.now() - dt.timedelta(minutes=5)}, RegistrationState.STARTED),
        ({"status": "cancelled"}, RegistrationState.CANCELLED),
        ({"status": "draft"}, RegistrationState.UNAVAILABLE),
    ],
)
def test_register_refuses_outside_the_window(session_kwargs, state):
    if "registration_closes_at" in session_kwargs:
        session_kwargs["registration_opens_at"] = timezone.now() - dt.timedelta(days=3)
    session = SessionFactory(**session_kwargs)

    with pytest.raises(RegistrationClosedError) as excinfo:
        register(session)

    assert excinfo.value.state == state
    assert Registration.objects.count() == 0
    assert mail.outbox == []


def test_cancel_frees_the_place_for_the_first_in_line():
    session = SessionFactory(capacity=1)
    holder = register(session).registration
    first_in_line = register(session).registration
    second_in_line = register(session).registration
    mail.outbox.clear()

    cancel_registration(registration=holder, actor=holder.user)

    holder.refresh_from_db()
    first_in_line.refresh_from_db()
    second_in_line.refresh_from_db()
    assert (holder.status, first_in_line.status, second_in_line.status) == ("cancelled", "confirmed", "waitlisted")
    assert holder.join_token_hash is None
    assert waitlist_position(second_in_line) == 1
    assert sorted(m.subject for m in mail.outbox) == sorted(
        [f"Регистрация отменена: {session.title_ru}", f"Место освободилось для вас: {session.title_ru}"]
    )
    assert [m.to for m in mail.outbox if m.subject.startswith("Место освободилось")] == [
        [f"Aigerim Sadykova <{first_in_line.user.email}>"]
    ]


def test_cancel_close_to_the_start_does_not_promote(settings):
    settings.REGISTRATION_PROMOTION_CUTOFF_MINUTES = 120
    session = SessionFactory(capacity=1, starts_at=timezone.now() + dt.timedelta(minutes=90))
    holder = register(session).registration
    waiting = register(session).registration

    cancel_registration(registration=holder, actor=holder.user)

    waiting.refresh_from_db()
    assert waiting.status == "waitlisted"


def test_cancelled_person_can_register_again():
    session = SessionFactory(capacity=5)
    user = UserFactory()
    first = register(session, user).registration
    cancel_registration(registration=first, actor=user)

    again = register(session, user)

    assert again.created is True
    assert again.registration.pk != first.pk
    assert again.registration.status == "confirmed"


def test_raising_capacity_promotes_in_order():
    session = SessionFactory(capacity=1)
    register(session)
    waiting = [register(session).registration for _ in range(3)]
    session.capacity = 3
    session.save(update_fields=["capacity"])

    promoted = promote_from_waitlist(session=session)

    assert [r.pk for r in promoted] == [waiting[0].pk, waiting[1].pk]
    assert Registration.objects.filter(session=session).confirmed().count() == 3


def test_organiser_can_promote_beyond_capacity():
    session = SessionFactory(capacity=1)
    register(session)
    waiting = register(session).registration
    organiser = UserFactory(is_staff=True)

    promote_registration(registration=waiting, actor=organiser)

    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    entry = AuditEntry.objects.filter(registration=waiting, action="promoted").get()
    assert (entry.actor, entry.details) == (organiser, {"by_organiser": True})


def test_every_state_change_leaves_an_audit_entry():
    session = SessionFactory(capacity=1)
    holder = register(session).registration
    waiting = register(session).registration

    cancel_registration(registration=holder, actor=holder.user)

    actions = list(AuditEntry.objects.order_by("pk").values_list("action", "registration_id"))
    assert actions == [
        ("registered", holder.pk),
        ("waitlisted", waiting.pk),
        ("cancelled", holder.pk),
        ("promoted", waiting.pk),
    ]


def test_plain_text_parts_are_not_html_escaped():
    session = SessionFactory(title_en="Women's health & data <basics>", title_ru="")

    register(session, language="en", full_name="Siobhán O'Neill")

    message = mail.outbox[0]
    assert message.subject == "Your place is confirmed: Women's health & data <basics>"
    assert "Hello Siobhán O'Neill," in message.body
    assert "Women's health & data <basics>" in message.body
    assert "Women&#x27;s health &amp; data &lt;basics&gt;" in message.alternatives[0].content


@pytest.mark.parametrize("change", [{"status": "cancelled"}, {"starts_at": "started"}])
def test_organiser_cannot_promote_into_a_cancelled_or_started_session(change):
    session = SessionFactory(capacity=1)
    register(session)
    waiting = register(session).registration
    mail.outbox.clear()
    if change.get("starts_at"):
        session.starts_at = timezone.now() - dt.timedelta(minutes=1)
        session.save(update_fields=["starts_at"])
    else:
        session.status = "cancelled"
        session.save(update_fields=["status"])

    promote_registration(registration=waiting, actor=UserFactory(is_staff=True))

    waiting.refresh_from_db()
    assert waiting.status == "waitlisted"
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("language", "minutes", "expected"),
    [
        ("en", 15, "it opens 15 minutes before the start"),
        ("ru", 21, "начнёт работать за 21 минуту до начала"),
        ("ru", 45, "начнёт работать за 45 минут до начала"),
    ],
)
def test_confirmation_says_when_the_join_link_opens(settings, language, minutes, expected):
    settings.JOIN_WINDOW_OPENS_MINUTES = minutes

    register(SessionFactory(), language=language)

    assert expected in mail.outbox[0].body
