"""A quarter's life: opening it (the units that get a scorecard, default deadlines, last
quarter's explanations as a first draft) and closing it once its report is signed.

Like ``scoring.domain`` (whose errors and scoring functions it uses), every write goes
through a function here that runs in a transaction and says its side effects.
"""

import calendar
import datetime
from collections.abc import Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from criteria.models import CriteriaSet
from scoring.domain import ScoringError, refresh_suggestions
from scoring.models import (
    EventKind,
    Period,
    PeriodStatus,
    Score,
    Scorecard,
    ScorecardEvent,
)
from units.access import descendant_ids
from units.models import Unit


def open_period(
    organizer: Unit,
    year: int,
    quarter: int,
    criteria_set: CriteriaSet,
    *,
    self_deadline: datetime.date | None = None,
    review_deadline: datetime.date | None = None,
    basis_document: str = "",
    carry_over: bool = False,
    actor=None,
) -> Period:
    """Open a scoring round.

    Side effects: creates the period with a snapshot of the set's bands; one draft scorecard
    for every scored unit (not a province or district) below the organiser that is active on
    the quarter's last day (``period_units``); one empty score per scored criterion; an
    "opened" event on each scorecard. With ``carry_over``, each unit's explanations of the
    previous quarter (``previous_explanations``) are its starting draft: explanations only,
    never points, statuses or evidence. Refuses an unpublished set, a quarter already opened
    by this organiser, and a review deadline before the self-scoring deadline.
    """
    if not criteria_set.is_published:
        raise ScoringError(_("Criteria set %(set)s is not published.") % {"set": criteria_set})
    if self_deadline and review_deadline and review_deadline < self_deadline:
        raise ScoringError(_("The review deadline must not be before the self-scoring deadline."))
    already_open = ScoringError(
        _("%(unit)s has already opened %(year)s-Q%(quarter)s.")
        % {"unit": organizer, "year": year, "quarter": quarter}
    )
    if Period.objects.filter(organizer=organizer, year=year, quarter=quarter).exists():
        raise already_open
    try:
        with transaction.atomic():
            return _create_period(
                organizer,
                year,
                quarter,
                criteria_set,
                carry_over=carry_over,
                self_deadline=self_deadline,
                review_deadline=review_deadline,
                basis_document=basis_document,
                actor=actor,
            )
    except IntegrityError as exc:  # opened by someone else in the meantime
        raise already_open from exc


def quarter_last_day(year: int, quarter: int) -> datetime.date:
    return Period(year=year, quarter=quarter).last_day


