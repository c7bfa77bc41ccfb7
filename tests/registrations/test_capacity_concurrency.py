"""Capacity holds under real concurrent registrations on PostgreSQL.

Fifty threads, each with its own database connection, register fifty different people for a
session with ten places at the same moment. With the session row locked while counting, exactly
ten are confirmed. The control run switches the lock off and widens the gap between counting and
inserting (a pre_save receiver that sleeps): it overbooks, which shows the test can fail.

`register_attendee` writes a registration as the outcome an unlocked count predicts, then locks
and decides: a place taken or freed by another transaction in between is caught by the locked
count, and the registration is written again with the right outcome (one audit entry, one email).
"""

import threading
import time

import pytest
from django.core import mail
from django.db import connection, connections
from django.db.models.signals import pre_save

from registrations.models import AuditEntry, Registration
from registrations.report_tallies import find_tally_differences
from registrations.services import cancel_registration, register_attendee
from tests.factories import SessionFactory, UserFactory, attendee_details

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

PEOPLE = 50
PLACES = 10


def run_concurrently(session, users):
    barrier = threading.Barrier(len(users))
    errors = []

    def worker(user):
        try:
            barrier.wait()
            register_attendee(session=session, user=user, details=attendee_details(language="en"))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def counts(session):
    registrations = Registration.objects.filter(session=session)
    return registrations.confirmed().count(), registrations.waitlisted().count()


def slow_insert(sender, instance, **kwargs):
    if instance._state.adding:
        time.sleep(0.05)


@pytest.fixture
def people():
    return [UserFactory() for _ in range(PEOPLE)]


def test_concurrent_registrations_never_exceed_capacity(settings, people):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
    session = SessionFactory(capacity=PLACES)
    pre_save.connect(slow_insert, sender=Registration)
    try:
        errors = run_concurrently(session, people)
    finally:
        pre_save.disconnect(slow_insert, sender=Registration)

    assert errors == []
    assert counts(session) == (PLACES, PEOPLE - PLACES)


def test_control_without_the_row_lock_overbooks(settings, people):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
    settings.REGISTRATION_LOCK_SESSION_ROW = False
    session = SessionFactory(capacity=PLACES)
    pre_save.connect(slow_insert, sender=Registration)
    try:
        errors = run_concurrently(session, people)
    finally:
        pre_save.disconnect(slow_insert, sender=Registration)

    confirmed, _waitlisted = counts(session)
    assert errors == []
    assert confirmed > PLACES


def run_once_between_prediction_and_lock(change):
    """A pre_save receiver that, the first time a registration is written (after the service
    predicted its outcome, before it takes the lock), runs `change` in another thread, on its
    own connection, to commit."""
    calls = []

    def receiver(sender, instance, **kwargs):
        if calls:
            return
        calls.append(instance)
        thread = threading.Thread(target=lambda: (change(), connections.close_all()))
        thread.start()
        thread.join(timeout=30)

    return receiver


def outcome_of(registration):
    registration.refresh_from_db()
    actions = list(AuditEntry.objects.filter(registration=registration).values_list("action", flat=True))
    emails = [m.subject.split(":")[0] for m in mail.outbox if m.to[0].endswith(f"<{registration.user.email}>")]
    return registration.status, actions, emails


def test_a_place_taken_between_prediction_and_lock_waitlists_with_one_entry_and_one_email(settings):
    session = SessionFactory(capacity=1)
    first, second = UserFactory(), UserFactory()
    receiver = run_once_between_prediction_and_lock(
        lambda: register_attendee(session=session, user=second, details=attendee_details(language="en"))
    )
    pre_save.connect(receiver, sender=Registration)
    try:
        outcome = register_attendee(session=session, user=first, details=attendee_details(language="en"))
    finally:
        pre_save.disconnect(receiver, sender=Registration)

    assert outcome_of(outcome.registration) == ("waitlisted", ["waitlisted"], ["You are on the waitlist"])
    assert Registration.objects.get(user=second).status == "confirmed"
    assert find_tally_differences(sessions=[session]) == {}


def test_a_place_freed_between_prediction_and_lock_confirms_with_one_entry_and_one_email(settings):
    session = SessionFactory(capacity=1)
    holder = register_attendee(session=session, user=UserFactory(), details=attendee_details(language="en"))
    receiver = run_once_between_prediction_and_lock(
        lambda: cancel_registration(registration=holder.registration, actor=None)
    )
    pre_save.connect(receiver, sender=Registration)
    try:
        outcome = register_attendee(session=session, user=UserFactory(), details=attendee_details(language="en"))
    finally:
        pre_save.disconnect(receiver, sender=Registration)

    assert outcome_of(outcome.registration) == ("confirmed", ["registered"], ["Your place is confirmed"])
    assert Registration.objects.filter(session=session).confirmed().count() == 1
    assert find_tally_differences(sessions=[session]) == {}
