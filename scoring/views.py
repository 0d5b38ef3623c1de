"""Scoring pages. Thin: fetch through ``scoring.access``, call ``scoring.domain``, redirect."""

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, prefetch_related_objects
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from scoring import access, domain, exports, periods
from scoring.domain import ScoringError, StaleScorecard, Transition
from scoring.forms import (
    BoardFilterForm,
    BulkApproveForm,
    DeadlineForm,
    NoTthcForm,
    OpenPeriodForm,
    ReasonForm,
    ReviewForm,
    SelfScoreForm,
)
from scoring.history import lines as history_lines
from scoring.models import (
    DossierStats,
    EventKind,
    Evidence,
    PeriodStatus,
    Score,
    ScorecardStatus,
    SurveySummary,
)
from scoring.results import (
    assign_ranks,
    board_rows,
    group_choices,
    grouped,
    grouped_units,
    select_rows,
)
from scoring.suggestions import no_dossiers
from tthc_scoring.confirmation import ask_first, confirmed
from units.access import organizing_units, overseen_provinces, scorable_units
from units.models import ReportGroup


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
def start(request: HttpRequest) -> HttpResponse:
    """Where logging in lands: a unit user whose only work is one scorecard to fill in goes
    straight to it; everyone else to the home page (which always lists everything)."""
    editable = [
        card
        for card in access.scorecards_for(request.user)
        .filter(unit__in=scorable_units(request.user))
        .select_related("unit")
        if card.is_editable_by_unit
    ]
    if len(editable) == 1 and not access.periods_for(request.user).exists():
        return redirect("scoring:scorecard", editable[0].pk)
    return redirect("home")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    cards = (
        access.scorecards_for(request.user)
        .filter(unit__in=scorable_units(request.user))
        .select_related("unit", "period")
        .order_by("-period__year", "-period__quarter", "unit__order")
    )
    periods = (
        access.periods_for(request.user)
        .select_related("organizer", "report")
        .annotate(
            waiting=Count("scorecards", filter=Q(scorecards__status=ScorecardStatus.SUBMITTED)),
            units=Count("scorecards"),
            approved=Count("scorecards", filter=Q(scorecards__status=ScorecardStatus.APPROVED)),
        )
    )
    context = {
        "cards": cards,
        "units": scorable_units(request.user).order_by("order", "name"),
        "provinces": overseen_provinces(request.user).order_by("name"),
        "periods": periods,
        "today": timezone.localdate(),
        "can_open": organizing_units(request.user).exists(),
    }
    return render(request, "scoring/home.html", context)


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
        if form.is_valid() and request.POST.get("action") == "submit" and not confirmed(request):
            answer = _save_then_ask_to_submit(request, card, form)
            if answer:
                return answer
        elif form.is_valid() and _save_self_assessment(request, card, form):
            return redirect("scoring:scorecard", card.pk)
        if not form.is_valid():
            messages.error(request, _("Nothing was saved: correct the marked fields."))
    _with_evidence(scores)
    card.count_progress(scores)
    context = {
        "card": card,
        "form": form,
        "editable": editable,
        "no_tthc_form": NoTthcForm(initial={"version": card.version, "note": card.no_tthc_note}),
        "bands": card.period.bands,
        # A unit's own people never review it (access.reviewable_scorecards): no query then.
        "can_review": not own and access.can_review(request.user, card),
        "return_note": _last_return_note(card),
        "can_withdraw": own
        and card.status == ScorecardStatus.SUBMITTED
        and card.review_opened_at is None,
    }
    return render(request, "scoring/scorecard.html", context)


def _save_then_ask_to_submit(request: HttpRequest, card, form) -> HttpResponse | None:
    """ "Lưu và gửi" without the browser's confirmation (no JavaScript): save the draft, so
    nothing typed is lost, then ask on a page of its own, or say why it cannot be submitted.
    None when the save itself was refused (the page shows the input again, with why)."""
    if not _save_self_assessment(request, card, form, submit=False, quiet=True):
        return None
    card.refresh_from_db()
    problems = domain.submit_problems(card)
    if problems:
        messages.warning(request, _("Saved as a draft, but not submitted:"))
        for problem in problems:
            messages.error(request, problem)
        return redirect("scoring:scorecard", card.pk)
    return ask_first(
        request,
        title=_("Submit the scorecard of %(unit)s?") % {"unit": card.unit.name},
        question=_("Your changes are saved as a draft.") + " " + str(SUBMIT_QUESTION),
        confirm_label=_("Submit for review"),
        cancel_url=reverse("scoring:scorecard", args=[card.pk]),
        action=reverse("scoring:submit", args=[card.pk]),
        fields=[("version", str(card.version))],
    )


