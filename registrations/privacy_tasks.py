"""The daily retention purge as background work (django.tasks; `manage.py db_worker` runs it).

`privacy_daily_purge` runs `registrations.retention.purge_expired()` and queues itself again
`PRIVACY_PURGE_INTERVAL_HOURS` later (default 24). The queued task is a row in the task table, so
the daily clock survives restarts; `manage.py purge_expired_personal_data --schedule` starts it
(idempotent: run it before every worker start, beside `send_due_messages --schedule`). Without a
worker, run `manage.py purge_expired_personal_data` from cron once a day: the purge is idempotent,
so both at once do no harm.
"""

import dataclasses
import datetime as dt

from django.conf import settings
from django.tasks import default_task_backend, task
from django.utils import timezone

from registrations import retention

DEFAULT_INTERVAL_HOURS = 24


@task
def privacy_daily_purge() -> dict:
    report = retention.purge_expired()
    if not _another_purge_waiting():
        schedule_daily_purge()
    return dataclasses.asdict(report)


def _another_purge_waiting() -> bool:
    try:
        from django_tasks_db.models import DBTaskResult  # noqa: PLC0415 (only with the database backend)
    except ImportError:  # pragma: no cover
        return False
    return DBTaskResult.objects.filter(task_path=privacy_daily_purge.module_path, status="READY").exists()


def schedule_daily_purge(*, only_if_missing: bool = False) -> bool:
    """Queue the next daily purge. Returns whether one was queued (backends that cannot defer: no)."""
    if not default_task_backend.supports_defer:
        return False
    if only_if_missing and _another_purge_waiting():
        return False
    hours = int(getattr(settings, "PRIVACY_PURGE_INTERVAL_HOURS", DEFAULT_INTERVAL_HOURS))
    privacy_daily_purge.using(run_after=timezone.now() + dt.timedelta(hours=hours)).enqueue()
    return True
