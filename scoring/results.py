"""Grouping of a period's scorecards as reports present them: agencies, then local units."""

import datetime
from dataclasses import dataclass

from scoring.domain import rank
from scoring.models import Scorecard
from units.models import ReportGroup, report_group_label


def assign_ranks(cards: list[Scorecard]) -> list[Scorecard]:
    """Set ``rank`` on every scorecard of a period at once (per report group, ties share).

    ``cards`` must be the whole period: a filtered list would rank within the filter.
    """
    for group in ReportGroup:
        members = [c for c in cards if c.unit.report_group == group]
        places = rank({c.pk: c.final_total for c in members if c.final_total is not None})
        for card in members:
            card.rank = places.get(card.pk)
    return cards


@dataclass
class BoardRow:
    card: Scorecard
    days_left: int | None
    reviewable: bool = False

    @property
    def unit(self):
        return self.card.unit

    @property
    def days_late(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0


def board_rows(
    cards: list[Scorecard], today: datetime.date, reviewable: set[int] = frozenset()
) -> list[BoardRow]:
    """One row per scorecard with its days left; ``reviewable`` holds the ids the viewer may
    review (never their own unit's)."""
    rows = []
    for card in cards:
        deadline = card.effective_deadline
        days_left = (deadline - today).days if deadline and card.is_editable_by_unit else None
        rows.append(BoardRow(card, days_left, card.pk in reviewable))
    return rows


def group_label(group: str, cards: list[Scorecard]) -> str:
    kinds = {c.unit.kind for c in cards if c.unit.report_group == group}
    return report_group_label(group, kinds)


def group_choices(cards: list[Scorecard]) -> list[tuple[str, str]]:
    present = {c.unit.report_group for c in cards}
    return [(g.value, group_label(g, cards)) for g in ReportGroup if g in present]


def grouped(items: list, all_cards: list[Scorecard]) -> list[tuple[str, str, list]]:
    """[(group, label, items of that group)] in report order, for groups that have items.

    ``items`` are scorecards or anything with a ``.unit``; labels come from every card of the
    period, so a filter does not change "Các xã, thị trấn" into "Các xã".
    """
    result = []
    for group in ReportGroup:
        members = [item for item in items if item.unit.report_group == group]
        if members:
            result.append((group.value, group_label(group, all_cards), members))
    return result