def _save_self_assessment(
    request: HttpRequest, card, form: SelfScoreForm, *, submit: bool | None = None, quiet=False
) -> bool:
    """Save (and with "Lưu và gửi", submit) in one domain call; False when refused, with the
    reasons flashed and the user's entries still in ``form``."""
    if submit is None:
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
    if not quiet:
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
    asking = ask_first(
        request,
        title=_("Submit the scorecard of %(unit)s?") % {"unit": card.unit.name},
        question=str(SUBMIT_QUESTION),
        confirm_label=_("Submit for review"),
        cancel_url=reverse("scoring:scorecard", args=[card.pk]),
    )
    if asking:
        return asking
    _move(request, card, Transition.SUBMIT, _("Submitted for review."), expected_version=version)
    return redirect("scoring:scorecard", card.pk)


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit takes its submission back to draft, while no reviewer has opened it."""
    card = access.get_scorecard(request.user, pk, action="self")
    asking = ask_first(
        request,
        title=_("Withdraw the submission of %(unit)s?") % {"unit": card.unit.name},
        question=_(
            "The scorecard goes back to draft so that you can change it; submit it again "
            "before the deadline."
        ),
        confirm_label=_("Withdraw the submission"),
        cancel_url=reverse("scoring:scorecard", args=[card.pk]),
    )
    if asking:
        return asking
    _move(
        request,
        card,
        Transition.WITHDRAW,
        _("Submission withdrawn: the scorecard is a draft again."),
    )
    return redirect("scoring:scorecard", card.pk)


SUBMIT_QUESTION = gettext_lazy(
    "The reviewers of the district then check it. You can no longer change it, unless it is "
    "returned to you, or you withdraw the submission before a reviewer opens it."
)


def _attempt(request: HttpRequest, success: str, work, *args, **kwargs) -> bool:
    """Run one domain call as the user and tell them how it went: ``success``, or each reason
    it was refused. True when it was done."""
    try:
        work(*args, actor=request.user, **kwargs)
    except ScoringError as exc:
        _fail(request, exc)
        return False
    messages.success(request, success)
    return True


def _move(request: HttpRequest, card, name: str, success: str, **options) -> None:
    """Run one workflow transition and tell the user how it went."""
    _attempt(request, success, domain.transition, card, name, **options)


@login_required
@require_POST
def no_tthc(request: HttpRequest, pk: int) -> HttpResponse:
    card = access.get_scorecard(request.user, pk, action="self")
    form = NoTthcForm(request.POST)
    declared = request.POST.get("action") != "withdraw"
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; reload the page and try again."))
        return redirect("scoring:scorecard", card.pk)
    _attempt(
        request,
        _("Declared: no procedure arose this quarter.")
        if declared
        else _("Declaration withdrawn: score the criteria."),
        domain.declare_no_tthc,
        card,
        declared,
        form.cleaned_data["note"].strip(),
        expected_version=form.cleaned_data["version"],
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
    """Remove a file from the scorecard form's "Xoá" button. The rest of that form (points,
    explanations, new files) is saved first, so nothing typed is lost; then the user confirms
    (in the browser's dialog, or on a page of its own without JavaScript)."""
    evidence = access.get_evidence(request.user, pk, action="self")
    card = evidence.score.scorecard
    if "version" in request.POST:  # posted with the scorecard form: keep its edits
        form = SelfScoreForm(request.POST, request.FILES, scores=_scores(card))
        if not form.is_valid():
            messages.error(request, _("Nothing was saved: correct the marked fields."))
            return redirect("scoring:scorecard", card.pk)
        if not _save_self_assessment(request, card, form, submit=False, quiet=True):
            return redirect("scoring:scorecard", card.pk)
    asking = ask_first(
        request,
        title=_("Remove the evidence file %(name)s?") % {"name": evidence.original_name},
        question=_(
            "The file is taken off criterion %(code)s of the scorecard; the history keeps its "
            "name and fingerprint. Your other changes on the page have been saved."
        )
        % {"code": evidence.score.criterion.code},
        confirm_label=_("Remove the file"),
        cancel_url=reverse("scoring:scorecard", args=[card.pk]),
        fields=[],
        danger=True,
    )
    if asking:
        return asking
    _attempt(request, _("Evidence file removed."), domain.remove_evidence, evidence)
    return redirect("scoring:scorecard", card.pk)


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
        action = request.POST.get("action", "save")
        if form.is_valid() and action in REVIEW_QUESTIONS and not confirmed(request):
            title, question, label = REVIEW_QUESTIONS[action]
            return ask_first(
                request,
                title=str(title) % {"unit": card.unit.name},
                question=str(question),
                confirm_label=str(label),
                cancel_url=reverse("scoring:review", args=[card.pk]),
            )
        if form.is_valid():
            try:
                card = _apply_review(request, card, form)
            except ScoringError as exc:
                _fail(request, exc)
            else:
                return redirect("scoring:review", card.pk)
        else:
            messages.error(request, _("Nothing was saved: correct the marked fields."))
    if request.method == "GET" and card.status == ScorecardStatus.SUBMITTED:
        domain.mark_review_opened(card)  # the unit can no longer withdraw it
    return _review_page(request, card, scores, form)


def _review_page(request: HttpRequest, card, scores, form, deadline_form=None) -> HttpResponse:
    period = card.period
    quarter = {"unit": card.unit, "year": period.year, "quarter": period.quarter}
    stats = DossierStats.objects.filter(**quarter).select_related("import_batch__imported_by")
    stats = stats.first()
    card.count_progress(scores)
    context = {
        "card": card,
        "form": form,
        "editable": card.status == ScorecardStatus.SUBMITTED,
        "stats": stats,
        "no_dossiers": no_dossiers(stats),
        "survey": SurveySummary.objects.filter(**quarter).first(),
        "reason_form": ReasonForm(),
        "deadline_form": deadline_form
        or DeadlineForm(initial={"deadline": card.effective_deadline}),
        "report_issued": card.status == ScorecardStatus.APPROVED and _report_issued(card.period),
    }
    return render(request, "scoring/review.html", context)


def _report_issued(period) -> bool:
    """The period's report is approved or signed: reopening a card does not change it."""
    from reports.models import Report, ReportStatus

    issued = (ReportStatus.APPROVED, ReportStatus.SIGNED)
    return Report.objects.filter(period=period, status__in=issued).exists()


REVIEW_QUESTIONS = {
    "approve": (
        gettext_lazy("Approve the scorecard of %(unit)s?"),
        gettext_lazy(
            "Your review is saved and the scorecard becomes final: the unit can no longer "
            "change it and its points count in the quarterly report. Only a reviewer can "
            "reopen it."
        ),
        gettext_lazy("Save and approve"),
    ),
    "return": (
        gettext_lazy("Return the scorecard of %(unit)s for correction?"),
        gettext_lazy(
            "Your review is saved and the unit gets the scorecard back, with your comment, to "
            "correct and submit again before its deadline."
        ),
        gettext_lazy("Save and return"),
    ),
}


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
    issued = _report_issued(card.period)
    asking = ask_first(
        request,
        title=_("Reopen the scorecard of %(unit)s?") % {"unit": card.unit.name},
        question=_(
            "The scorecard goes back to “submitted”: you can change the review and approve "
            "it again, or return it to the unit."
        ),
        warnings=[
            _(
                "The quarterly report has already been approved or signed with this scorecard "
                "in it. Reopening does not change the issued report: after the review the "
                "report must be withdrawn, regenerated and approved again."
            )
        ]
        if issued
        else [],
        confirm_label=_("Reopen"),
        cancel_url=reverse("scoring:review", args=[card.pk]),
        danger=issued,
    )
    if asking:
        return asking
    _move(request, card, Transition.REOPEN, _("Reopened for review."), note=note)
    return redirect("scoring:review", card.pk)


@login_required
@require_POST
def extend_deadline(request: HttpRequest, pk: int) -> HttpResponse:
    card = access.get_scorecard(request.user, pk, action="review")
    form = DeadlineForm(request.POST)
    if form.is_valid():
        try:
            domain.extend_deadline(
                card,
                form.cleaned_data["deadline"],
                actor=request.user,
                note=form.cleaned_data["note"],
            )
        except ScoringError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Deadline extended."))
            return redirect("scoring:review", card.pk)
    for name in ("note", "deadline", "__all__"):  # in the banner, and next to their fields
        for error in form.errors.get(name, []):
            messages.error(request, error)
    form_for_page = ReviewForm(scores=_review_scores(card), initial={"version": card.version})
    return _review_page(request, card, form_for_page.scores, form_for_page, deadline_form=form)


BOARD_PAGE_SIZE = 100

BOARD_COLUMNS = [
    ("unit", gettext_lazy("Unit")),
    ("status", gettext_lazy("Status")),
    ("submitted", gettext_lazy("Submitted")),
    ("progress", gettext_lazy("Scored")),
    ("self", gettext_lazy("Self total")),
    ("final", gettext_lazy("Final total")),
    ("band", gettext_lazy("Classification")),
    ("deadline", gettext_lazy("Deadline")),
]


def _board(request: HttpRequest, period):
    """The whole period's rows, the filter form and the rows it keeps (sorted, group by
    group): what the board page and its Excel download share."""
    cards = list(
        period.scorecards.with_progress()
        .select_related("unit")
        .order_by("unit__order", "unit__name")
    )
    filters = BoardFilterForm(
        request.GET,
        statuses=ScorecardStatus.choices,
        groups=group_choices(cards),
        bands=[band["label"] for band in period.bands],
    )
    reviewable = set(
        access.reviewable_scorecards(request.user)
        .filter(period=period)
        .values_list("pk", flat=True)
    )
    rows = board_rows(cards, timezone.localdate(), reviewable)
    wanted = filters.wanted()
    order = {group: index for index, group in enumerate(ReportGroup)}
    shown = sorted(select_rows(rows, wanted), key=lambda row: order[row.unit.report_group])
    return cards, rows, filters, wanted, shown


@login_required
def board(request: HttpRequest, pk: int) -> HttpResponse:
    period = access.get_period(request.user, pk)
    cards, rows, filters, wanted, shown = _board(request, period)
    page = Paginator(shown, BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    counts = Counter(card.status for card in cards)
    can_review = (
        access.can_review_period(request.user, period) and period.status == PeriodStatus.OPEN
    )
    context = {
        "period": period,
        "groups": grouped(list(page.object_list), cards),
        "page": page,
        "shown": len(shown),
        "counts": [(value, label, counts[value]) for value, label in ScorecardStatus.choices],
        "late": sum(row.days_late > 0 for row in rows),
        "total": len(cards),
        "filters": filters,
        "wanted": wanted,
        "columns": [
            (key, label, f"-{key}" if wanted.sort == key else key, _arrow(wanted.sort, key))
            for key, label in BOARD_COLUMNS
        ],
        "can_review": can_review,
        "closable": can_review and not periods.close_problems(period),
        "approvable": [row for row in page.object_list if row.approvable],
    }
    return render(request, "scoring/board.html", context)


def _arrow(sort: str, key: str) -> str:
    return {key: "▲", f"-{key}": "▼"}.get(sort, "")


@login_required
def board_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The board as the reviewer filtered and sorted it, every page, as an Excel file."""
    period = access.get_period(request.user, pk)
    _cards, _rows, _filters, _wanted, shown = _board(request, period)
    response = HttpResponse(
        exports.board_xlsx(period, shown),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="tien-do-{period.code}.xlsx"'
    return response


@login_required
@require_POST
def bulk_approve(request: HttpRequest, pk: int) -> HttpResponse:
    period = access.get_period(request.user, pk, action="review")
    ticked = request.POST.getlist("all" if request.POST.get("which") == "all" else "cards")
    form = BulkApproveForm({"cards": ticked})
    if not form.is_valid():
        messages.error(request, _("Select at least one scorecard."))
        return redirect("scoring:board", period.pk)
    shown = form.cleaned_data["cards"]
    cards = period.scorecards.filter(pk__in=shown)
    asking = ask_first(
        request,
        title=_("Approve %(n)s scorecards?") % {"n": len(shown)},
        question=_(
            "Approving makes these scorecards final: their units can no longer change them, "
            "and their points count in the quarterly report. A scorecard that changed since "
            "you opened the board, or that has adjustments, is left out and named."
        ),
        consequences=[card.unit.name for card in cards.select_related("unit")],
        confirm_label=_("Approve them"),
        cancel_url=reverse("scoring:board", args=[period.pk]),
        fields=[("cards", value) for value in ticked],
    )
    if asking:
        return asking
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


@login_required
def open_quarter(request: HttpRequest) -> HttpResponse:
    """Open a quarter: fill in the form, see which units get a scorecard (and who starts from
    last quarter's explanations), then confirm. Two posts, so nothing opens by accident."""
    organizers = organizing_units(request.user).order_by("name")
    if not organizers.exists():
        raise PermissionDenied
    data = request.POST.copy() if request.method == "POST" else None
    form = OpenPeriodForm(data, organizers=organizers, initial=_next_quarter(organizers[0]))
    preview = None
    if data is not None and form.is_valid():
        values = form.cleaned_data
        if confirmed(request) and form.previewed_unchanged():
            try:
                period = periods.open_period(
                    values["organizer"],
                    values["year"],
                    values["quarter"],
                    values["criteria_set"],
                    self_deadline=values["self_deadline"],
                    review_deadline=values["review_deadline"],
                    basis_document=values["basis_document"].strip(),
                    carry_over=values["carry_over"],
                    actor=request.user,
                )
            except ScoringError as exc:
                _fail(request, exc)
            else:
                messages.success(
                    request,
                    _("Opened %(period)s: %(n)s units can now score themselves.")
                    % {"period": period.label, "n": period.scorecards.count()},
                )
                return redirect("scoring:board", period.pk)
        elif confirmed(request):
            messages.warning(request, _("The form changed: check the list again, then confirm."))
        preview = _opening_preview(values)
        data["previewed"] = form.fingerprint()
        data.pop("confirmed", None)
        form = OpenPeriodForm(data, organizers=organizers)
        form.is_valid()
    return render(request, "scoring/open_period.html", {"form": form, "preview": preview})


def _next_quarter(organizer) -> dict:
    """The form's first values: the quarter after the organiser's latest, else this one."""
    latest = organizer.periods.order_by("-year", "-quarter").first()
    if latest:
        year, quarter = (
            (latest.year, latest.quarter + 1) if latest.quarter < 4 else (latest.year + 1, 1)
        )
    else:
        today = timezone.localdate()
        year, quarter = today.year, (today.month - 1) // 3 + 1
    self_deadline, review_deadline = periods.default_deadlines(year, quarter)
    return {
        "organizer": organizer,
        "year": year,
        "quarter": quarter,
        "self_deadline": self_deadline,
        "review_deadline": review_deadline,
    }


def _opening_preview(values: dict) -> dict:
    units = list(periods.period_units(values["organizer"], values["year"], values["quarter"]))
    carried = (
        periods.previous_explanations(
            units, values["year"], values["quarter"], values["criteria_set"]
        )
        if values["carry_over"]
        else {}
    )
    year, quarter = periods.previous_quarter(values["year"], values["quarter"])
    return {
        "units": [(unit, len(carried.get(unit.id, {}))) for unit in units],
        "groups": grouped_units(units),
        "carried": len(carried),
        "previous": _("quarter %(q)s/%(y)s") % {"q": quarter, "y": year},
        "criteria": values["criteria_set"].scored_criteria().count(),
    }


@login_required
@require_POST
def close_period(request: HttpRequest, pk: int) -> HttpResponse:
    period = access.get_period(request.user, pk, action="review")
    asking = ask_first(
        request,
        title=_("Close %(period)s?") % {"period": period.label},
        question=_(
            "Closing makes the whole quarter read-only: no scorecard, score, evidence or report "
            "of it can change any more, and no scorecard can be reopened. Do it once the signed "
            "report has been issued."
        ),
        confirm_label=_("Close the quarter"),
        cancel_url=reverse("scoring:board", args=[period.pk]),
        danger=True,
    )
    if asking:
        return asking
    success = _("%(period)s is closed.") % {"period": period.label}
    _attempt(request, success, periods.close_period, period)
    return redirect("scoring:board", period.pk)
