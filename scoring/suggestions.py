"""Points suggested from the imported figures, for reviewers to compare with self-scores.

A criterion opts in with a ``suggestion`` rule in its criteria-set file (``docs/criteria.md``;
checked by ``criteria.loader``): either a ``statistic`` — one of the functions in
``STATISTICS``, over the quarter's dossier statistics (Biểu 06) or survey, its thresholds given
as parameters — or a ``formula`` over the quarter's indicator figures (``FORMULAS``). Each
gives a ``Suggestion``: the points, a text naming the figures they came from, and the import
batch of those figures; or ``None`` when the figures say nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from scoring.models import DossierStats, IndicatorFigure, SurveySummary

# Parameters a criteria-set file may leave out. The published TT 01/2018 file (version 1, which
# cannot change) names the indicator 9 thresholds but not the timeliness ones; a new version of
# a file states them all (docs/criteria.md).
DEFAULTS = {
    "late_tolerance": "0.1",
    "early_share": "0.5",
    "full_procedure_share": "0.2",
    "full_dossier_share": "0.3",
    "partial_dossier_share": "0.15",
}


@dataclass
class QuarterFigures:
    """What was imported about one unit for one quarter."""

    stats: DossierStats | None = None
    survey: SurveySummary | None = None
    figures: dict[str, IndicatorFigure] = field(default_factory=dict)  # by lower-case name


@dataclass(frozen=True)
class Suggestion:
    """Suggested points (``None``: a note only, e.g. a missing figure), the figures they came
    from in words, and the import batch of those figures (the latest, when several)."""

    points: Decimal | None
    source: str
    batch_id: int | None = None


def figures_of(period) -> dict[int, QuarterFigures]:
    """The quarter's statistics, surveys and indicator figures of the period's units, by unit
    id: three queries, whatever the number of units."""
    quarter = {
        "year": period.year,
        "quarter": period.quarter,
        "unit_id__in": period.scorecards.values("unit_id"),
    }
    found: dict[int, QuarterFigures] = {}
    for stats in DossierStats.objects.filter(**quarter):
        found.setdefault(stats.unit_id, QuarterFigures()).stats = stats
    for survey in SurveySummary.objects.filter(**quarter):
        found.setdefault(survey.unit_id, QuarterFigures()).survey = survey
    for figure in IndicatorFigure.objects.filter(**quarter):
        found.setdefault(figure.unit_id, QuarterFigures()).figures[figure.name.lower()] = figure
    return found


def no_dossiers(stats: DossierStats | None) -> bool:
    """The statistics show no dossier at all (none received online, in person or by post, none
    carried over, none resolved or pending): the unit is suggested as "Không phát sinh TTHC"."""
    if stats is None:
        return False
    resolved = stats.resolved_early + stats.resolved_on_time + stats.resolved_overdue
    return stats.received_total + resolved + stats.pending_on_time + stats.pending_overdue == 0


def suggest(criterion, figures: QuarterFigures) -> Suggestion | None:
    rule = criterion.suggestion_rule or {}
    if "formula" in rule:
        function = FORMULAS.get(rule["formula"])
        found = function(rule, figures, criterion) if function else None
    else:
        function = STATISTICS.get(rule.get("statistic", ""))
        found = function({"criterion_code": criterion.code, **rule}, figures) if function else None
    if found is None or found.points is None:
        return found
    return replace(found, points=min(Decimal(found.points), criterion.max_points))


# --- Formatting: numbers the way the active language writes them ("95,0%" in Vietnamese) -----


def number(value) -> str:
    value = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
    return formats.number_format(value, use_l10n=True)


def percent(share: Decimal) -> str:
    return formats.number_format((share * 100).quantize(Decimal("0.1")), 1, use_l10n=True) + "%"


def _parameter(rule: dict, name: str) -> Decimal:
    return Decimal(str(rule.get(name, DEFAULTS[name])))


# --- Statistics over the dossier statistics (Biểu 06) and surveys ---------------------------


def dossier_timeliness(rule: dict, figures: QuarterFigures) -> Suggestion | None:
    """2: nothing late and at least ``early_share`` of the resolved dossiers resolved early;
    1: nothing late, or a late share of at most ``late_tolerance``; 0: more late than that."""
    stats = figures.stats
    if stats is None:
        return None
    resolved = stats.resolved_early + stats.resolved_on_time + stats.resolved_overdue
    handled = resolved + stats.pending_on_time + stats.pending_overdue
    if not handled:
        return None
    late = stats.late_total
    why = _("%(late)s of %(total)s dossiers late or overdue; %(early)s resolved early.") % {
        "late": late,
        "total": handled,
        "early": stats.resolved_early,
    }
    if late == 0:
        early = resolved and stats.resolved_early >= _parameter(rule, "early_share") * resolved
        points = 2 if early else 1
    else:
        points = 1 if Decimal(late) / Decimal(handled) <= _parameter(rule, "late_tolerance") else 0
    return Suggestion(Decimal(points), why, stats.import_batch_id)


def online_service(rule: dict, figures: QuarterFigures) -> Suggestion | None:
    """Indicator 9: 2 when at least ``full_procedure_share`` of the procedures are offered
    online, at least ``full_dossier_share`` of the dossiers came in online and no online
    dossier is overdue; 1 when at least ``partial_dossier_share`` came in online and none is
    overdue; else 0."""
    stats = figures.stats
    if stats is None or not stats.procedures_total or stats.online_share is None:
        return None
    procedures = Decimal(stats.procedures_online) / Decimal(stats.procedures_total)
    share = stats.online_share
    why = _(
        "%(online)s of %(procedures)s procedures online (%(procedure_share)s); "
        "%(received_online)s of %(received)s dossiers received online (%(dossier_share)s); "
        "%(overdue)s online dossiers overdue."
    ) % {
        "online": stats.procedures_online,
        "procedures": stats.procedures_total,
        "procedure_share": percent(procedures),
        "received_online": stats.received_online,
        "received": stats.received_online + stats.received_offline,
        "dossier_share": percent(share),
        "overdue": stats.online_overdue,
    }
    on_time = stats.online_overdue == 0
    if (
        on_time
        and procedures >= _parameter(rule, "full_procedure_share")
        and share >= _parameter(rule, "full_dossier_share")
    ):
        points = 2
    elif on_time and share >= _parameter(rule, "partial_dossier_share"):
        points = 1
    else:
        points = 0
    return Suggestion(Decimal(points), why, stats.import_batch_id)


def survey_average(rule: dict, figures: QuarterFigures) -> Suggestion | None:
    """The average points citizens gave this criterion in the surveys, rounded."""
    survey = figures.survey
    if survey is None or not survey.forms:
        return None
    average = survey.averages.get(rule["criterion_code"])
    if average is None:
        return None
    average = Decimal(str(average))
    why = _("Survey of %(forms)s forms: average %(avg)s points.") % {
        "forms": survey.forms,
        "avg": number(average),
    }
    points = average.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return Suggestion(points, why, survey.import_batch_id)


STATISTICS: dict[str, Callable] = {
    "dossier_timeliness": dossier_timeliness,
    "online_service": online_service,
    "survey_average": survey_average,
}


# --- Formulas over indicator figures ----------------------------------------------------------


def ratio(rule: dict, figures: QuarterFigures, criterion) -> Suggestion | None:
    """numerator ÷ denominator (each the sum of the figures named, "-name" subtracted), kept
    between 0 and 1; then the first threshold that holds, else ``otherwise``; with no
    thresholds, max points × the ratio, rounded to the criterion's step. A denominator of 0
    gives ``when_empty`` points when the rule has them."""
    return _formula(rule, figures, criterion, lambda share: share)


def deduction(rule: dict, figures: QuarterFigures, criterion) -> Suggestion | None:
    """As ``ratio``, but the ratio counts against: max points × (1 − the ratio), e.g. the
    share by which the average time overran the time allowed."""
    return _formula(rule, figures, criterion, lambda share: 1 - share)


def _formula(rule: dict, figures: QuarterFigures, criterion, earned) -> Suggestion | None:
    label = rule.get("label") or criterion.short_title or criterion.title
    names = {term.lstrip("-") for term in [*rule["numerator"], *rule["denominator"]]}
    inputs = {name: figures.figures.get(name) for name in names}
    missing = sorted(name for name, figure in inputs.items() if figure is None)
    if missing:
        if not figures.figures:  # nothing imported for this unit: nothing to say
            return None
        text = _("%(label)s: figures missing: %(names)s.")
        return Suggestion(None, text % {"label": label, "names": ", ".join(missing)})
    batch_id = max((f.import_batch_id or 0 for f in inputs.values()), default=0) or None
    numerator = _total(rule["numerator"], inputs)
    denominator = _total(rule["denominator"], inputs)
    if denominator <= 0:
        if "when_empty" not in rule:
            text = _("%(label)s: %(numerator)s/%(denominator)s, nothing to count.")
            values = {"numerator": number(numerator), "denominator": number(denominator)}
            return Suggestion(None, text % {"label": label, **values}, batch_id)
        points = Decimal(rule["when_empty"])
        text = _("%(label)s: nothing to count → %(points)s points.")
        return Suggestion(points, text % {"label": label, "points": number(points)}, batch_id)
    share = numerator / denominator
    kept = min(max(share, Decimal(0)), Decimal(1))
    if "thresholds" in rule:
        points = _by_thresholds(rule, kept)
    else:
        points = _scaled(criterion, earned(kept))
    text = _("%(label)s: %(numerator)s/%(denominator)s = %(percent)s → %(points)s points.") % {
        "label": label,
        "numerator": number(numerator),
        "denominator": number(denominator),
        "percent": percent(share),
        "points": number(points),
    }
    return Suggestion(points, text, batch_id)


def _total(terms: list[str], inputs: dict[str, IndicatorFigure]) -> Decimal:
    return sum(
        (-inputs[term[1:]].value if term.startswith("-") else inputs[term].value for term in terms),
        Decimal(0),
    )


def _by_thresholds(rule: dict, share: Decimal) -> Decimal:
    for threshold in rule["thresholds"]:
        if "min" in threshold and share >= Decimal(threshold["min"]):
            return Decimal(threshold["points"])
        if "below" in threshold and share < Decimal(threshold["below"]):
            return Decimal(threshold["points"])
    return Decimal(rule.get("otherwise", "0"))


def _scaled(criterion, share: Decimal) -> Decimal:
    """max points × share, rounded half up to a multiple of the criterion's step."""
    steps = (criterion.max_points * share / criterion.step).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return min(steps * criterion.step, criterion.max_points)


FORMULAS: dict[str, Callable] = {"ratio": ratio, "deduction": deduction}
