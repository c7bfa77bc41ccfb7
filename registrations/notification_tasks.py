"""Background work of the outbox (django.tasks; `manage.py db_worker` runs it).

- `dispatch_due_messages_task`: one send round; queued after commit whenever messages are queued
  for "now" (change notices, follow-ups, organiser messages, certificate emails), so they leave
  within seconds. `queue_dispatch` queues one only when none is waiting already: issuing 3,000
  certificates queues a handful of rounds, not 3,000.
- `notifications_tick`: the clock. It first queues itself again `NOTIFICATIONS_TICK_SECONDS` later
  (default 60), so the clock keeps going when this tick fails or its worker is killed mid-run;
  then it recovers tasks that dead workers left RUNNING for too long
  (`registrations.task_recovery`), then plans and sends what is due. The queued tick is a row in
  the task table, so the clock survives restarts; `manage.py send_due_messages --schedule` starts
  it (idempotent: the systemd unit runs it before every worker start). Two clocks are harmless
  (sending is idempotent) and converge: a tick that finds another one waiting does not queue
  itself again.
"""

import datetime as dt
import random

from django.conf import settings
from django.tasks import default_task_backend, task
from django.utils import timezone

from registrations import outbox_delivery, task_recovery

DEFAULT_TICK_SECONDS = 60


@task
def dispatch_due_messages_task() -> dict:
    return dataclass_dict(outbox_delivery.dispatch_due_messages())


@task
def notifications_tick() -> dict:
    if not _another_tick_waiting():
        schedule_tick()
    task_recovery.recover_abandoned_tasks(older_than=task_recovery.abandoned_after())
    return dataclass_dict(outbox_delivery.dispatch_due_messages())


def dataclass_dict(report: outbox_delivery.DispatchReport) -> dict:
    return {"sent": report.sent, "retried": report.retried, "failed": report.failed, "skipped": report.skipped}


def queue_dispatch() -> None:
    """Queue a send round unless one is waiting to start (it will send whatever is due by then)."""
    if not _task_waiting(dispatch_due_messages_task.module_path):
        dispatch_due_messages_task.enqueue()


def _tick_path() -> str:
    return notifications_tick.module_path


def _another_tick_waiting() -> bool:
    return _task_waiting(_tick_path())


def _task_waiting(path: str) -> bool:
    if not default_task_backend.supports_defer:  # the tests' ImmediateBackend keeps no queue
        return False
    try:
        from django_tasks_db.models import DBTaskResult  # noqa: PLC0415 (only with the database backend)
    except ImportError:  # pragma: no cover
        return False
    return DBTaskResult.objects.filter(task_path=path, status="READY").exists()


def schedule_tick(*, only_if_missing: bool = False) -> bool:
    """Queue the next tick (with ±10 % jitter, so two clocks drift apart and merge). Returns whether
    one was queued; backends that cannot defer (tests' ImmediateBackend) queue none."""
    if not default_task_backend.supports_defer:
        return False
    if only_if_missing and _another_tick_waiting():
        return False
    seconds = int(getattr(settings, "NOTIFICATIONS_TICK_SECONDS", DEFAULT_TICK_SECONDS))
    delay = dt.timedelta(seconds=seconds * random.uniform(0.9, 1.1))  # noqa: S311 (jitter, not security)
    notifications_tick.using(run_after=timezone.now() + delay).enqueue()
    return True
