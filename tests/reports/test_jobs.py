"""Render jobs run in a real worker process, and a job whose worker dies is not lost.

The first tests start ``manage.py worker`` (django-tasks-db's ``db_worker`` plus recovery) as a
subprocess on the test database, as production runs it: the data is committed
(``transaction=True``) and the worker reads it through ``DATABASE_URL``. On SQLite the test
database is a file (``DATABASES["default"]["TEST"]["NAME"]`` in the settings), so the worker
opens the same file. A worker is killed with SIGKILL while it renders, as a crash or an
out-of-memory kill would. The other tests drive the same code in-process: the immediate backend
runs a queued task at once, and jobs in a given state are rows written as a worker leaves them.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from reports import domain, jobs, signing, worker
from reports.models import RenderJob, Report
from scoring.periods import open_period
from tests.clients import client_for, flashes
from tests.factories import MembershipFactory, district
from tests.reports.conftest import numbered, read, score_period
from units.models import Role

State = RenderJob.State
WORKER_STOPPED = "Máy xử lý nền đã dừng khi đang dựng báo cáo"
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


# ---------------------------------------------------------------------------------------------
# A worker process on the test database


def database_url() -> str:
    """The test database, as a URL for another process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():
            pytest.skip("a worker process needs a file database; the test database is in memory")
        return f"sqlite:///{db['NAME']}"
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}/{db['NAME']}"


@contextmanager
def worker_process(settings, log: Path, stale_after: int = 2) -> Iterator[subprocess.Popen]:
    """``manage.py worker`` on the test database and media folder, killed when the block ends."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TASKS_BACKEND": DATABASE_TASKS["default"]["BACKEND"],
        "TASK_STALE_AFTER": str(stale_after),
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "manage.py", "worker", "--no-reload", "--no-startup-delay"]
    with log.open("ab") as output:
        process = subprocess.Popen(
            [*command, "--interval", "0.1"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def wait_for(condition: Callable[[], object], what: str, log: Path, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    pytest.fail(f"no {what} after {timeout} s; worker log:\n{log.read_text()[-4000:]}")


def state(job: RenderJob) -> str:
    return RenderJob.objects.values_list("state", flat=True).get(pk=job.pk)


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


@pytest.fixture
def large_period(criteria_set):
    """A period of 24 units, every scorecard approved: rendered after the request once
    ``REPORT_INLINE_UNITS`` is lowered, and long enough to render to be killed midway."""
    units = district(n_communes=16, n_agencies=8)
    return score_period(open_period(units.district, 2021, 2, criteria_set))


@pytest.fixture
def approval(large_period, settings):
    """Approve the large period's report with real queueing: the task goes to the database."""
    settings.TASKS = DATABASE_TASKS
    settings.REPORT_INLINE_UNITS = 1

    def approve() -> tuple[Report, RenderJob]:
        report = domain.approve(numbered(domain.report_for(large_period)))
        return report, RenderJob.objects.get(report=report)

    return approve


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_renders_the_approved_pdf_queued_by_approval(approval, settings, tmp_path):
    log = tmp_path / "worker.log"

    with worker_process(settings, log):
        report, job = approval()
        wait_for(lambda: state(job) in (State.DONE, State.FAILED), "finished job", log)

    job.refresh_from_db()
    report.refresh_from_db()
    assert (job.kind, job.state, job.progress, job.attempts) == (
        RenderJob.Kind.APPROVED,
        State.DONE,
        100,
        1,
    )
    assert report.pdf_sha256 == signing.sha256(read(report.pdf))
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_is_killed_starts_again_on_the_next_worker(approval, settings, tmp_path):
    log = tmp_path / "worker.log"
    report, job = approval()
    with worker_process(settings, log) as first:
        wait_for(lambda: state(job) == State.RUNNING, "running job", log)
        kill(first)
    killed = RenderJob.objects.get(pk=job.pk)
    assert (killed.state, killed.attempts, Report.objects.get(pk=report.pk).pdf.name) == (
        State.RUNNING,
        1,
        "",
    )

    with worker_process(settings, log):
        wait_for(lambda: state(job) in (State.DONE, State.FAILED), "finished job", log)

    job.refresh_from_db()
    report.refresh_from_db()
    assert (job.state, job.attempts, job.message) == (State.DONE, 2, "")
    assert report.pdf_sha256 == signing.sha256(read(report.pdf))
    assert DBTaskResult.objects.get(id=killed.task_id).status == "FAILED"
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_dies_too_often_fails_and_the_page_offers_to_try_again(
    approval, large_period, settings, tmp_path, client
):
    settings.TASK_MAX_ATTEMPTS = 1
    settings.TASK_STALE_AFTER = 1
    log = tmp_path / "worker.log"
    report, job = approval()
    with worker_process(settings, log, stale_after=1) as first:
        wait_for(lambda: state(job) == State.RUNNING, "running job", log)
        kill(first)

    wait_for(jobs.recover_stale_jobs, "recovery of the dead worker's job", log, timeout=10)
    client.force_login(MembershipFactory(unit=large_period.organizer, role=Role.LEADER).user)
    page = client.get(reverse("reports:job", args=[job.pk])).content.decode()
    retried = client.post(reverse("reports:job", args=[job.pk]))
    again = RenderJob.objects.exclude(pk=job.pk).get(report=report)
    with worker_process(settings, log):
        wait_for(lambda: state(again) in (State.DONE, State.FAILED), "finished retry", log)

    job.refresh_from_db()
    report.refresh_from_db()
    assert (job.state, job.attempts) == (State.FAILED, 1)
    assert job.message.startswith(WORKER_STOPPED)
    assert WORKER_STOPPED in page
    assert "Thử lại" in page
    assert retried.url == reverse("reports:job", args=[again.pk])
    assert (state(again), report.pdf_sha256) == (State.DONE, signing.sha256(read(report.pdf)))


