"""The dashboards: a period at a glance, a unit across quarters, two quarters compared, a
province's districts side by side. All read-only; each chart has its numbers in a table."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboards import comparison, figures, province, trends
from reports import charts
from reports.snapshot import take_snapshot, tallies
from scoring import access
from scoring.models import Period, ScorecardStatus
from units.access import get_province, get_unit

# How many quarters the "over time" charts go back.
QUARTERS_SHOWN = 8
STATUS_COLOURS = {
    ScorecardStatus.DRAFT: "#9e9e9e",
    ScorecardStatus.SUBMITTED: "#1565c0",
    ScorecardStatus.RETURNED: "#ef6c00",
    ScorecardStatus.APPROVED: "#2e7d32",
}


def _progress_chart(rows: list[figures.GroupProgress]) -> str:
    series = [
        (str(label), STATUS_COLOURS[value], [r.statuses[i].count for r in rows])
        for i, (value, label) in enumerate(ScorecardStatus.choices)
    ]
    series = [s for s in series if any(s[2])]
    labels = [r.label for r in rows]
    return charts.stacked_chart(_("Scorecards by status"), labels, series, horizontal=True)


def _distribution_chart(quarters: list[trends.QuarterTally]) -> str:
    return charts.band_chart(
        [q.overall for q in quarters], title=_("Units per classification, quarter by quarter")
    )


def _days(deadline, today) -> int | None:
    return None if deadline is None else (deadline - today).days


@login_required
def period_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    period = access.get_period(request.user, pk)
    snapshot = take_snapshot(period)
    tallied = tallies(snapshot)
    progress = figures.progress(snapshot)
    # The organiser's own quarters, and those of the units it was formed from (the 2025 reform).
    earlier = list(
        access.periods_for(request.user)
        .filter(organizer__in=trends.lineage(period.organizer))
        .filter(Q(year__lt=period.year) | Q(year=period.year, quarter__lt=period.quarter))
        .order_by("-year", "-quarter")[: QUARTERS_SHOWN - 1]
    )
    quarters = trends.distribution([*reversed(earlier), period])
    today = timezone.localdate()
    context = {
        "period": period,
        "tallies": tallied,
        "bands": sorted(snapshot["bands"], key=lambda b: b["order"]),
        "band_styles": figures.band_styles(snapshot["bands"]),
        "band_chart": charts.data_uri(
            charts.band_chart(tallied, title=_("Units per classification"))
        ),
        "progress": progress,
        "progress_chart": charts.data_uri(_progress_chart(progress)),
        "statuses": ScorecardStatus.choices,
        "self_days": _days(period.self_deadline, today),
        "review_days": _days(period.review_deadline, today),
        "ranking": figures.ranking(snapshot),
        "heat": figures.heat_map(snapshot),
        "quarters": quarters,
        "distribution_chart": charts.data_uri(_distribution_chart(quarters))
        if len(quarters) > 1
        else "",
        "previous": earlier[0] if earlier else None,
    }
    return render(request, "dashboards/period.html", context)


@login_required
def unit_trend(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit's total, classification and rank over its quarters (its predecessors' too)."""
    unit = get_unit(request.user, pk)
    visible = set(
        access.scorecards_for(request.user)
        .filter(unit__in=trends.lineage(unit))
        .values_list("pk", flat=True)
    )
    standings = trends.standings(unit, visible)
    names = list(dict.fromkeys(s.card.unit.name for s in standings))
    labels = list(dict.fromkeys(s.period.label for s in standings))
    # Approved totals only: a draft's total is not a result yet.
    totals = {
        (s.card.unit.name, s.period.label): s.card.final_total
        for s in standings
        if s.card.status == ScorecardStatus.APPROVED and not s.card.no_tthc
    }
    series = [(name, [totals.get((name, label)) for label in labels]) for name in names]
    chart = (
        charts.line_chart(_("Final total, quarter by quarter"), labels, series) if standings else ""
    )
    context = {
        "unit": unit,
        "standings": standings,
        "chart": charts.data_uri(chart) if chart else "",
        "merged": len(names) > 1,
    }
    return render(request, "dashboards/unit.html", context)


@login_required
def compare(request: HttpRequest, pk: int) -> HttpResponse:
    """This quarter against an earlier one (the one before, unless the viewer picks)."""
    period = access.get_period(request.user, pk)
    choices = list(
        access.periods_for(request.user)
        .exclude(pk=period.pk)
        .select_related("organizer")
        .order_by("-year", "-quarter", "organizer__name")
    )
    wanted = request.GET.get("with", "")
    other = next((p for p in choices if str(p.pk) == wanted), None)
    if other is None:
        organizers = {unit.pk for unit in trends.lineage(period.organizer)}
        before = [p for p in choices if p.organizer_id in organizers]
        before = [p for p in before if (p.year, p.quarter) < (period.year, period.quarter)]
        other = before[0] if before else None
    result = None
    if other is not None:
        result = comparison.compare(take_snapshot(other), take_snapshot(period))
    context = {
        "period": period,
        "other": other,
        "choices": choices,
        "comparison": result,
        "up": result.count(comparison.UP) if result else 0,
        "down": result.count(comparison.DOWN) if result else 0,
        "UP": comparison.UP,
        "DOWN": comparison.DOWN,
    }
    return render(request, "dashboards/compare.html", context)


@login_required
def province_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Each district of the province for one quarter: units per band, and how far along."""
    unit = get_province(request.user, pk)
    quarters = province.quarters(unit)
    chosen = quarters[0] if quarters else None
    wanted = request.GET.get("quarter", "")
    for year, quarter in quarters:
        if wanted == f"{year}-Q{quarter}":
            chosen = (year, quarter)
    rows = province.rollup(unit, *chosen) if chosen else []
    opened = [r for r in rows if r.tally is not None]
    chart = ""
    if opened:
        chart = charts.data_uri(
            charts.band_chart([r.tally for r in opened], title=_("Units per classification"))
        )
    whole, approved, units = province.totals(rows, _("Whole province"))
    bands = [count.band for count in whole.bands]
    context = {
        "province": unit,
        "quarters": [(f"{y}-Q{q}", Period(year=y, quarter=q).label) for y, q in quarters],
        "chosen": f"{chosen[0]}-Q{chosen[1]}" if chosen else "",
        "rows": rows,
        "bands": bands,
        "band_styles": figures.band_styles(bands),
        "chart": chart,
        "whole": whole,
        "approved": approved,
        "units": units,
    }
    return render(request, "dashboards/province.html", context)
