"""Queueing a background task together with the change it belongs to.

With django-tasks-db (production) the task queue is a table of the same database, so a task
queued inside the transaction is committed, or rolled back, with the change itself: a crash or a
database restart between the commit and the queueing can no longer leave, say, a registration
without its confirmation email (bench/drills.py, drill 4, found one). Backends that keep their
queue elsewhere, or run the task at once (the tests' ImmediateBackend), get it after commit.
"""

from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.tasks import Task


def enqueue_with_transaction(task: Task, **kwargs) -> None:
    """Queue `task(**kwargs)` so that it exists exactly when the current transaction commits."""
    if _queue_is_in_this_database(task):
        task.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(**kwargs))


def _queue_is_in_this_database(task: Task) -> bool:
    try:
        from django_tasks_db.backend import DatabaseBackend  # noqa: PLC0415 (only with the database backend)
        from django_tasks_db.models import DBTaskResult  # noqa: PLC0415
    except ImportError:  # pragma: no cover
        return False
    return isinstance(task.get_backend(), DatabaseBackend) and router.db_for_write(DBTaskResult) == DEFAULT_DB_ALIAS
