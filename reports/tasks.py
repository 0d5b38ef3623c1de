"""Report rendering after the request, through Django's task framework.

``BackgroundThreadBackend`` runs each enqueued task in a thread once the enqueuing transaction
commits: enough for a single-process deployment such as ``make run``. A deployment with
several processes points ``TASKS`` at a queue-backed backend instead; the task is the same.
"""

import threading

from django.db import close_old_connections, connections, transaction
from django.tasks import task
from django.tasks.backends.immediate import ImmediateBackend
from django.tasks.base import TaskResult, TaskResultStatus
from django.utils.crypto import get_random_string


class BackgroundThreadBackend(ImmediateBackend):
    def enqueue(self, task, args, kwargs):
        self.validate_task(task)
        result = TaskResult(
            task=task,
            id=get_random_string(32),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        transaction.on_commit(
            lambda: threading.Thread(target=self._run, args=(result,), daemon=True).start()
        )
        return result

    def _run(self, result) -> None:
        close_old_connections()
        try:
            self._execute_task(result)
        finally:
            connections.close_all()


@task
def render_job(job_id: int) -> None:
    from reports import domain

    domain.run_render_job(job_id)
