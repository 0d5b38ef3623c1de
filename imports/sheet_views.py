"""Scoring sheets: download a pre-filled workbook, fill it offline, upload, preview, confirm.

A unit's staff work on their own scorecard (``scoring.access.get_scorecard``, action "self");
a period's reviewers on every scorecard they review (``get_period``, action "review", and
``reviewable_scorecards``: never their own unit's). Anyone else gets a 404. The upload waits
on the server (``imports.domain.stage``) between the preview and the confirmation; the work
is in ``imports.sheets`` (the workbook) and ``imports.sheet_imports`` (the save).
"""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from imports import sheet_imports, sheets
from imports.domain import ImportRefused, stage, staged, unstage
from imports.sheet_forms import SheetUploadForm, StagedSheetForm
from scoring import access
from scoring.models import Score


def _scores(card) -> list[Score]:
    return list(card.scores.select_related("criterion").order_by("criterion__order"))


def _review_cards(user, period) -> list:
    """The period's scorecards the user reviews, with their scores and criteria: three
    queries whatever the number of units."""
    scores = Score.objects.select_related("criterion").order_by("criterion__order")
    return list(
        access.reviewable_scorecards(user)
        .filter(period=period)
        .select_related("unit")
        .prefetch_related(Prefetch("scores", queryset=scores))
        .order_by("unit__order", "unit__name")
    )


def _xlsx(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=sheets.XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _preview(request: HttpRequest, form: SheetUploadForm, read_sheet) -> dict:
    """Read the uploaded sheet with ``read_sheet(name, content)``; the page's preview (and the
    staged file's token when it changes something), or the reasons on the form."""
    name, content = form.upload()
    try:
        read = read_sheet(name, content)
    except ImportRefused as refused:
        for message in refused.messages:
            form.add_error("file", message)
        return {}
    token = stage(request.user, name, content) if read.cards else ""
    return {"read": read, "staged": StagedSheetForm(initial={"token": token})}


def _confirm(request: HttpRequest, apply, back: str, done: str, saved) -> HttpResponse:
    """Apply the staged upload with ``apply(name, content)``, then go to ``done`` with
    ``saved(applied)`` said; back to ``back`` with the reasons when cancelled or refused. The
    staged file is dropped either way."""
    form = StagedSheetForm(request.POST)
    token = form.cleaned_data["token"] if form.is_valid() else ""
    found = None if form.cancelled else staged(request.user, token)
    unstage(request.user, token)
    if form.cancelled:
        messages.info(request, _("Cancelled: nothing was changed."))
        return redirect(back)
    if found is None:
        messages.error(request, _("The uploaded sheet is no longer here: upload it again."))
        return redirect(back)
    try:
        applied = apply(*found)
    except ImportRefused as refused:
        for message in refused.messages:
            messages.error(request, message)
        return redirect(back)
    if applied is None:
        messages.info(request, _("Nothing changed: the sheet equals the current values."))
    else:
        messages.success(request, saved(applied))
    return redirect(done)


# A unit's own scorecard


@login_required
@require_GET
def unit_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    card = access.get_scorecard(request.user, pk, action="self")
    if not card.is_editable_by_unit:
        messages.error(request, sheets.not_editable(card))
        return redirect("scoring:scorecard", card.pk)
    body = sheets.unit_sheet(card, _scores(card))
    return _xlsx(body, f"bang-cham-diem-{card.unit.code}-{card.period.code}-v{card.version}.xlsx")


@login_required
def unit_upload(request: HttpRequest, pk: int) -> HttpResponse:
    card = access.get_scorecard(request.user, pk, action="self")
    form = SheetUploadForm(request.POST or None, request.FILES or None)
    context = {"card": card, "form": form, "editable": card.is_editable_by_unit}
    if request.method == "POST" and form.is_valid():
        read = partial(sheets.read_unit_sheet, card, _scores(card))
        context |= _preview(request, form, read)
    return render(request, "imports/sheet_upload.html", context)


@login_required
@require_POST
def unit_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    card = access.get_scorecard(request.user, pk, action="self")
    apply = partial(sheet_imports.apply_unit_sheet, card, _scores(card), actor=request.user)
    back = reverse("imports:sheet_upload", args=[card.pk])
    return _confirm(request, apply, back, reverse("scoring:scorecard", args=[card.pk]), _saved)


def _saved(applied: sheet_imports.Applied) -> str:
    return _("Saved as a draft from “%(file)s”: %(changed)s of %(rows)s criteria changed.") % {
        "file": applied.batch.file_name,
        "changed": applied.read.changed,
        "rows": applied.read.rows,
    }


# A period's review


@login_required
@require_GET
def review_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    period = access.get_period(request.user, pk, action="review")
    body = sheets.review_sheet(period, _review_cards(request.user, period))
    return _xlsx(body, f"bang-tham-dinh-{period.organizer.code}-{period.code}.xlsx")


@login_required
def review_upload(request: HttpRequest, pk: int) -> HttpResponse:
    period = access.get_period(request.user, pk, action="review")
    form = SheetUploadForm(request.POST or None, request.FILES or None)
    context = {"period": period, "form": form}
    if request.method == "POST" and form.is_valid():
        cards = _review_cards(request.user, period)
        read = partial(sheets.read_review_sheet, period, cards)
        context |= _preview(request, form, read)
    return render(request, "imports/sheet_review.html", context)


@login_required
@require_POST
def review_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    period = access.get_period(request.user, pk, action="review")
    cards = _review_cards(request.user, period)
    apply = partial(sheet_imports.apply_review_sheet, period, cards, actor=request.user)
    back = reverse("imports:review_sheet_upload", args=[period.pk])
    return _confirm(request, apply, back, reverse("scoring:board", args=[period.pk]), _reviewed)


def _reviewed(applied: sheet_imports.Applied) -> str:
    return _(
        "Review saved from “%(file)s”: %(changed)s criteria changed on %(cards)s scorecards."
    ) % {
        "file": applied.batch.file_name,
        "changed": applied.read.changed,
        "cards": len(applied.read.cards),
    }
