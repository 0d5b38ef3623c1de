"""Report pages: edit the draft, approve, sign, download. Thin: access → domain → redirect."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reports import access, domain, excel
from reports.forms import ReportForm, SignedUploadForm
from reports.models import RenderJob, Report, ReportStatus
from reports.snapshot import take_snapshot
from scoring import access as scoring_access

MAX_SIGNED_BYTES = 30 * 1024 * 1024


def _fail(request: HttpRequest, exc: domain.ReportError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.get_report(request.user, pk)
    form = ReportForm(request.POST or None, instance=report, initial={"version": report.version})
    if request.method == "POST":
        try:
            if request.POST.get("action") == "regenerate":
                domain.regenerate(report)
                messages.success(request, _("The automatic sections were redrafted from the data."))
                return redirect("reports:report", pk)
            if form.is_valid():
                values = {name: form.cleaned_data[name] for name in domain.EDITABLE}
                domain.edit(report, values, expected_version=form.cleaned_data["version"])
                messages.success(request, _("Report saved."))
                return redirect("reports:report", pk)
            messages.error(request, _("Nothing was saved: correct the marked fields."))
        except domain.ReportError as exc:
            _fail(request, exc)
    context = {
        "report": report,
        "period": report.period,
        "form": form,
        "editable": report.is_draft,
        "can_lead": access.can_lead(request.user, report.period),
        "problems": domain.approval_problems(report) if report.is_draft else [],
        "stale": report.status != ReportStatus.DRAFT and _results_changed(report),
        "upload_form": SignedUploadForm(),
        "jobs": report.jobs.all()[:5],
        "hand_edited": [str(Report._meta.get_field(n).verbose_name) for n in report.hand_edited()],
    }
    return render(request, "reports/report.html", context)


def _results_changed(report) -> bool:
    live = take_snapshot(report.period)
    return live["groups"] != (report.snapshot or {}).get("groups")


def _action(request: HttpRequest, pk: int, function, success: str) -> HttpResponse:
    report = access.get_report(request.user, pk, action="lead")
    try:
        function(report, actor=request.user)
    except domain.ReportError as exc:
        _fail(request, exc)
    else:
        messages.success(request, success)
    return redirect("reports:report", pk)


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, domain.approve, _("Report approved; its results are frozen."))


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, domain.withdraw, _("Approval withdrawn: the report is a draft."))


@login_required
@require_POST
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, domain.sign, _("Report signed."))


@login_required
@require_POST
def upload_signed(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.get_report(request.user, pk, action="lead")
    form = SignedUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the signed PDF file."))
        return redirect("reports:report", pk)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_SIGNED_BYTES:
        messages.error(request, _("The file is too large for a signed report."))
        return redirect("reports:report", pk)
    try:
        domain.attach_signed(report, upload.read(), actor=request.user)
    except domain.ReportError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("The signed report was verified and stored."))
    return redirect("reports:report", pk)


def _file(content_or_field, filename: str, content_type: str) -> FileResponse:
    handle = content_or_field.open("rb") if hasattr(content_or_field, "open") else content_or_field
    return FileResponse(handle, filename=filename, content_type=content_type, as_attachment=True)


@login_required
def download(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    report = access.get_report(request.user, pk)
    code = report.period.code
    if kind == "draft.pdf":
        units = report.period.scorecards.count()
        if units > settings.REPORT_INLINE_UNITS:
            job = domain.request_render(report, RenderJob.Kind.DRAFT, actor=request.user)
            return redirect("reports:job", job.pk)
        content = domain.draft_pdf(report).pdf
        return _pdf_response(content, f"du-thao-bao-cao-{code}.pdf")
    if kind == "approved.pdf" and report.pdf:
        return _file(report.pdf, f"bao-cao-{code}.pdf", "application/pdf")
    if kind == "signed.pdf" and report.signed_pdf:
        return _file(report.signed_pdf, f"bao-cao-{code}-da-ky.pdf", "application/pdf")
    if kind == "table.xlsx":
        snapshot = report.snapshot or take_snapshot(report.period)
        content = excel.render_xlsx(report, snapshot)
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="bieu-cham-diem-{code}.xlsx"'
        return response
    messages.error(request, _("That file is not available yet."))
    return redirect("reports:report", pk)


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(RenderJob.objects.select_related("report__period"), pk=pk)
    scoring_access.get_period(request.user, job.report.period_id)
    if request.GET.get("download") and job.state == RenderJob.State.DONE and job.output:
        return _file(job.output, f"du-thao-bao-cao-{job.report.period.code}.pdf", "application/pdf")
    return render(request, "reports/job.html", {"job": job, "period": job.report.period})
