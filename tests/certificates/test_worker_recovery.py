"""A worker killed in the middle of a certificate batch, with the real database task queue
(django-tasks-db) and its real worker loop: the batch is run again when the worker starts, and
every certificate email goes through the outbox, once (bench/drills.py runs the same on PostgreSQL
with SIGKILL)."""

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from registrations.attendance.services import set_manual_attendance
from registrations.certificate_models import Certificate
from registrations.certificate_services import issue_certificate, request_certificates, revoke_certificate
from registrations.certificate_tasks import issue_certificates_batch
from registrations.outbox_delivery import dispatch_due_messages
from registrations.outbox_models import OutboxMessage
from tests.certificates.conftest import make_registration

pytestmark = pytest.mark.django_db(transaction=True)  # the worker loop opens its own transactions


@pytest.fixture
def task_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker(worker_id: str) -> None:
    """`manage.py db_worker --batch --worker-id …`: run every READY task, then return."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    ).run()


@pytest.fixture
def attendees(session_2024):
    people = [
        make_registration(session_2024, email=f"p{n}@health.example", full_name=f"Person {n}", language=language)
        for n, language in enumerate(["en", "ru", "en"])
    ]
    for person in people:
        set_manual_attendance(registration=person, minutes=80, reason="test", actor=None)
    return people


def test_batch_left_running_by_a_killed_worker_runs_again_when_the_worker_starts(task_queue, session_2024, attendees):
    request_certificates(session=session_2024, actor=None, batch_size=3)
    batch = DBTaskResult.objects.get(task_path=issue_certificates_batch.module_path)
    batch.claim("host-1")  # what db_worker does before running a task; then host-1 is killed

    run_worker("host-2")  # another worker never takes a RUNNING task
    assert (Certificate.objects.count(), DBTaskResult.objects.get(pk=batch.pk).status) == (0, "RUNNING")

    call_command("recover_abandoned_tasks", worker_id="host-1")  # ExecStartPre of decoded-worker@1
    run_worker("host-1")

    batch.refresh_from_db()
    assert (batch.status, batch.worker_ids) == ("SUCCESSFUL", ["host-1", "host-1"])
    assert sorted(Certificate.objects.values_list("registration_id", flat=True)) == sorted(p.pk for p in attendees)
    rows = OutboxMessage.objects.filter(kind="certificate")
    assert sorted(rows.values_list("status", flat=True)) == ["sent", "sent", "sent"]
    assert sorted(m.extra_headers["Message-ID"] for m in mail.outbox) == sorted(
        f"<{token}@decoded.example>" for token in rows.values_list("message_token", flat=True)
    )


def test_certificate_email_is_an_outbox_row_of_the_issuing_transaction(task_queue, session_2024, attendees):
    certificate = issue_certificate(registration=attendees[1])

    row = OutboxMessage.objects.get(kind="certificate")
    assert (row.certificate_id, row.registration_id, row.slot, row.status) == (
        certificate.pk,
        attendees[1].pk,
        f"c{certificate.pk}",
        "pending",
    )
    run_worker("host-1")  # the send round queued after commit
    row.refresh_from_db()
    assert (row.status, [m.subject for m in mail.outbox]) == (
        "sent",
        ["Ваш сертификат участия: Кибербезопасность в здравоохранении"],
    )


def test_certificate_revoked_before_its_email_leaves_is_not_announced(task_queue, session_2024, attendees):
    certificate = issue_certificate(registration=attendees[0])
    revoke_certificate(certificate=certificate, reason="Attendance report was wrong", actor=None)

    report = dispatch_due_messages()

    row = OutboxMessage.objects.get(kind="certificate")
    assert (report.skipped, row.status, row.skip_reason, mail.outbox) == (1, "skipped", "certificate_not_valid", [])
