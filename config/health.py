"""Probes for the load balancer and the process supervisor: `/healthz` and `/readyz`.

Both live outside `i18n_patterns` (no language redirect) and are never cached. `/healthz` says
only that this process answers (no database, no cache: a liveness probe must not fail because a
dependency is down, or the supervisor restarts healthy processes). `/readyz` says whether this
process can serve real traffic: the database answers, the shared cache answers and the task
queue (django-tasks-db's table) is reachable. A failing check names its kind of error only,
never its message (which can carry host names or credentials).
"""

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    """200 when every dependency answers, else 503; the body lists each check either way."""
    checks = {"database": _check_database, "cache": _check_cache, "tasks": _check_task_queue}
    results = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as error:  # any failure means "not ready"; its kind is reported
            logger.warning("readiness check %s failed: %s", name, type(error).__name__)
            results[name] = f"error: {type(error).__name__}"
        else:
            results[name] = "ok"
    is_ready = all(result == "ok" for result in results.values())
    return JsonResponse(
        {"status": "ok" if is_ready else "unavailable", "checks": results}, status=200 if is_ready else 503
    )


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    # A unique key per probe: a stale value left by another process cannot pass for a working cache.
    key, value = "decoded:readyz", uuid.uuid4().hex
    cache.set(key, value, 10)
    if cache.get(key) != value:
        raise ConnectionError("cache did not return what was stored")


def _check_task_queue() -> None:
    from django_tasks_db.models import DBTaskResult  # noqa: PLC0415 (the app registry is ready here)

    DBTaskResult.objects.only("pk").exists()
