"""Tasks a dead worker left RUNNING: run again when repeating them is harmless, else marked failed.

django-tasks-db (0.13) marks a task RUNNING when a worker claims it and never looks at it again,
so a worker killed hard (SIGKILL, the OOM killer, power loss) leaves its task RUNNING for ever
and nothing runs it. Two ways out, both through `recover_abandoned_tasks()`:

- when a worker starts (`manage.py recover_abandoned_tasks --worker-id %H-%i`, ExecStartPre of
  decoded-worker@.service): every task still RUNNING under this worker id was abandoned, because
  worker ids are unique in the pool and the previous process with this id has exited;
- from the notifications tick, on any live worker: tasks RUNNING for longer than
  `TASK_ABANDONED_AFTER_SECONDS` (default 15 minutes; none of ours takes a minute), for a worker
  that does not come back.

Only tasks whose repetition is harmless are run again (`rerunnable_task_paths()`): issuing
certificates (each is re-checked under a row lock, the database refuses a second valid one), the
outbox dispatch and its clock (the outbox's claim tokens and lease send each row once), the
retention purge (idempotent), and the registration email: sent at least once, like the outbox's
(a worker almost always dies before the SMTP server has the message, e.g. while rendering it when
the database restarts; a copy twice, with the same calendar UID, beats a confirmation never sent).
Any other abandoned task is marked FAILED with `AbandonedTaskError`, visible in the admin and to
monitoring, rather than run again blindly.
"""

import dataclasses
import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

DEFAULT_ABANDONED_AFTER = dt.timedelta(minutes=15)


class AbandonedTaskError(Exception):
    """Recorded on a task whose worker stopped while running it (never raised)."""


@dataclasses.dataclass
class Recovery:
    requeued: int = 0
    failed: int = 0


def rerunnable_task_paths() -> frozenset[str]:
    """The tasks that may run twice without harm (see the module docstring for why each is safe)."""
    from registrations.certificate_tasks import issue_certificates_batch  # noqa: PLC0415 (tasks import services)
    from registrations.notification_tasks import dispatch_due_messages_task, notifications_tick  # noqa: PLC0415
    from registrations.privacy_tasks import privacy_daily_purge  # noqa: PLC0415
    from registrations.tasks import send_registration_email  # noqa: PLC0415

    tasks = (
        issue_certificates_batch,
        dispatch_due_messages_task,
        notifications_tick,
        privacy_daily_purge,
        send_registration_email,
    )
    return frozenset(task.module_path for task in tasks)


def abandoned_after() -> dt.timedelta:
    seconds = getattr(settings, "TASK_ABANDONED_AFTER_SECONDS", None)
    return DEFAULT_ABANDONED_AFTER if seconds is None else dt.timedelta(seconds=seconds)


def recover_abandoned_tasks(
    *, worker_id: str | None = None, older_than: dt.timedelta | None = None, now: dt.datetime | None = None
) -> Recovery:
    """Re-queue (or mark failed) RUNNING tasks of `worker_id`, or running for longer than `older_than`.

    Give one of the two. Each row changes only if it is still RUNNING since the same moment, so a
    task that finishes meanwhile keeps its result. Returns the counts; logs task ids, never arguments.
    """
    if (worker_id is None) == (older_than is None):
        raise ValueError("Give either worker_id or older_than.")
    try:
        from django_tasks_db.models import DBTaskResult  # noqa: PLC0415 (only with the database backend)
    except ImportError:  # pragma: no cover
        return Recovery()
    now = now or timezone.now()
    running = DBTaskResult.objects.filter(status="RUNNING")
    if older_than is not None:
        running = running.filter(started_at__lt=now - older_than)
    rerunnable = rerunnable_task_paths()
    recovery = Recovery()
    for row in running.only("id", "task_path", "worker_ids", "started_at"):
        last_worker = row.worker_ids[-1] if row.worker_ids else ""
        if worker_id is not None and last_worker != worker_id:
            continue
        same_run = DBTaskResult.objects.filter(pk=row.pk, status="RUNNING", started_at=row.started_at)
        if row.task_path in rerunnable:
            changed = same_run.update(status="READY", started_at=None)
            recovery.requeued += changed
            outcome = "queued again"
        else:
            changed = same_run.update(
                status="FAILED",
                finished_at=now,
                exception_class_path=f"{AbandonedTaskError.__module__}.{AbandonedTaskError.__qualname__}",
                traceback=f"Worker {last_worker} stopped while running this task (started {row.started_at:%F %T}).",
            )
            recovery.failed += changed
            outcome = "marked failed"
        if changed:
            logger.warning("task %s (%s) abandoned by worker %s: %s", row.pk, row.task_path, last_worker, outcome)
    return recovery
