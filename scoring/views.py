"""Scoring pages. Thin: fetch through ``scoring.access``, call ``scoring.domain``, redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, prefetch_related_objects
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from scoring import access, domain
from scoring.domain import ScoringError, StaleScorecard, Transition
from scoring.forms import (
    BoardFilterForm,
    BulkApproveForm,
    DeadlineForm,
    NoTthcForm,
    ReasonForm,
    ReviewForm,
    SelfScoreForm,
)
from scoring.history import lines as history_lines
from scoring.models import DossierStats, EventKind, Evidence, Score, ScorecardStatus, SurveySummary
from scoring.results import assign_ranks, board_rows, group_choices, grouped
from scoring.suggestions import no_dossiers
from units.access import scorable_units


def _scores(card) -> list[Score]:
    """The card's scores with their criteria; their evidence is read by ``_with_evidence``, only
    for a page that lists it (a successful save redirects without)."""
    return list(card.scores.select_related("criterion").order_by("criterion__order"))


def _with_evidence(scores: list[Score]) -> list[Score]:
    evidence = Evidence.objects.order_by("uploaded_at")
    prefetch_related_objects(scores, Prefetch("evidence", queryset=evidence))
    return scores


def _fail(request: HttpRequest, exc: ScoringError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    cards = (
        access.scorecards_for(request.user)
        .filter(unit__in=scorable_units(request.user))
        .select_related("unit", "period")
        .order_by("-period__year", "-period__quarter", "unit__order")
    )
    periods = access.periods_for(request.user).select_related("organizer")
    if len(cards) == 1 and not periods and cards[0].is_editable_by_unit:
        return redirect("scoring:scorecard", cards[0].pk)
    return render(request, "scoring/home.html", {"cards": cards, "periods": periods})


@login_required
def scorecard(request: HttpRequest, pk: int) -> HttpResponse:
    card = access.get_scorecard(request.user, pk)
    own = access.can_self_score(request.user, card)
    editable = card.is_editable_by_unit and own
    scores = _scores(card)
    form = SelfScoreForm(
        request.POST or None,
        request.FILES or None,
        scores=scores,
        initial={"version": card.version},
    )
    if request.method == "POST":
        if not own:
            raise PermissionDenied
        if form.is_valid() and _save_self_assessment(request, card, form):
            return redirect("scoring:scorecard", card.pk)
        if not form.is_valid():
            messages.error(request, _("Nothing was saved: correct the marked fields."))
    _with_evidence(scores)
    context = {
        "card": card,
        "form": form,
        "editable": editable,
        "no_tthc_form": NoTthcForm(initial={"version": card.version, "note": card.no_tthc_note}),
        "bands": card.period.bands,
        # A unit's own people never review it (access.reviewable_scorecards): no query then.
        "can_review": not own and access.can_review(request.user, card),
        "return_note": _last_return_note(card),
    }
    return render(request, "scoring/scorecard.html", context)


def _save_self_assessment(request: HttpRequest, card, form: SelfScoreForm) -> bool:
    """Save (and with "Lưu và gửi", submit) in one domain call; False when refused, with the
    reasons flashed and the user's entries still in ``form``."""
    submit = request.POST.get("action") == "submit"
    try:
        domain.save_self_assessment(
            card,
            form.entries(),
            form.uploads(),
            submit=submit,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            scores=form.scores,
        )
    except ScoringError as exc:
        if submit and card.is_editable_by_unit and not isinstance(exc, StaleScorecard):
            messages.warning(request, _("Nothing was saved or submitted:"))
        _fail(request, exc)
        return False
    messages.success(request, _("Submitted for review.") if submit else _("Saved as a draft."))
    return True


