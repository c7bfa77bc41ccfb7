"""A worker that dies or stalls in the middle of a send round: its claimed rows wait for the lease,
then another worker sends them, once; a stalled worker whose lease ran out sends nothing another
worker has taken over (bench/drills.py runs the same with SIGKILL on PostgreSQL)."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from registrations.outbox_delivery import DispatchReport, claim_due_messages, dispatch_due_messages, send_claimed
from registrations.outbox_models import OutboxMessage
from tests.factories import RegistrationFactory, SessionFactory
from tests.notifications.conftest import START

pytestmark = pytest.mark.django_db

DUE = START - dt.timedelta(hours=1)
CLAIMED_AT = DUE + dt.timedelta(minutes=1)


@pytest.fixture
def reminders():
    session = SessionFactory(starts_at=START, ends_at=START + dt.timedelta(minutes=90))
    return OutboxMessage.objects.bulk_create(
        OutboxMessage(
            kind="reminder", registration=registration, session=session, slot="r0:60", offset_minutes=60, due_at=DUE
        )
        for registration in RegistrationFactory.create_batch(3, session=session, language="en")
    )


def at(moment, function, *args, **kwargs):
    with time_machine.travel(moment, tick=False):
        return function(*args, **kwargs)


def sent_message_ids() -> list[str]:
    return sorted(m.extra_headers["Message-ID"] for m in mail.outbox)


def expected_message_ids(rows) -> list[str]:
    return sorted(f"<{row.message_token}@decoded.example>" for row in rows)


def test_rows_of_a_killed_worker_are_sent_once_after_the_lease(reminders):
    at(CLAIMED_AT, claim_due_messages)  # the worker claims the batch and is killed before sending

    before = at(CLAIMED_AT + dt.timedelta(minutes=9), dispatch_due_messages, plan=False)
    after = at(CLAIMED_AT + dt.timedelta(minutes=10, seconds=1), dispatch_due_messages, plan=False)

    assert (before.sent, after.sent) == (0, 3)
    assert sorted(OutboxMessage.objects.values_list("status", "attempts")) == [("sent", 2)] * 3
    assert sent_message_ids() == expected_message_ids(reminders)


def test_stalled_worker_sends_nothing_another_worker_took_over(reminders):
    token, rows = at(CLAIMED_AT, claim_due_messages)  # worker A claims, then stalls (SMTP hanging)
    taken_over = at(CLAIMED_AT + dt.timedelta(minutes=11), dispatch_due_messages, plan=False)  # worker B

    stalled = DispatchReport()
    at(CLAIMED_AT + dt.timedelta(minutes=11), send_claimed, token, rows, report=stalled)  # worker A resumes

    assert (taken_over.sent, stalled.sent) == (3, 0)
    assert sent_message_ids() == expected_message_ids(reminders)


def test_a_slow_batch_renews_its_lease_so_nobody_takes_its_rows(reminders):
    token, rows = at(CLAIMED_AT, claim_due_messages)
    with time_machine.travel(CLAIMED_AT + dt.timedelta(minutes=6), tick=False):
        send_claimed(token, rows[:1], report=DispatchReport())  # half the lease has passed: renewed

    other = at(CLAIMED_AT + dt.timedelta(minutes=12), dispatch_due_messages, plan=False)

    assert other.sent == 0  # rows 2 and 3 are still this worker's until 6 + 10 minutes
    assert sorted(OutboxMessage.objects.values_list("status", flat=True)) == ["sending", "sending", "sent"]
