"""Background work of the outbox (django.tasks; `manage.py db_worker` runs it).

- `dispatch_due_messages_task`: one send round; queued after commit whenever messages are queued
  for "now" (change notices, follow-ups, organiser messages), so they leave within seconds.
- `notifications_tick`: the clock. It plans and sends what is due, then queues itself again
  `NOTIFICATIONS_TICK_SECONDS` later (default 60). The queued tick is a row in the task table, so
  the clock survives restarts; `manage.py send_due_messages --schedule` starts it (idempotent:
  the systemd unit runs it before every worker start). Two clocks are harmless (sending is
  idempotent) and converge: a tick that finds another one waiting does not queue itself again.
"""

import datetime as dt
import random

from django.conf import settings
from django.tasks import default_task_backend, task
from django.utils import timezone

from registrations import outbox_delivery

DEFAULT_TICK_SECONDS = 60


@task
def dispatch_due_messages_task() -> dict:
    return dataclass_dict(outbox_delivery.dispatch_due_messages())


@task
def notifications_tick() -> dict:
    report = outbox_delivery.dispatch_due_messages()
    if not _another_tick_waiting():
        schedule_tick()
    return dataclass_dict(report)


def dataclass_dict(report: outbox_delivery.DispatchReport) -> dict:
    return {"sent": report.sent, "retried": report.retried, "failed": report.failed, "skipped": report.skipped}


def _tick_path() -> str:
    return notifications_tick.module_path


def _another_tick_waiting() -> bool:
    try:
        from django_tasks_db.models import DBTaskResult  # noqa: PLC0415 (only with the database backend)
    except ImportError:  # pragma: no cover
        return False
    return DBTaskResult.objects.filter(task_path=_tick_path(), status="READY").exists()


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
