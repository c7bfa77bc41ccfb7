"""Capacity holds under real concurrent registrations on PostgreSQL.

Fifty threads, each with its own database connection, register fifty different people for a
session with ten places at the same moment. With the session row locked while counting, exactly
ten are confirmed. The control run switches the lock off and widens the gap between counting and
inserting (a pre_save receiver that sleeps): it overbooks, which shows the test can fail.
"""

import threading
import time

import pytest
from django.db import connection, connections
from django.db.models.signals import pre_save

from registrations.models import Registration
from registrations.services import register_attendee
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
