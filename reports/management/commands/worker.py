"""``manage.py worker``: django-tasks-db's ``db_worker``, recovering jobs whose worker died.

It takes the same options as ``db_worker``. When it starts, and then every half
``TASK_STALE_AFTER`` from a thread, it runs ``reports.jobs.recover_stale_jobs``: a job left
RUNNING by a worker that was killed starts again on whichever worker is alive.
"""

import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django.utils.translation import gettext_lazy as _
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from reports import jobs

logger = logging.getLogger(__name__)


class Command(DbWorkerCommand):
    help = _(
        "Run the background worker (django-tasks-db's db_worker) and start again the report "
        "renderings whose worker stopped."
    )

    def handle(self, *args, **options):
        # With --reload (the default when DEBUG) this runs twice: in a watcher process that
        # only restarts the worker when the code changes, and in the worker itself.
        if not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            recover()
            threading.Thread(
                target=recover_every,
                args=(settings.TASK_STALE_AFTER / 2,),
                name="recover-render-jobs",
                daemon=True,
            ).start()
        super().handle(*args, **options)


def beat() -> None:
    """This worker is alive (``/healthz`` reads it)."""
    from django.utils import timezone

    from reports.models import WorkerHeartbeat

    name = f"{socket.gethostname()}:{os.getpid()}"
    WorkerHeartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now()})


def recover_every(seconds: float) -> None:
    while True:
        time.sleep(seconds)
        recover()


def recover() -> None:
    try:
        beat()
        jobs.recover_stale_jobs()
    except DatabaseError:
        logger.exception("Could not recover the render jobs whose worker stopped")
    finally:
        connections.close_all()  # the calling thread's connections only
