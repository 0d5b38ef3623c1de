"""What the background worker does with a render job: take it, keep it alive, render, finish.

Runs in the worker process (``manage.py worker``) through ``reports.tasks.render_job``. While
a job runs, its ``heartbeat_at`` is refreshed when it starts, at each progress step and, from a
small thread, every quarter of ``TASK_STALE_AFTER``: a RUNNING job whose heartbeat is older
than that has lost its worker however long one rendering step takes
(``reports.jobs.recover_stale_jobs``).
"""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, connections
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from reports import documents
from reports.models import RenderJob

logger = logging.getLogger(__name__)
State = RenderJob.State

RENDER_FAILED = _(
    "The report could not be rendered. Try again; if it fails again, tell the administrator."
)
APPROVAL_WITHDRAWN = _(
    "The report's approval was withdrawn before its PDF was rendered; nothing was rendered."
)


def run_render_job(job_id: int) -> None:
    """Render the job's PDF, recording progress and a heartbeat on the job row.

    Side effects: the job goes QUEUED → RUNNING (one more attempt) → DONE or FAILED with a
    message; an approved-PDF job stores the report's approved PDF (unless a previous attempt
    already did, or the approval was withdrawn since), a draft job its own output file. A job
    that is not QUEUED (finished, or taken by another worker) is left alone, so a task queued
    twice renders once. A rendering error is logged and raised again for the task's record.
    """
    if not _take(job_id):
        return
    job = RenderJob.objects.select_related("report__period").get(pk=job_id)
    with _heartbeat(job_id):
        try:
            refusal = _render(job)
        except Exception:
            logger.exception("Render job %s failed", job_id)
            _finish(job_id, State.FAILED, stored(RENDER_FAILED))
            raise
    _finish(job_id, State.FAILED if refusal else State.DONE, refusal)


def _take(job_id: int) -> bool:
    taken = RenderJob.objects.filter(pk=job_id, state=State.QUEUED).update(
        state=State.RUNNING,
        progress=5,
        attempts=F("attempts") + 1,
        heartbeat_at=timezone.now(),
        message="",
    )
    return taken == 1


def _render(job: RenderJob) -> str:
    """Do the job's work; the reason it refused, or "" when done."""

    def progress(percent: int) -> None:
        RenderJob.objects.filter(pk=job.pk).update(progress=percent, heartbeat_at=timezone.now())

    report = job.report
    if job.kind == RenderJob.Kind.APPROVED:
        if report.is_draft:
            return stored(APPROVAL_WITHDRAWN)
        if not report.pdf:
            documents.store_approved_pdf(report, progress)
        return ""
    outputs = documents.draft_pdf(report)
    progress(90)
    job.output.save(f"du-thao-{report.period.code}-{job.pk}.pdf", ContentFile(outputs.pdf))
    return ""


def _finish(job_id: int, state: str, message: str = "") -> None:
    # Whatever recovery decided meanwhile, the work is done: a task queued again for this job
    # then finds it finished and does nothing.
    done = {"progress": 100} if state == State.DONE else {}
    RenderJob.objects.filter(pk=job_id).update(
        state=state, message=message, finished_at=timezone.now(), **done
    )


def stored(message, **values) -> str:
    """A message to store on a job, in the site's language whoever's request or worker runs
    this (``values`` fill its placeholders)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message % values if values else message)


@contextmanager
def _heartbeat(job_id: int) -> Iterator[None]:
    """Refresh the job's heartbeat from a thread while the body runs."""
    if connection.in_atomic_block:
        # Run inline inside the caller's transaction (the immediate backend, in tests): there
        # is no worker to lose, and another connection could not see the job row anyway.
        yield
        return
    stop = threading.Event()
    beat = threading.Thread(
        target=_beat, args=(job_id, stop), name=f"heartbeat-job-{job_id}", daemon=True
    )
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join()


def _beat(job_id: int, stop: threading.Event) -> None:
    try:
        while not stop.wait(settings.TASK_STALE_AFTER / 4):
            try:
                RenderJob.objects.filter(pk=job_id, state=State.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
            except DatabaseError:
                logger.warning("No heartbeat recorded for render job %s", job_id, exc_info=True)
    finally:
        connections.close_all()  # this thread's connections only
