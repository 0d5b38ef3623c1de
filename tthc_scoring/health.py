"""``/healthz`` for monitoring and the proxy: is the database answering, and is the background
worker taking its jobs? No login: it says nothing about the data."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with {"database": "ok", "worker": "ok" | "late" | "none"} when the database
    answers; 503 when it does not. "late": the newest worker heartbeat, or the oldest waiting
    job, is older than ``TASK_STALE_AFTER`` seconds: no worker is taking jobs (the server
    itself still works; renderings wait). "none": no worker has ever run."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse(
            {"status": "fail", "database": type(exc).__name__, "worker": "unknown"}, status=503
        )
    from django_tasks_db.models import DBTaskResult

    from reports.models import WorkerHeartbeat

    now = timezone.now()
    waiting = DBTaskResult.objects.ready().order_by("enqueued_at").first()
    age = (now - waiting.enqueued_at).total_seconds() if waiting else 0.0
    beat = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    silent = (now - beat).total_seconds() if beat else None
    if beat is None:
        worker = "none"  # no worker has ever run against this database
    elif silent > settings.TASK_STALE_AFTER or age > settings.TASK_STALE_AFTER:
        worker = "late"
    else:
        worker = "ok"
    return JsonResponse(
        {
            "status": "ok" if worker == "ok" else "degraded",
            "database": "ok",
            "worker": worker,
            "worker_seen_seconds_ago": None if silent is None else round(silent),
            "oldest_waiting_job_seconds": round(age),
            "time": now.isoformat(timespec="seconds"),
        }
    )