def default_deadlines(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    """The self-scoring and review deadlines a new quarter starts with: the days of the month
    after the quarter that ``SELF_DEADLINE_DAY`` and ``REVIEW_DEADLINE_DAY`` name."""
    after = quarter_last_day(year, quarter) + datetime.timedelta(days=1)
    last = calendar.monthrange(after.year, after.month)[1]
    return tuple(
        after.replace(day=min(day, last))
        for day in (settings.SELF_DEADLINE_DAY, settings.REVIEW_DEADLINE_DAY)
    )


def period_units(organizer: Unit, year: int, quarter: int):
    """The units that get a scorecard when ``organizer`` opens the quarter: every scored unit
    below it that is active on the quarter's last day, in report order."""
    return (
        Unit.objects.filter(id__in=descendant_ids([organizer.id]) - {organizer.id})
        .scored()
        .active_on(quarter_last_day(year, quarter))
        .order_by("order", "name")
    )


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def previous_explanations(
    units: Sequence[Unit], year: int, quarter: int, criteria_set: CriteriaSet
) -> dict[int, dict[str, str]]:
    """unit id → {criterion code: explanation} from the previous quarter's scorecards, in any
    period of that quarter (the organiser may have changed in a reform). A unit scored then
    under its own name takes its own; a unit that has no scorecard then takes its
    predecessors' (a merger: several predecessors' texts, each headed by its unit's name).
    Criteria match by code within the same set, and by code and title across sets."""
    year, quarter = previous_quarter(year, quarter)
    units = list(units)
    predecessors = {
        u.id: list(u.predecessors.all())
        for u in Unit.objects.filter(id__in=[u.id for u in units]).prefetch_related("predecessors")
    }
    wanted = {u.id for u in units} | {p.id for ps in predecessors.values() for p in ps}
    titles = dict(criteria_set.scored_criteria().values_list("code", "title"))
    notes: dict[int, dict[str, str]] = {}
    old = (
        Score.objects.filter(
            scorecard__unit_id__in=wanted,
            scorecard__period__year=year,
            scorecard__period__quarter=quarter,
        )
        .exclude(self_note="")
        .values_list(
            "scorecard__unit_id",
            "criterion__code",
            "criterion__title",
            "criterion__criteria_set__code",
            "self_note",
        )
    )
    for unit_id, code, title, set_code, note in old:
        same = set_code == criteria_set.code or titles.get(code) == title
        if code in titles and same:
            notes.setdefault(unit_id, {})[code] = note
    carried = {}
    for unit in units:
        if unit.id in notes:
            carried[unit.id] = notes[unit.id]
            continue
        sources = [p for p in predecessors.get(unit.id, []) if p.id in notes]
        if len(sources) == 1:
            carried[unit.id] = notes[sources[0].id]
        elif sources:
            merged: dict[str, str] = {}
            for source in sources:
                for code, note in notes[source.id].items():
                    part = f"{source.name}: {note}"
                    merged[code] = f"{merged[code]}\n\n{part}" if code in merged else part
            carried[unit.id] = merged
    return carried


def _create_period(
    organizer, year, quarter, criteria_set, *, actor, carry_over=False, **fields
) -> Period:
    period = Period.objects.create(
        organizer=organizer,
        year=year,
        quarter=quarter,
        criteria_set=criteria_set,
        bands=[band.snapshot() for band in criteria_set.bands.order_by("order")],
        **fields,
    )
    units = list(period_units(organizer, year, quarter))
    carried = previous_explanations(units, year, quarter, criteria_set) if carry_over else {}
    scorecards = Scorecard.objects.bulk_create(Scorecard(period=period, unit=u) for u in units)
    criteria = list(criteria_set.scored_criteria())
    Score.objects.bulk_create(
        Score(
            scorecard=card,
            criterion=c,
            max_points=c.max_points,
            self_note=carried.get(card.unit_id, {}).get(c.code, ""),
        )
        for card in scorecards
        for c in criteria
    )
    ScorecardEvent.objects.bulk_create(
        ScorecardEvent(
            scorecard=card,
            actor=actor,
            kind=EventKind.OPENED,
            after={"carried_over": sorted(carried[card.unit_id], key=_code_order)}
            if carried.get(card.unit_id)
            else {},
        )
        for card in scorecards
    )
    refresh_suggestions(period)
    return period


def _code_order(code: str):
    return [int(part) if part.isdigit() else part for part in code.split(".")]


# ---------------------------------------------------------------------------------------------
# Closing


def close_problems(period: Period) -> list[str]:
    """Why the period cannot be closed now (empty: it can)."""
    from reports.models import Report, ReportStatus

    if period.status == PeriodStatus.CLOSED:
        return [_("The period is already closed.")]
    report = Report.objects.filter(period=period).first()
    if report is None or report.status != ReportStatus.SIGNED:
        return [_("The quarterly report must be signed first.")]
    return []


def close_period(period: Period, *, actor=None) -> Period:
    """Close the quarter once its report is signed: every scorecard becomes read-only
    (``_lock`` refuses every change, reopening included; imports refuse it too).

    Side effects: sets the status, who closed it and when. Refused, naming why, while the
    report is not signed or when already closed.
    """
    with transaction.atomic():
        locked = Period.objects.select_for_update().get(pk=period.pk)
        problems = close_problems(locked)
        if problems:
            raise ScoringError(problems)
        locked.status = PeriodStatus.CLOSED
        locked.closed_at, locked.closed_by = timezone.now(), actor
        locked.save(update_fields=["status", "closed_at", "closed_by"])
    return locked
