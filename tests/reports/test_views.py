"""Report pages: who may open, download, approve and sign; downloads; the render job path.

Personas (tests/conftest.py): ``leader`` and ``reviewer`` of the small Tuần Giáo, ``staff`` of
one of its communes, ``outside_reviewer`` of a neighbouring district. Outsiders get a 404 on
every report URL, never a 403; a reviewer sees and edits the report but only a leader approves,
signs, withdraws or uploads a signed file (403).
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports import domain, signing
from reports.models import RenderJob, Report, ReportStatus
from tests.clients import english
from tests.reports.conftest import WITHDRAW_REASON, normalise, numbered, pdf_text, read

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (method, URL name, download kind)
URLS = [
    ("GET", "reports:report", None),
    ("POST", "reports:report", None),
    ("POST", "reports:approve", None),
    ("POST", "reports:withdraw", None),
    ("POST", "reports:sign", None),
    ("POST", "reports:upload_signed", None),
    ("GET", "reports:download", "draft.pdf"),
    ("GET", "reports:download", "approved.pdf"),
    ("GET", "reports:download", "signed.pdf"),
    ("GET", "reports:download", "table.xlsx"),
    ("GET", "reports:job", None),
]
LEAD_ONLY = ["reports:approve", "reports:withdraw", "reports:sign", "reports:upload_signed"]

# As posted after the confirmation dialog (the confirmation step: tests/reports/test_redraft.py).
CONFIRMED = {"confirmed": "1"}


def url(name: str, period, kind: str | None = None, job: RenderJob | None = None) -> str:
    if name == "reports:job":
        return reverse(name, args=[job.pk])
    if kind:
        return reverse(name, args=[period.pk, kind])
    return reverse(name, args=[period.pk])


def call(client, method: str, path: str, **extra):
    return getattr(client, method.lower())(path, **extra)


def body(response) -> bytes:
    # Reading a streamed file to the end lets the test client close it (and the file).
    return response.getvalue()


# ---------------------------------------------------------------------------------------------
# Permissions


@pytest.mark.parametrize("persona", ["staff", "outside_reviewer"])
@pytest.mark.parametrize(("method", "name", "kind"), URLS)
def test_outsiders_get_a_404_on_every_report_url(
    client, request, period, persona, method, name, kind
):
    job = RenderJob.objects.create(report=domain.report_for(period))
    client.force_login(request.getfixturevalue(persona))

    response = call(client, method, url(name, period, kind, job))

    assert response.status_code == 404


@pytest.mark.parametrize(("method", "name", "kind"), URLS)
def test_anonymous_visitors_are_sent_to_the_login_page(client, period, method, name, kind):
    job = RenderJob.objects.create(report=domain.report_for(period))

    response = call(client, method, url(name, period, kind, job))

    assert (response.status_code, response.url.split("?")[0]) == (302, reverse("login"))


@pytest.mark.parametrize("name", LEAD_ONLY)
def test_only_leaders_approve_sign_withdraw_or_upload(client, period, reviewer, name):
    report = domain.report_for(period)
    before = Report.objects.get(pk=report.pk).version
    client.force_login(reviewer)

    response = call(client, "POST", url(name, period))

    assert response.status_code == 403
    assert Report.objects.get(pk=report.pk).version == before


# ---------------------------------------------------------------------------------------------
# The page and its downloads


@pytest.fixture
def signed_report(approved_report) -> Report:
    return domain.sign(approved_report)


@pytest.mark.parametrize("persona", ["leader", "reviewer"])
def test_the_district_opens_the_report_and_downloads_every_file(
    client, request, signed_report, persona
):
    period = signed_report.period
    code = period.code
    client.force_login(request.getfixturevalue(persona))

    page = client.get(url("reports:report", period))
    draft = client.get(url("reports:download", period, "draft.pdf"))
    approved = client.get(url("reports:download", period, "approved.pdf"))
    signed = client.get(url("reports:download", period, "signed.pdf"))
    table = client.get(url("reports:download", period, "table.xlsx"))

    assert [r.status_code for r in (page, draft, approved, signed, table)] == [200] * 5
    assert [r["Content-Type"] for r in (draft, approved, signed, table)] == [
        "application/pdf",
        "application/pdf",
        "application/pdf",
        XLSX,
    ]
    assert [r["Content-Disposition"] for r in (draft, approved, signed, table)] == [
        f'attachment; filename="du-thao-bao-cao-{code}.pdf"',
        f'attachment; filename="bao-cao-{code}.pdf"',
        f'attachment; filename="bao-cao-{code}-da-ky.pdf"',
        f'attachment; filename="bieu-cham-diem-{code}.xlsx"',
    ]
    assert body(approved) == read(signed_report.pdf)
    assert body(signed) == read(signed_report.signed_pdf)
    assert "DỰ THẢO" in normalise(pdf_text(body(draft), raw=True))
    assert body(table)[:2] == b"PK"


def test_a_file_not_issued_yet_redirects_to_the_report(client, period, leader):
    client.force_login(leader)

    response = client.get(url("reports:download", period, "approved.pdf"))

    assert (response.status_code, response.url) == (302, url("reports:report", period))


def test_a_leader_sees_the_approval_panel_and_a_reviewer_does_not(client, period, leader, reviewer):
    domain.report_for(period)
    approve_url = url("reports:approve", period)

    client.force_login(leader)
    as_leader = client.get(url("reports:report", period)).content.decode()
    client.force_login(reviewer)
    as_reviewer = client.get(url("reports:report", period)).content.decode()

    assert (approve_url in as_leader, approve_url in as_reviewer) == (True, False)


def test_a_reviewer_saves_the_draft(client, period, reviewer):
    report = domain.report_for(period)
    data = {name: getattr(report, name) or "" for name in domain.EDITABLE}
    data |= {"number": "15", "issue_date": "2021-07-05", "version": report.version}
    data["online_threshold"] = "30"  # entered in per cent
    client.force_login(reviewer)

    response = client.post(url("reports:report", period), data)

    saved = Report.objects.get(pk=report.pk)
    assert (response.status_code, response.url) == (302, url("reports:report", period))
    assert (saved.number_symbol, str(saved.issue_date)) == ("15/BC-UBND", "2021-07-05")


# ---------------------------------------------------------------------------------------------
# Leader actions through the pages


def test_a_leader_approves_signs_and_withdraws_through_the_pages(
    client, scored_period, demo_signing, leader
):
    report = numbered(domain.report_for(scored_period))
    client.force_login(leader)

    approved = client.post(url("reports:approve", scored_period), CONFIRMED)
    status_after_approval = Report.objects.get(pk=report.pk).status
    signed = client.post(url("reports:sign", scored_period))
    status_after_signing = Report.objects.get(pk=report.pk).status
    withdrawn = client.post(url("reports:withdraw", scored_period), {"reason": WITHDRAW_REASON})

    assert [r.status_code for r in (approved, signed, withdrawn)] == [302] * 3
    assert (status_after_approval, status_after_signing) == (
        ReportStatus.APPROVED,
        ReportStatus.SIGNED,
    )
    assert Report.objects.get(pk=report.pk).status == ReportStatus.DRAFT


def test_a_refused_approval_shows_its_reasons(client, period, leader):
    domain.report_for(period)
    english(client).force_login(leader)

    response = client.post(url("reports:approve", period), CONFIRMED, follow=True)

    page = response.content.decode()
    assert "scorecards are not approved yet" in page
    assert "Set the report&#x27;s number." in page
    assert Report.objects.get(period=period).status == ReportStatus.DRAFT


def test_a_leader_uploads_the_report_signed_with_a_token(
    client, approved_report, leader, signing_dir
):
    signed = signing.sign(
        read(approved_report.pdf),
        path=str(signing_dir / "demo-signer.p12"),
        password=signing.DEMO_PASSWORD,
    )
    upload = SimpleUploadedFile("da-ky.pdf", signed.content, content_type="application/pdf")
    client.force_login(leader)

    response = client.post(url("reports:upload_signed", approved_report.period), {"file": upload})

    report = Report.objects.get(pk=approved_report.pk)
    assert response.status_code == 302
    assert (report.status, report.signed_sha256, report.certificate_subject) == (
        ReportStatus.SIGNED,
        signed.sha256,
        signed.subject,
    )
    assert read(report.signed_pdf) == signed.content


def test_an_unsigned_upload_is_refused_with_its_reason(client, approved_report, leader):
    upload = SimpleUploadedFile("bao-cao.pdf", read(approved_report.pdf))
    english(client).force_login(leader)

    response = client.post(
        url("reports:upload_signed", approved_report.period),
        {"file": upload},
        follow=True,
    )

    assert "The PDF carries no digital signature." in response.content.decode()
    assert Report.objects.get(pk=approved_report.pk).status == ReportStatus.APPROVED


# ---------------------------------------------------------------------------------------------
# Rendering after the request


def test_a_large_period_renders_its_draft_as_a_job(
    client, period, reviewer, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    settings.REPORT_INLINE_UNITS = 1
    client.force_login(reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url("reports:download", period, "draft.pdf"))

    job = RenderJob.objects.get()
    assert (response.status_code, response.url) == (302, url("reports:job", period, job=job))
    assert (job.kind, job.state, job.progress, job.requested_by) == (
        RenderJob.Kind.DRAFT,
        RenderJob.State.DONE,
        100,
        reviewer,
    )
    page = client.get(url("reports:job", period, job=job))
    download = client.get(url("reports:job", period, job=job) + "?download=1")
    assert (page.status_code, download.status_code) == (200, 200)
    assert download["Content-Type"] == "application/pdf"
    assert "DỰ THẢO" in normalise(pdf_text(body(download), raw=True))


def test_a_large_period_renders_its_approved_pdf_as_a_job(
    client,
    scored_period,
    leader,
    settings,
    demo_signing,
    immediate_tasks,
    django_capture_on_commit_callbacks,
):
    settings.REPORT_INLINE_UNITS = 1
    report = numbered(domain.report_for(scored_period))
    client.force_login(leader)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("reports:approve", scored_period), CONFIRMED)

    report = Report.objects.get(pk=report.pk)
    job = RenderJob.objects.get()
    assert (job.kind, job.state) == (RenderJob.Kind.APPROVED, RenderJob.State.DONE)
    assert report.pdf_sha256 == signing.sha256(read(report.pdf))
    assert "Số: 15/BC-UBND" in normalise(pdf_text(read(report.pdf)))
