"""Points suggested from the imported statistics, for reviewers to compare with self-scores.

A criterion opts in with a ``suggestion`` rule in its criteria-set file (``statistic`` names one
of the functions below; the other keys are its parameters). Each function returns
``(points, explanation)`` or ``None`` when the statistics say nothing.
"""

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from scoring.models import DossierStats, SurveySummary


def _pct(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('0.1'))}%"


def dossier_timeliness(rule: dict, stats: DossierStats | None, survey) -> tuple[int, str] | None:
    """2: nothing late and most resolved early; 1: nothing late, or late share under the
    tolerance; 0: more late than that."""
    if stats is None:
        return None
    resolved = stats.resolved_early + stats.resolved_on_time + stats.resolved_overdue
    handled = resolved + stats.pending_on_time + stats.pending_overdue
    if not handled:
        return None
    late = stats.late_total
    tolerance = Decimal(str(rule.get("late_tolerance", "0.1")))
    share = Decimal(late) / Decimal(handled)
    why = _("%(late)s of %(total)s dossiers late or overdue; %(early)s resolved early.") % {
        "late": late,
        "total": handled,
        "early": stats.resolved_early,
    }
    if late == 0:
        return (2 if resolved and stats.resolved_early * 2 >= resolved else 1), why
    return (1 if share <= tolerance else 0), why


def online_service(rule: dict, stats: DossierStats | None, survey) -> tuple[int, str] | None:
    """Indicator 9: share of procedures offered online, share of dossiers received online,
    and whether any online dossier is overdue."""
    if stats is None or not stats.procedures_total:
        return None
    share = stats.online_share
    if share is None:
        return None
    procedures = Decimal(stats.procedures_online) / Decimal(stats.procedures_total)
    why = _(
        "%(procedures)s of procedures online; %(dossiers)s of dossiers received online; "
        "%(overdue)s online dossiers overdue."
    ) % {"procedures": _pct(procedures), "dossiers": _pct(share), "overdue": stats.online_overdue}
    on_time = stats.online_overdue == 0
    full = Decimal(str(rule.get("full_procedure_share", "0.2")))
    full_dossiers = Decimal(str(rule.get("full_dossier_share", "0.3")))
    partial = Decimal(str(rule.get("partial_dossier_share", "0.15")))
    if on_time and procedures >= full and share >= full_dossiers:
        return 2, why
    if on_time and share >= partial:
        return 1, why
    return 0, why


def survey_average(rule: dict, stats, survey: SurveySummary | None) -> tuple[int, str] | None:
    """The average points citizens gave this criterion in the surveys, rounded."""
    if survey is None or not survey.forms:
        return None
    code = rule.get("criterion_code")
    average = survey.averages.get(code) if code else None
    if average is None:
        return None
    points = int(Decimal(str(average)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    why = _("Survey of %(forms)s forms: average %(avg)s points.") % {
        "forms": survey.forms,
        "avg": average,
    }
    return points, why


STATISTICS: dict[str, Callable] = {
    "dossier_timeliness": dossier_timeliness,
    "online_service": online_service,
    "survey_average": survey_average,
}


def suggest(
    criterion, stats: DossierStats | None, survey: SurveySummary | None
) -> tuple[Decimal, str] | None:
    rule = criterion.suggestion_rule or {}
    function = STATISTICS.get(rule.get("statistic", ""))
    if function is None:
        return None
    rule = {"criterion_code": criterion.code, **rule}
    found = function(rule, stats, survey)
    if found is None:
        return None
    points, why = found
    return min(Decimal(points), criterion.max_points), why
