"""Render jobs: request one, say how it is going, try it again, recover those whose worker died.

A job is a ``RenderJob`` row (what the progress page shows) and a task in django-tasks-db's
queue (what the worker runs: ``reports.tasks.render_job`` → ``reports.worker``).

How a dead worker is noticed: the worker refreshes the job's ``heartbeat_at`` while it runs
(``reports.worker``), so a RUNNING job whose heartbeat is older than ``TASK_STALE_AFTER`` has
lost its worker (killed, out of memory, machine restarted). django-tasks-db cannot tell this
by itself: ``db_worker`` marks a task RUNNING when it takes it and changes it again only when
the task returns or raises, with no heartbeat and no list of live workers, so a killed worker's
task stays RUNNING for ever. ``recover_stale_jobs`` starts such a job again as a new task, up to
``TASK_MAX_ATTEMPTS`` starts, then marks it failed with a message; every worker runs it when it
starts and then every half ``TASK_STALE_AFTER`` (``manage.py worker``), so a job left by a dead
worker goes on as soon as any worker is alive. The progress page reads the same heartbeat to
say what is happening before recovery has run, and offers to try again.
"""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from reports import tasks
from reports.models import RenderJob, Report
from reports.worker import stored

logger = logging.getLogger(__name__)
State = RenderJob.State

WORKER_DIED = ngettext_lazy(
    "The background worker stopped while rendering the report, %(n)s time without finishing. "
    "Try again; if it stops again, tell the administrator.",
    "The background worker stopped while rendering the report, %(n)s times without finishing. "
    "Try again; if it stops again, tell the administrator.",
    "n",
)


def request_render(report: Report, kind: str, *, actor=None) -> RenderJob:
    """Create a render job and queue its task once the current transaction commits.

    Side effects: a QUEUED ``RenderJob``; after commit, a task in the queue and its id on the
    job. If queueing fails, the error is logged and the job waits without a task id until
    ``recover_stale_jobs`` queues it.
    """
    job = RenderJob.objects.create(report=report, kind=kind, requested_by=actor)
    transaction.on_commit(partial(_enqueue, job.pk), robust=True)
    return job


def _enqueue(job_id: int) -> None:
    result = tasks.render_job.enqueue(job_id)
    RenderJob.objects.filter(pk=job_id).update(task_id=result.id)


def recover_stale_jobs() -> int:
    """Start again, or give up on, the jobs whose worker died; queue jobs that lost their task.

    Side effects: a RUNNING job whose heartbeat is older than ``TASK_STALE_AFTER`` goes back to
    QUEUED with a new task if it was started fewer than ``TASK_MAX_ATTEMPTS`` times, else to
    FAILED with a message saying the worker stopped; the dead worker's task is closed as
    failed. A QUEUED job that never got a task id within ``TASK_STALE_AFTER`` is queued.
    Several processes may run it at once: each job is taken by one conditional update.
    Returns how many jobs it started again, gave up on or queued.
    """
    cutoff = _stale_cutoff()
    changed = 0
    for job in RenderJob.objects.filter(state=State.RUNNING, heartbeat_at__lt=cutoff):
        if job.attempts < settings.TASK_MAX_ATTEMPTS:
            changed += _requeue(job, cutoff)
        else:
            changed += _give_up(job, cutoff)
    lost = RenderJob.objects.filter(state=State.QUEUED, task_id="", created_at__lt=cutoff)
    for job_id in lost.values_list("pk", flat=True):
        _enqueue(job_id)
        changed += 1
    return changed


def _requeue(job: RenderJob, cutoff: datetime) -> int:
    with transaction.atomic():
        changed = _still_stale(job, cutoff).update(state=State.QUEUED, progress=0, task_id="")
        if changed:
            logger.warning("Render job %s lost its worker; starting it again", job.pk)
            _close_dead_task(job.task_id)
            transaction.on_commit(partial(_enqueue, job.pk), robust=True)
    return changed


def _give_up(job: RenderJob, cutoff: datetime) -> int:
    message = stored(WORKER_DIED, n=job.attempts)
    with transaction.atomic():
        changed = _still_stale(job, cutoff).update(
            state=State.FAILED, message=message, finished_at=timezone.now()
        )
        if changed:
            logger.warning("Render job %s lost its worker %s times; failed", job.pk, job.attempts)
            _close_dead_task(job.task_id)
    return changed


def _still_stale(job: RenderJob, cutoff: datetime):
    return RenderJob.objects.filter(pk=job.pk, state=State.RUNNING, heartbeat_at__lt=cutoff)


def _close_dead_task(task_id: str) -> None:
    """Close as failed the task a killed worker left RUNNING in django-tasks-db's table."""
    if task_id and isinstance(tasks.render_job.get_backend(), DatabaseBackend):
        DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            traceback="The worker stopped while running this task (no heartbeat).",
        )


def _stale_cutoff() -> datetime:
    return timezone.now() - timedelta(seconds=settings.TASK_STALE_AFTER)


def worker_lost(job: RenderJob) -> bool:
    """Whether the job is RUNNING but its worker has shown no sign of life for too long."""
    return job.state == State.RUNNING and (job.heartbeat_at or job.created_at) < _stale_cutoff()


def can_retry(job: RenderJob) -> bool:
    return job.state == State.FAILED or worker_lost(job)


def warning(job: RenderJob) -> str:
    """What the progress page says when a job is not going as it should; "" when it is."""
    if worker_lost(job):
        return _(
            "The background worker has shown no sign of life since %(time)s: it has probably "
            "stopped. The job starts again by itself once a worker runs; you can also try "
            "again now."
        ) % {"time": _clock(job.heartbeat_at or job.created_at)}
    if job.state == State.QUEUED and job.attempts:
        return _(
            "The background worker stopped while rendering the report; the job is queued to "
            "start again (attempt %(n)s of %(max)s)."
        ) % {"n": job.attempts + 1, "max": settings.TASK_MAX_ATTEMPTS}
    if job.state == State.QUEUED and job.created_at < _stale_cutoff():
        return _(
            "No background worker has taken this job since %(time)s. If it stays like this, "
            "tell the administrator that the background worker is not running."
        ) % {"time": _clock(job.created_at)}
    return ""


def _clock(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "H:i d/m/Y")


def retry(job: RenderJob, *, actor=None) -> RenderJob | None:
    """Ask again for what the job was to render, as a new job; None if it cannot be retried.

    Side effects: a job whose worker was lost is marked failed first (with the worker-stopped
    message), so the page of the old job no longer waits; then ``request_render``.
    """
    if not can_retry(job):
        return None
    with transaction.atomic():
        if job.state == State.RUNNING and not _give_up(job, _stale_cutoff()):
            return None  # it came back to life, or someone else retried it meanwhile
        return request_render(job.report, job.kind, actor=actor)