def _last_return_note(card) -> str:
    """The comment the card was last returned with, while it is returned (shown above it)."""
    if card.status != ScorecardStatus.RETURNED:
        return ""
    event = card.events.filter(kind=EventKind.RETURNED).order_by("-created_at", "-id").first()
    return event.note if event else ""


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    card = access.get_scorecard(request.user, pk, action="self")
    form = NoTthcForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    _move(request, card, Transition.SUBMIT, _("Submitted for review."), expected_version=version)
    return redirect("scoring:scorecard", card.pk)


def _move(request: HttpRequest, card, name: str, success: str, **options) -> None:
    """Run one workflow transition and tell the user how it went."""
    try:
        domain.transition(card, name, actor=request.user, **options)
    except ScoringError as exc:
        _fail(request, exc)
    else:
        messages.success(request, success)


@login_required
@require_POST
def no_tthc(request: HttpRequest, pk: int) -> HttpResponse:
    card = access.get_scorecard(request.user, pk, action="self")
    form = NoTthcForm(request.POST)
    declared = request.POST.get("action") != "withdraw"
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; reload the page and try again."))
        return redirect("scoring:scorecard", card.pk)
    try:
        domain.declare_no_tthc(
            card,
            declared,
            form.cleaned_data["note"].strip(),
            actor=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except ScoringError as exc:
        _fail(request, exc)
    else:
        messages.success(
            request,
            _("Declared: no procedure arose this quarter.")
            if declared
            else _("Declaration withdrawn: score the criteria."),
        )
    return redirect("scoring:scorecard", card.pk)


@login_required
def history(request: HttpRequest, pk: int) -> HttpResponse:
    card = access.get_scorecard(request.user, pk)
    return render(request, "scoring/history.html", {"card": card, "history": history_lines(card)})


@login_required
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    evidence = access.get_evidence(request.user, pk)
    inline = (
        evidence.content_type.startswith("image/") or evidence.content_type == "application/pdf"
    )
    response = FileResponse(
        evidence.file.open("rb"),
        content_type=evidence.content_type,
        filename=evidence.original_name,
        as_attachment=not inline,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


@login_required
@require_POST
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = access.get_evidence(request.user, pk, action="self")
    card_pk = evidence.score.scorecard_id
    try:
        domain.remove_evidence(evidence, actor=request.user)
    except ScoringError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Evidence file removed."))
    return redirect("scoring:scorecard", card_pk)


def _review_scores(card) -> list[Score]:
    """The scores with their evidence and the import each suggestion came from (and who
    imported it): a fixed number of queries."""
    return list(
        card.scores.select_related("criterion", "suggestion_batch__imported_by")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at")))
        .order_by("criterion__order")
    )


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    card = access.get_scorecard(request.user, pk, action="review")
    scores = _review_scores(card)
    form = ReviewForm(request.POST or None, scores=scores, initial={"version": card.version})
    if request.method == "POST":
        if form.is_valid():
            try:
                card = _apply_review(request, card, form)
            except ScoringError as exc:
                _fail(request, exc)
            else:
                return redirect("scoring:review", card.pk)
        else:
            messages.error(request, _("Nothing was saved: correct the marked fields."))
    period = card.period
    quarter = {"unit": card.unit, "year": period.year, "quarter": period.quarter}
    stats = DossierStats.objects.filter(**quarter).select_related("import_batch__imported_by")
    stats = stats.first()
    context = {
        "card": card,
        "form": form,
        "editable": card.status == ScorecardStatus.SUBMITTED,
        "stats": stats,
        "no_dossiers": no_dossiers(stats),
        "survey": SurveySummary.objects.filter(**quarter).first(),
        "reason_form": ReasonForm(),
        "deadline_form": DeadlineForm(initial={"deadline": card.effective_deadline}),
    }
    return render(request, "scoring/review.html", context)


def _apply_review(request: HttpRequest, card, form: ReviewForm):
    """Save the review, and return or approve when that button was pressed (all or nothing)."""
    action = request.POST.get("action", "save")
    note = form.return_note() if action == "return" else form.cleaned_data["note"].strip()
    card = domain.apply_review(
        card,
        form.entries(),
        action=action,
        note=note,
        actor=request.user,
        expected_version=form.cleaned_data["version"],
    )
    done = {
        "return": _("Returned to the unit for correction."),
        "approve": _("Approved."),
    }
    messages.success(request, done.get(action, _("Review saved.")))
    return card


@login_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    card = access.get_scorecard(request.user, pk, action="review")
    form = ReasonForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    _move(request, card, Transition.REOPEN, _("Reopened for review."), note=note)
    return redirect("scoring:review", card.pk)


@login_required
@require_POST
def extend_deadline(request: HttpRequest, pk: int) -> HttpResponse:
    card = access.get_scorecard(request.user, pk, action="review")
    form = DeadlineForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label}: {error}")
        return redirect("scoring:review", card.pk)
    try:
        domain.extend_deadline(
            card, form.cleaned_data["deadline"], actor=request.user, note=form.cleaned_data["note"]
        )
    except ScoringError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Deadline extended."))
    return redirect("scoring:review", card.pk)


@login_required
def board(request: HttpRequest, pk: int) -> HttpResponse:
    period = access.get_period(request.user, pk)
    cards = list(period.scorecards.select_related("unit").order_by("unit__order", "unit__name"))
    counts = dict(period.scorecards.values_list("status").annotate(n=Count("id")))
    filters = BoardFilterForm(
        request.GET, statuses=ScorecardStatus.choices, groups=group_choices(cards)
    )
    status = group = ""
    if filters.is_valid():
        status, group = filters.cleaned_data["status"], filters.cleaned_data["group"]
    shown = [
        c
        for c in cards
        if (not status or c.status == status) and (not group or c.unit.report_group == group)
    ]
    reviewable = set(
        access.reviewable_scorecards(request.user)
        .filter(period=period)
        .values_list("pk", flat=True)
    )
    context = {
        "period": period,
        "groups": grouped(board_rows(shown, timezone.localdate(), reviewable), cards),
        "counts": [
            (value, label, counts.get(value, 0)) for value, label in ScorecardStatus.choices
        ],
        "total": len(cards),
        "filters": filters,
        "can_review": access.can_review_period(request.user, period),
        "has_submitted": any(
            c.status == ScorecardStatus.SUBMITTED and c.pk in reviewable for c in shown
        ),
    }
    return render(request, "scoring/board.html", context)


@login_required
@require_POST
def bulk_approve(request: HttpRequest, pk: int) -> HttpResponse:
    period = access.get_period(request.user, pk, action="review")
    form = BulkApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Select at least one scorecard."))
        return redirect("scoring:board", period.pk)
    shown = form.cleaned_data["cards"]
    cards = period.scorecards.filter(pk__in=shown)
    done = domain.bulk_approve(
        {card: shown[card.pk] for card in cards.select_related("unit").prefetch_related("scores")},
        actor=request.user,
    )
    if done.approved:
        messages.success(request, _("Approved %(n)s scorecards.") % {"n": len(done.approved)})
    if done.changed:
        messages.warning(
            request,
            _("Not approved, because they changed after you opened the board: %(names)s.")
            % {"names": _names(done.changed)},
        )
    if done.skipped:
        messages.warning(
            request,
            _("Not approved (not submitted, or adjusted: review them one by one): %(names)s.")
            % {"names": _names(done.skipped)},
        )
    return redirect("scoring:board", period.pk)


def _names(cards) -> str:
    return ", ".join(card.unit.short_name for card in cards)


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    period = access.get_period(request.user, pk)
    cards = assign_ranks(
        list(period.scorecards.select_related("unit").order_by("unit__order", "unit__name"))
    )
    ranked = sorted(cards, key=lambda c: (c.no_tthc, c.rank or 10**9, c.unit.order))
    context = {"period": period, "groups": grouped(ranked, cards)}
    return render(request, "scoring/results.html", context)
