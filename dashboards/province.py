"""A province's districts side by side for one quarter: units per band, and how far along."""

from collections import defaultdict
from dataclasses import dataclass

from scoring.models import Period, Scorecard, ScorecardStatus
from scoring.results import GroupTally, combine, tally
from units.models import Unit, UnitKind


@dataclass
class DistrictRow:
    district: Unit
    period: Period | None  # None: the district has not opened this quarter
    tally: GroupTally | None
    units: int = 0
    approved: int = 0


def districts(province: Unit) -> list[Unit]:
    return list(Unit.objects.filter(parent=province, kind=UnitKind.DISTRICT))


def quarters(province: Unit) -> list[tuple[int, int]]:
    """The quarters any district of the province opened, newest first."""
    found = (
        Period.objects.filter(organizer__parent=province, organizer__kind=UnitKind.DISTRICT)
        .values_list("year", "quarter")
        .distinct()
    )
    return sorted(set(found), reverse=True)


def rollup(province: Unit, year: int, quarter: int) -> list[DistrictRow]:
    """One row per district of the province (three queries, whatever the number of units)."""
    units = districts(province)
    periods = {
        p.organizer_id: p
        for p in Period.objects.filter(organizer__in=units, year=year, quarter=quarter)
    }
    cards: dict[int, list[tuple[str, str, bool]]] = defaultdict(list)
    rows = Scorecard.objects.filter(period__in=periods.values()).values_list(
        "period_id", "status", "band", "no_tthc"
    )
    for period_id, status, band, no_tthc in rows:
        cards[period_id].append((status, band, no_tthc))
    result = []
    for district in units:
        period = periods.get(district.pk)
        if period is None:
            result.append(DistrictRow(district, None, None))
            continue
        found = cards[period.pk]
        result.append(
            DistrictRow(
                district,
                period,
                tally("", district.short_name, found, period.bands),
                units=len(found),
                approved=sum(s == ScorecardStatus.APPROVED for s, _b, _n in found),
            )
        )
    return result


def totals(rows: list[DistrictRow], label: str) -> tuple[GroupTally, int, int]:
    """The province's line under the districts: units per band (bands matched by label), and
    (approved, units)."""
    whole = combine([r.tally for r in rows if r.tally is not None], label)
    return whole, sum(r.approved for r in rows), sum(r.units for r in rows)
