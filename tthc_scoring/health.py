"""``/healthz`` for monitoring and the proxy: is the database answering, and is the background
worker taking its jobs? No login: it says nothing about the data."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with {"database": "ok", "worker": "ok" | "late"} when the database answers; 503
    when it does not. "late": a job has waited longer than ``TASK_STALE_AFTER`` seconds, so
    no worker is taking jobs (the server itself still works; renderings wait)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse(
            {"status": "fail", "database": type(exc).__name__, "worker": "unknown"}, status=503
        )
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.ready().order_by("enqueued_at").first()
    age = (timezone.now() - waiting.enqueued_at).total_seconds() if waiting else 0.0
    late = age > settings.TASK_STALE_AFTER
    return JsonResponse(
        {
            "status": "degraded" if late else "ok",
            "database": "ok",
            "worker": "late" if late else "ok",
            "oldest_waiting_job_seconds": round(age),
            "time": timezone.now().isoformat(timespec="seconds"),
        }
    )
