"""Reviewer pages for imported figures: upload, preview, confirm, the figures per unit.

The district's reviewers and leaders see a period's figures; only reviewers import (leaders
get a 403 there); anyone else gets a 404 (``scoring.access.get_period``). The work is in
``imports.figures``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from imports import figures
from imports.domain import ImportRefused
from imports.forms import SortForm, StagedForm, TokenForm, UploadForm
from scoring import access


@login_required
def figures_page(request: HttpRequest, pk: int) -> HttpResponse:
    period = access.get_period(request.user, pk)
    sort_form = SortForm(request.GET, columns=figures.columns())
    sort = sort_form.cleaned_data["sort"] if sort_form.is_valid() else ""
    rows, sort = figures.sort_rows(figures.figure_rows(period), sort)
    context = {
        "period": period,
        "rows": figures.table(rows),
        "columns": figures.columns(),
        "sort": sort,
        "sort_form": sort_form,
        "batches": figures.batches(period),
        "can_import": access.can_review_period(request.user, period),
        "form": UploadForm(),
    }
    return render(request, "imports/figures.html", context)


@login_required
def download(request: HttpRequest, pk: int, extension: str) -> HttpResponse:
    period = access.get_period(request.user, pk)
    rows = figures.figure_rows(period)
    name = f"so-lieu-ho-so-{period.organizer.code}-{period.code}.{extension}"
    if extension == "csv":
        body, content_type = figures.export_csv(rows), "text/csv; charset=utf-8"
    else:
        title = f"{period.organizer.name} — {period.label}"
        body = figures.export_xlsx(rows, title)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    period = access.get_period(request.user, pk, action="review")
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = figures.preview_upload(request.user, period, *form.upload())
        except ImportRefused as refused:
            for message in refused.messages:
                form.add_error("file", message)
        else:
            context = {
                "period": period,
                "result": result,
                "earlier": result.earlier and figures.describe_earlier(result.earlier),
                "staged_form": StagedForm(initial={"token": result.token, "kind": result.kind}),
            }
            return render(request, "imports/preview.html", context)
    return render(request, "imports/upload.html", {"period": period, "form": form})


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    period = access.get_period(request.user, pk, action="review")
    form = StagedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was imported: the confirmation was incomplete."))
        return redirect("imports:figures", period.pk)
    token, kind = form.cleaned_data["token"], form.cleaned_data["kind"]
    try:
        result = figures.confirm_upload(request.user, period, kind, token)
    except ImportRefused as refused:
        for message in refused.messages:
            messages.error(request, message)
        return redirect("imports:figures", period.pk)
    if result.batch is None:
        messages.info(request, _("Nothing changed: the file equals the current figures."))
    else:
        messages.success(request, imported_message(result))
    return redirect("imports:figures", period.pk)


def imported_message(result) -> str:
    return _(
        "Imported “%(file)s” as batch no. %(batch)s: %(added)s rows added, %(changed)s changed, "
        "%(unchanged)s unchanged."
    ) % {
        "file": result.batch.file_name,
        "batch": result.batch.pk,
        "added": result.added,
        "changed": result.changed,
        "unchanged": result.unchanged,
    }


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    period = access.get_period(request.user, pk, action="review")
    form = TokenForm(request.POST)
    if form.is_valid():
        figures.cancel_upload(request.user, form.cleaned_data["token"])
    messages.info(request, _("The upload was cancelled; nothing was imported."))
    return redirect("imports:figures", period.pk)
