"""/healthz: the database answers, and the worker takes its jobs."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from reports.domain import report_for
from reports.jobs import request_render
from reports.management.commands.worker import beat
from reports.models import RenderJob, WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_a_healthy_server_says_ok_to_anyone(client):
    beat()  # what a running worker does when it starts and every half TASK_STALE_AFTER

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert (response.json()["database"], response.json()["worker"]) == ("ok", "ok")
    assert response.json()["worker_seen_seconds_ago"] <= 1
    assert "no-cache" in response["Cache-Control"]


def test_without_any_worker_it_says_so(client):
    body = client.get(reverse("healthz")).json()

    assert (body["status"], body["worker"]) == ("degraded", "none")


def test_a_silent_worker_is_late(client, settings):
    beat()
    silent = timezone.now() - datetime.timedelta(seconds=settings.TASK_STALE_AFTER + 5)
    WorkerHeartbeat.objects.update(seen_at=silent)  # set-up: its last sign of life, long ago

    body = client.get(reverse("healthz")).json()

    assert (body["status"], body["worker"]) == ("degraded", "late")


def test_a_job_nobody_took_for_too_long_says_the_worker_is_late(
    client, period, settings, django_capture_on_commit_callbacks
):
    beat()
    with django_capture_on_commit_callbacks(execute=True):
        request_render(report_for(period), RenderJob.Kind.DRAFT)
    waiting = timezone.now() - datetime.timedelta(seconds=settings.TASK_STALE_AFTER + 30)
    DBTaskResult.objects.update(enqueued_at=waiting)  # set-up: queued long ago

    body = client.get(reverse("healthz")).json()

    assert (body["status"], body["database"], body["worker"]) == ("degraded", "ok", "late")
    assert body["oldest_waiting_job_seconds"] >= settings.TASK_STALE_AFTER + 30
