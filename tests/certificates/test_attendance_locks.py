"""Setting attendance by hand locks the registration's row only, never the session's.

A registration or cancellation for the session takes the session row's lock; an organiser's
attendance decision must not make those wait (PostgreSQL: a FOR UPDATE over a join locks every
joined row unless told `OF`).
"""

import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction

from events.models import Session
from registrations.attendance.services import set_manual_attendance
from tests.factories import RegistrationFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_manual_attendance_leaves_the_session_row_unlocked():
    registration = RegistrationFactory()
    inside, release, outcome = threading.Event(), threading.Event(), {}

    def organiser():
        try:
            with transaction.atomic():
                set_manual_attendance(registration=registration, minutes=60, reason="Phoned in", actor=None)
                inside.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=organiser)
    thread.start()
    assert inside.wait(10)
    try:
        with transaction.atomic():
            Session.objects.select_for_update(nowait=True).get(pk=registration.session_id)
            outcome["session_lock"] = "taken"
    except DatabaseError:
        outcome["session_lock"] = "held by the organiser"
    try:
        with transaction.atomic():
            type(registration).objects.select_for_update(nowait=True).get(pk=registration.pk)
            outcome["registration_lock"] = "taken"
    except DatabaseError:
        outcome["registration_lock"] = "held by the organiser"
    finally:
        release.set()
        thread.join(10)

    assert outcome == {"session_lock": "taken", "registration_lock": "held by the organiser"}
