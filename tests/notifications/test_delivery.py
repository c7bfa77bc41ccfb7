"""Delivery: SMTP refusals retried with backoff against a real local SMTP server, and two workers
racing for the same rows on PostgreSQL."""

import datetime as dt
import socket
import threading

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import connection, connections

from registrations.outbox_delivery import dispatch_due_messages
from registrations.outbox_models import OutboxMessage
from tests.factories import RegistrationFactory, SessionFactory
from tests.notifications.conftest import START, register

pytestmark = pytest.mark.django_db(transaction=True)


class Handler:
    """Accepts mail, or refuses every recipient with `refusal` (e.g. "451 4.3.0 Try again later")."""

    def __init__(self):
        self.refusal = None
        self.received = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusal:
            return self.refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope.content)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "use_tls": False, "timeout": 5},
        }
    }
    yield handler
    controller.stop()


def planned_reminder(language="en"):
    session = SessionFactory(starts_at=START, ends_at=START + dt.timedelta(minutes=90))
    with time_machine.travel(START - dt.timedelta(days=3), tick=False):
        registration = register(session, language=language)
    return session, registration


def dispatch_at(moment):
    with time_machine.travel(moment, tick=False):
        return dispatch_due_messages()


def test_temporary_refusal_is_retried_with_backoff_and_delivered_once(smtp_server):
    _session, registration = planned_reminder()
    smtp_server.received.clear()  # the confirmation
    due = START - dt.timedelta(hours=24)
    smtp_server.refusal = "451 4.3.0 Mailbox temporarily unavailable"

    first = dispatch_at(due)
    row = OutboxMessage.objects.get(registration=registration, offset_minutes=1440)
    assert (first.retried, row.status, row.attempts) == (1, "pending", 1)
    assert row.due_at == due + dt.timedelta(minutes=1)
    assert "451" in row.last_error

    smtp_server.refusal = None
    assert dispatch_at(due + dt.timedelta(seconds=30)).sent == 0  # not before the backoff
    assert dispatch_at(due + dt.timedelta(minutes=1)).sent == 1
    assert dispatch_at(due + dt.timedelta(minutes=5)).sent == 0

    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")
    assert len(smtp_server.received) == 1
    assert f"<{row.message_token}@decoded.example>".encode() in smtp_server.received[0]


def test_refusals_until_the_last_attempt_mark_the_message_failed(smtp_server):
    _session, registration = planned_reminder()
    smtp_server.received.clear()  # the confirmation
    smtp_server.refusal = "451 4.3.0 Try again later"
    moment = START - dt.timedelta(hours=24)

    for minutes in (0, 1, 5, 21, 85):  # after 1, 4, 16, 64 minutes of backoff
        dispatch_at(moment + dt.timedelta(minutes=minutes))

    row = OutboxMessage.objects.get(registration=registration, offset_minutes=1440)
    assert (row.status, row.attempts) == ("failed", 5)
    assert smtp_server.received == []


def test_permanent_refusal_fails_at_once(smtp_server):
    _session, registration = planned_reminder()
    smtp_server.refusal = "550 5.1.1 No such mailbox"

    report = dispatch_at(START - dt.timedelta(hours=24))

    row = OutboxMessage.objects.get(registration=registration, offset_minutes=1440)
    assert (report.failed, row.status, row.attempts) == (1, "failed", 1)
    assert "550" in row.last_error


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no row locks (SKIP LOCKED); its writers are serialised, so there is no race to test",
)
def test_two_workers_racing_send_each_message_exactly_once():
    session = SessionFactory(starts_at=START, ends_at=START + dt.timedelta(minutes=90))
    registrations = RegistrationFactory.create_batch(300, session=session, language="en")
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            kind="reminder", registration=r, session=session, slot="r0:60", offset_minutes=60,
            due_at=START - dt.timedelta(hours=1),
        )
        for r in registrations
    )
    barrier = threading.Barrier(2)
    reports = []

    def worker():
        try:
            barrier.wait()
            with time_machine.travel(START - dt.timedelta(minutes=59), tick=False):
                reports.append(dispatch_due_messages(plan=False, batch_size=20))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    message_ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert sorted(r.sent for r in reports)[0] > 0  # both workers did part of the work
    assert sum(r.sent for r in reports) == 300
    assert len(message_ids) == len(set(message_ids)) == 300
    assert OutboxMessage.objects.filter(status="sent", attempts=1).count() == 300
