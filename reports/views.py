"""Report pages: edit the draft, approve, sign, download. Thin: access → domain → redirect."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reports import access, documents, domain, excel, history, jobs
from reports.forms import ReportForm, SignedUploadForm, WithdrawForm
from reports.models import IssuedDocumentKind, RenderJob, Report, ReportStatus
from reports.snapshot import take_snapshot
from tthc_scoring.confirmation import ask_first, confirmed


def _fail(request: HttpRequest, exc: domain.ReportError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _page(request: HttpRequest, report: Report, **forms) -> HttpResponse:
    """The report page; ``forms`` are bound forms to show again with their errors."""
    context = {
        "report": report,
        "period": report.period,
        "form": ReportForm(instance=report, initial={"version": report.version}),
        "editable": report.is_draft,
        "signable": report.status == ReportStatus.APPROVED,
        "can_lead": access.can_lead(request.user, report.period),
        "problems": domain.approval_problems(report) if report.is_draft else [],
        "stale": not report.is_draft and _results_changed(report),
        "upload_form": SignedUploadForm(),
        "withdraw_form": WithdrawForm(),
        "jobs": report.jobs.all()[:5],
        "hand_edited": [str(Report._meta.get_field(n).verbose_name) for n in report.hand_edited()],
        "history": history.lines(report),
        "documents": report.documents.select_related("created_by"),
        **forms,
    }
    return render(request, "reports/report.html", context)


def _refused(request: HttpRequest, report: Report, shown: bool, **forms) -> HttpResponse:
    """A refused form: beside its fields if the page shows that form, else as messages."""
    if shown:
        return _page(request, report, **forms)
    for form in forms.values():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("reports:report", report.period_id)


@login_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.get_report(request.user, pk)
    if request.method != "POST":
        return _page(request, report)
    if request.POST.get("action") == "regenerate":
        return _regenerate(request, report)
    form = ReportForm(request.POST, instance=report)
    if form.is_valid():
        values = {name: form.cleaned_data[name] for name in domain.EDITABLE}
        version = form.cleaned_data["version"]
        try:
            domain.edit(report, values, expected_version=version, actor=request.user)
        except domain.ReportError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Report saved."))
            return redirect("reports:report", pk)
    else:
        messages.error(request, _("Nothing was saved: correct the marked fields."))
    return _page(request, report, form=form)


def _regenerate(request: HttpRequest, report: Report) -> HttpResponse:
    """ "Soạn lại từ dữ liệu": first save what the page holds (nothing typed is lost), then
    show each section that would change, before and after, the ones edited by hand unticked;
    only the confirmation (``confirmed``, with the ticked ``replace``) writes."""
    if confirmed(request):
        try:
            domain.regenerate(report, replace=request.POST.getlist("replace"), actor=request.user)
        except domain.ReportError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("The automatic sections were redrafted from the data."))
        return redirect("reports:report", report.period_id)
    if "version" in request.POST:  # posted with the report's form: keep its edits
        form = ReportForm(request.POST, instance=Report.objects.get(pk=report.pk))
        if not form.is_valid():
            messages.error(request, _("Nothing was saved: correct the marked fields."))
            return _page(request, report, form=form)
        values = {name: form.cleaned_data[name] for name in domain.EDITABLE}
        try:
            report = domain.edit(
                report, values, expected_version=form.cleaned_data["version"], actor=request.user
            )
        except domain.ReportError as exc:
            _fail(request, exc)
            return redirect("reports:report", report.period_id)
    if not report.is_draft:
        messages.error(request, str(domain.NOT_A_DRAFT))
        return redirect("reports:report", report.period_id)
    changes = domain.redraft_preview(report)
    if not changes:
        messages.info(request, _("Redrafting would change nothing: the sections match the data."))
        return redirect("reports:report", report.period_id)
    return render(
        request,
        "reports/redraft.html",
        {"report": report, "period": report.period, "changes": changes},
    )


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
    report = access.get_report(request.user, pk, action="lead")
    asking = ask_first(
        request,
        title=_("Approve the report %(number)s?") % {"number": report.number_symbol or ""},
        question=_(
            "The results are frozen as they are now and the approved PDF is issued, ready to "
            "be signed. To change anything afterwards the approval must be withdrawn."
        ),
        confirm_label=_("Approve the report"),
        cancel_url=reverse("reports:report", args=[pk]),
    )
    if asking:
        return asking
    return _action(request, pk, domain.approve, _("Report approved; its results are frozen."))


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw the approval, for the reason written in the confirmation form."""
    report = access.get_report(request.user, pk, action="lead")
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            domain.withdraw(report, reason=form.cleaned_data["reason"], actor=request.user)
        except domain.ReportError as exc:
            form.add_error("reason", exc.messages)
        else:
            messages.success(request, _("Approval withdrawn: the report is a draft."))
            return redirect("reports:report", pk)
    return _refused(request, report, not report.is_draft, withdraw_form=form)


@login_required
@require_POST
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, domain.sign, _("Report signed."))


@login_required
@require_POST
def upload_signed(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.get_report(request.user, pk, action="lead")
    form = SignedUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            domain.attach_signed(report, form.cleaned_data["file"], actor=request.user)
        except domain.ReportError as exc:
            form.add_error("file", exc.messages)
        else:
            messages.success(request, _("The signed report was verified and stored."))
            return redirect("reports:report", pk)
    shown = report.status == ReportStatus.APPROVED
    return _refused(request, report, shown, upload_form=form)


@login_required
def issued_document(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    """A PDF the report was once issued as, withdrawn or not, to whoever sees the report."""
    report = access.get_report(request.user, pk)
    document = get_object_or_404(report.documents, pk=document_pk)
    signed = "da-ky-" if document.kind == IssuedDocumentKind.SIGNED else ""
    filename = f"bao-cao-{report.period.code}-{signed}{document.pk}.pdf"
    return _file(document.file, filename, "application/pdf")


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
            job = jobs.request_render(report, RenderJob.Kind.DRAFT, actor=request.user)
            return redirect("reports:job", job.pk)
        content = documents.draft_pdf(report).pdf
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
    """A render job's progress page; POST tries the rendering again, as a new job."""
    job = access.get_job(request.user, pk, action="retry" if request.method == "POST" else "view")
    if request.method == "POST":
        again = jobs.retry(job, actor=request.user)
        if again is None:
            messages.error(request, _("This rendering is still going or has finished."))
            return redirect("reports:job", job.pk)
        return redirect("reports:job", again.pk)
    if request.GET.get("download") and job.state == RenderJob.State.DONE and job.output:
        return _file(job.output, f"du-thao-bao-cao-{job.report.period.code}.pdf", "application/pdf")
    context = {
        "job": job,
        "period": job.report.period,
        "warning": jobs.warning(job),
        "can_retry": jobs.can_retry(job),
    }
    return render(request, "reports/job.html", context)