# ---------------------------------------------------------------------------------------------
# Recovery, in-process


def stale(settings) -> datetime:
    return timezone.now() - timedelta(seconds=settings.TASK_STALE_AFTER + 1)


def job_in(period, kind=RenderJob.Kind.DRAFT, **fields) -> RenderJob:
    return RenderJob.objects.create(report=domain.report_for(period), kind=kind, **fields)


def lost_job(period, settings, attempts: int = 1, **fields) -> RenderJob:
    """A job as a worker killed while rendering leaves it."""
    return job_in(
        period,
        state=State.RUNNING,
        progress=5,
        attempts=attempts,
        heartbeat_at=stale(settings),
        **fields,
    )


@pytest.mark.django_db
def test_recovery_leaves_a_job_alone_while_its_worker_shows_signs_of_life(period):
    job = job_in(period, state=State.RUNNING, attempts=1, heartbeat_at=timezone.now())

    recovered = jobs.recover_stale_jobs()

    job.refresh_from_db()
    assert (recovered, job.state, job.attempts) == (0, State.RUNNING, 1)


@pytest.mark.django_db
def test_recovery_starts_again_a_job_whose_worker_stopped(
    period, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    job = lost_job(period, settings)

    with django_capture_on_commit_callbacks(execute=True):
        recovered = jobs.recover_stale_jobs()

    job.refresh_from_db()
    assert (recovered, job.state, job.attempts, job.progress) == (1, State.DONE, 2, 100)
    assert bool(job.output) is True


@pytest.mark.django_db
def test_recovery_gives_up_after_the_last_attempt_with_a_message(period, settings):
    settings.TASK_MAX_ATTEMPTS = 3
    job = lost_job(period, settings, attempts=3)

    recovered = jobs.recover_stale_jobs()

    job.refresh_from_db()
    assert (recovered, job.state, job.attempts) == (1, State.FAILED, 3)
    assert job.message == (
        "Máy xử lý nền đã dừng khi đang dựng báo cáo; đã chạy 3 lần mà chưa xong. "
        "Hãy bấm “Thử lại”; nếu vẫn dừng, hãy báo quản trị viên."
    )


@pytest.mark.django_db
def test_recovery_queues_a_job_whose_task_was_never_queued(period, settings, immediate_tasks):
    job = job_in(period)
    RenderJob.objects.filter(pk=job.pk).update(created_at=stale(settings))

    recovered = jobs.recover_stale_jobs()

    job.refresh_from_db()
    assert (recovered, job.state, job.attempts) == (1, State.DONE, 1)
    assert job.task_id != ""


@pytest.mark.django_db
def test_a_task_queued_twice_renders_its_job_once(
    period, reviewer, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.request_render(domain.report_for(period), RenderJob.Kind.DRAFT, actor=reviewer)
    job.refresh_from_db()
    finished = (job.state, job.attempts, job.finished_at, job.output.name)

    worker.run_render_job(job.pk)

    job.refresh_from_db()
    assert (job.state, job.attempts, job.finished_at, job.output.name) == finished
    assert finished[:2] == (State.DONE, 1)


@pytest.mark.django_db
def test_the_approved_pdf_is_not_rendered_once_the_approval_was_withdrawn(scored_period, settings):
    settings.REPORT_INLINE_UNITS = 1
    report = domain.approve(numbered(domain.report_for(scored_period)))
    job = RenderJob.objects.get(report=report)
    domain.withdraw(report, reason="Cần thẩm định lại chỉ số 1")

    worker.run_render_job(job.pk)

    job.refresh_from_db()
    report.refresh_from_db()
    assert (job.state, report.pdf.name) == (State.FAILED, "")
    assert job.message == (
        "Báo cáo đã bị hủy duyệt trước khi dựng xong tệp PDF; không có tệp nào được tạo."
    )


# ---------------------------------------------------------------------------------------------
# The progress page


def job_url(job: RenderJob) -> str:
    return reverse("reports:job", args=[job.pk])


@pytest.mark.django_db
def test_the_page_says_when_the_worker_stopped_and_offers_to_try_again(
    client, period, reviewer, settings
):
    job = lost_job(period, settings)
    client.force_login(reviewer)

    page = client.get(job_url(job)).content.decode()

    assert "Máy xử lý nền không còn báo hiệu hoạt động từ" in page
    assert "Thử lại</button>" in page


@pytest.mark.django_db
def test_the_page_says_when_a_job_is_queued_again_after_its_worker_stopped(
    client, period, reviewer, settings
):
    job = job_in(period, attempts=1)
    client.force_login(reviewer)

    page = client.get(job_url(job)).content.decode()

    assert "việc dựng đã được xếp hàng để chạy lại (lần thử 2, tối đa 3 lần)" in page
    assert "Thử lại</button>" not in page


@pytest.mark.django_db
def test_the_page_says_when_no_worker_has_taken_the_job(client, period, reviewer, settings):
    job = job_in(period)
    RenderJob.objects.filter(pk=job.pk).update(created_at=stale(settings))
    client.force_login(reviewer)

    page = client.get(job_url(job)).content.decode()

    assert "Chưa có máy xử lý nền nào nhận việc này" in page


@pytest.mark.django_db
def test_the_page_of_a_job_going_well_has_no_warning_and_no_retry(
    client, period, reviewer, settings
):
    job = job_in(period, state=State.RUNNING, attempts=1, heartbeat_at=timezone.now())
    client.force_login(reviewer)

    page = client.get(job_url(job)).content.decode()

    assert ("msg-warning" in page, "Thử lại</button>" in page) == (False, False)


@pytest.mark.django_db
def test_trying_again_renders_as_a_new_job(
    client, period, reviewer, immediate_tasks, django_capture_on_commit_callbacks
):
    job = job_in(period, state=State.FAILED, attempts=1, message="Không dựng được báo cáo.")
    client.force_login(reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(job_url(job))

    again = RenderJob.objects.exclude(pk=job.pk).get()
    assert response.url == job_url(again)
    assert (again.kind, again.state, again.requested_by) == (job.kind, State.DONE, reviewer)
    assert RenderJob.objects.get(pk=job.pk).state == State.FAILED


@pytest.mark.django_db
def test_trying_again_a_job_whose_worker_stopped_closes_the_old_one_in_vietnamese(
    period, reviewer, settings
):
    job = lost_job(period, settings)
    client = client_for(reviewer)  # reads the interface in English; the record stays Vietnamese

    client.post(job_url(job))

    job.refresh_from_db()
    assert (job.state, job.message.startswith(WORKER_STOPPED)) == (State.FAILED, True)
    assert RenderJob.objects.exclude(pk=job.pk).get().state == State.QUEUED


@pytest.mark.django_db
def test_a_job_still_going_is_not_tried_again(period, reviewer):
    job = job_in(period, state=State.RUNNING, attempts=1, heartbeat_at=timezone.now())
    client = client_for(reviewer)

    response = client.post(job_url(job))

    assert response.url == job_url(job)
    assert flashes(response) == ["This rendering is still going or has finished."]
    assert RenderJob.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["staff", "outside_reviewer"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_outsiders_get_a_404_on_a_job(client, request, period, persona, method):
    job = job_in(period, state=State.FAILED)
    client.force_login(request.getfixturevalue(persona))

    response = getattr(client, method.lower())(job_url(job))

    assert (response.status_code, RenderJob.objects.count()) == (404, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "kind", "expected"),
    [
        ("reviewer", RenderJob.Kind.DRAFT, 302),
        ("reviewer", RenderJob.Kind.APPROVED, 403),
        ("leader", RenderJob.Kind.APPROVED, 302),
    ],
)
def test_only_leaders_try_again_the_approved_pdf(client, request, period, persona, kind, expected):
    job = job_in(period, kind, state=State.FAILED)
    client.force_login(request.getfixturevalue(persona))

    response = client.post(job_url(job))

    assert response.status_code == expected
