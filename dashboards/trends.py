"""Results across quarters: a unit's standing over its periods, a district's bands over time.

A unit merged or renamed in the 2025 reform carries its predecessors' quarters: its history is
theirs, then its own.
"""

from collections import defaultdict
from dataclasses import dataclass

from scoring.models import Period, Scorecard
from scoring.results import GroupTally, assign_ranks, card_tallies, combine
from units.access import MAX_DEPTH
from units.models import Unit


def lineage(unit: Unit) -> list[Unit]:
    """The unit and every unit merged into it, however far back (one query per generation)."""
    found = {unit.pk: unit}
    frontier = [unit.pk]
    for _generation in range(MAX_DEPTH):
        earlier = list(Unit.objects.filter(successors__in=frontier).exclude(pk__in=found))
        if not earlier:
            break
        found |= {u.pk: u for u in earlier}
        frontier = [u.pk for u in earlier]
    return list(found.values())


@dataclass
class Standing:
    """One scorecard of the unit (or of a predecessor) with its place among its group."""

    card: Scorecard
    ranked: int  # how many units of its report group have a rank that quarter
    visible: bool  # the viewer may open the scorecard itself

    @property
    def period(self) -> Period:
        return self.card.period


def standings(unit: Unit, visible_ids: set[int] | None) -> list[Standing]:
    """The unit's and its predecessors' scorecards, oldest quarter first, ranked within their
    periods. ``visible_ids``: the scorecards the viewer may open (None: all)."""
    units = lineage(unit)
    own = list(Scorecard.objects.filter(unit__in=units).values_list("pk", "period_id"))
    periods = {period_id for _pk, period_id in own}
    cards = Scorecard.objects.filter(period__in=periods).select_related("unit", "period__organizer")
    by_period: dict[int, list[Scorecard]] = defaultdict(list)
    for card in cards:
        by_period[card.period_id].append(card)
    every = [card for members in by_period.values() for card in assign_ranks(members)]
    mine = {pk for pk, _period in own}
    result = []
    for card in every:
        if card.pk not in mine:
            continue
        peers = [
            c
            for c in by_period[card.period_id]
            if c.unit.report_group == card.unit.report_group and c.rank is not None
        ]
        visible = visible_ids is None or card.pk in visible_ids
        result.append(Standing(card, len(peers), visible))
    result.sort(key=lambda s: (s.period.year, s.period.quarter, s.card.unit.name))
    return result


@dataclass
class QuarterTally:
    period: Period
    groups: list[GroupTally]
    overall: GroupTally


def distribution(periods: list[Period]) -> list[QuarterTally]:
    """Units per band in each of ``periods`` (one query, whatever their number of units)."""
    cards = list(Scorecard.objects.filter(period__in=periods).select_related("unit"))
    by_period: dict[int, list[Scorecard]] = defaultdict(list)
    for card in cards:
        by_period[card.period_id].append(card)
    result = []
    for period in periods:
        members = by_period[period.pk]
        groups = card_tallies(members, period.bands)
        result.append(QuarterTally(period, groups, combine(groups, period.label)))
    return result
