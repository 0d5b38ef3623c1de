"""Background tasks, run by the worker (``manage.py worker``) from django-tasks-db's queue.

Each task only hands its job to the code that knows it; requesting, watching and recovering
jobs is ``reports.jobs``.
"""

from django.tasks import task

from reports import worker


@task
def render_job(job_id: int) -> None:
    worker.run_render_job(job_id)
