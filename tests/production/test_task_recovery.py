"""Tasks a dead worker left RUNNING in django-tasks-db's table (registrations/task_recovery.py):
re-queued when repeating them is harmless, marked failed otherwise; recovered when the worker
starts again or, for a worker that never comes back, by the notifications tick."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from registrations.calendar_tasks import send_session_change_email
from registrations.certificate_tasks import issue_certificates_batch
from registrations.notification_tasks import notifications_tick
from registrations.task_recovery import recover_abandoned_tasks
from registrations.tasks import send_registration_email

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _task_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def running(task, worker_id: str, *, minutes_ago: int = 0, **kwargs) -> DBTaskResult:
    """A task as db_worker leaves it when it is killed while running it."""
    row = task.enqueue(**kwargs).db_result
    row.claim(worker_id)
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - dt.timedelta(minutes=minutes_ago))
    return DBTaskResult.objects.get(pk=row.pk)


def test_worker_start_requeues_what_may_run_twice_and_fails_the_rest(capsys):
    batch = running(issue_certificates_batch, "host-1", registration_ids=[1, 2], actor_id=None)
    confirmation = running(send_registration_email, "host-1", registration_id=7, kind="confirmed")
    change_email = running(send_session_change_email, "host-1", registration_id=7, sequence=2)
    other_worker = running(issue_certificates_batch, "host-2", registration_ids=[3], actor_id=None)

    call_command("recover_abandoned_tasks", worker_id="host-1")

    assert capsys.readouterr().out == "re-queued 2, marked failed 1\n"
    change_email.refresh_from_db()
    assert sorted(DBTaskResult.objects.ready().values_list("pk", flat=True)) == sorted([batch.pk, confirmation.pk])
    assert DBTaskResult.objects.get(pk=batch.pk).started_at is None
    assert (change_email.status, change_email.exception_class_path) == (
        "FAILED",
        "registrations.task_recovery.AbandonedTaskError",
    )
    assert change_email.traceback.startswith("Worker host-1 stopped while running this task")
    assert DBTaskResult.objects.get(pk=other_worker.pk).status == "RUNNING"


def test_only_tasks_running_longer_than_the_limit_count_as_abandoned():
    stale = running(issue_certificates_batch, "host-1", minutes_ago=16, registration_ids=[1], actor_id=None)
    busy = running(issue_certificates_batch, "host-2", minutes_ago=14, registration_ids=[2], actor_id=None)

    recovery = recover_abandoned_tasks(older_than=dt.timedelta(minutes=15))

    assert (recovery.requeued, recovery.failed) == (1, 0)
    assert DBTaskResult.objects.get(pk=stale.pk).status == "READY"
    assert DBTaskResult.objects.get(pk=busy.pk).status == "RUNNING"


def test_a_task_that_finished_meanwhile_keeps_its_result():
    row = running(issue_certificates_batch, "host-1", registration_ids=[1], actor_id=None)
    DBTaskResult.objects.get(pk=row.pk).set_successful(1)

    assert recover_abandoned_tasks(worker_id="host-1").requeued == 0
    assert DBTaskResult.objects.get(pk=row.pk).status == "SUCCESSFUL"


def test_tick_queues_its_successor_and_recovers_tasks_of_a_worker_that_never_came_back():
    stale = running(issue_certificates_batch, "gone-1", minutes_ago=16, registration_ids=[1], actor_id=None)
    tick = running(notifications_tick, "host-2")

    notifications_tick.call()  # what host-2 runs

    assert DBTaskResult.objects.get(pk=stale.pk).status == "READY"
    assert DBTaskResult.objects.get(pk=tick.pk).status == "RUNNING"  # itself: still running, not abandoned
    waiting = DBTaskResult.objects.filter(task_path=notifications_tick.module_path, status="READY")
    assert [row.run_after > timezone.now() for row in waiting] == [True]


def test_recovery_needs_a_worker_or_an_age():
    with pytest.raises(ValueError, match="Give either worker_id or older_than"):
        recover_abandoned_tasks()
