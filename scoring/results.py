"""Grouping of a period's scorecards as reports present them: agencies, then local units."""

import datetime
import unicodedata
from dataclasses import dataclass

from scoring.domain import rank
from scoring.models import Scorecard, ScorecardStatus
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

    @property
    def band(self) -> str:
        """The classification the board shows: the final one once reviewed, before that the
        one the self total would get."""
        return self.card.band if self.card.is_reviewed else self.card.self_band

    @property
    def approvable(self) -> bool:
        return self.reviewable and self.card.status == "submitted"


def folded(text: str) -> str:
    """Lower case without diacritics, so that "tuan giao" finds "Tuần Giáo"."""
    text = text.lower().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


@dataclass
class BoardFilter:
    """What the reviewer asked the board to show, from ``BoardFilterForm``."""

    q: str = ""
    status: str = ""
    group: str = ""
    band: str = ""
    late: bool = False
    sort: str = ""

    def keeps(self, row: BoardRow) -> bool:
        card = row.card
        return (
            (not self.q or folded(self.q.strip()) in folded(card.unit.name))
            and (not self.status or card.status == self.status)
            and (not self.group or card.unit.report_group == self.group)
            and (not self.band or row.band == self.band)
            and (not self.late or row.days_late > 0)
        )


SORT_KEYS = {
    "unit": lambda row: (row.card.unit.name.lower(),),
    "status": lambda row: (row.card.status,),
    "submitted": lambda row: (row.card.submitted_at,),
    "progress": lambda row: (row.card.progress[0],),
    "self": lambda row: (None if row.card.no_tthc else row.card.self_total,),
    "final": lambda row: (row.card.final_total if row.card.is_reviewed else None,),
    "band": lambda row: (row.band,),
    "deadline": lambda row: (row.days_left,),
}


def select_rows(rows: list[BoardRow], wanted: BoardFilter) -> list[BoardRow]:
    """The rows ``wanted`` keeps, sorted by its column ("-" first: descending) within each
    report group; rows without a value in that column come last either way."""
    kept = [row for row in rows if wanted.keeps(row)]
    column = wanted.sort.removeprefix("-")
    if column in SORT_KEYS:
        descending = wanted.sort.startswith("-")
        key = SORT_KEYS[column]
        present = [r for r in kept if key(r)[0] not in (None, "")]
        missing = [r for r in kept if key(r)[0] in (None, "")]
        kept = sorted(present, key=key, reverse=descending) + missing
    return kept


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


def grouped_units(units: list) -> list[tuple[str, int]]:
    """[(group label, number of units)] in report order, for a list of units."""
    counts = []
    for group in ReportGroup:
        members = [unit for unit in units if unit.report_group == group]
        if members:
            counts.append((report_group_label(group, {u.kind for u in members}), len(members)))
    return counts


@dataclass
class BandCount:
    band: dict  # the band as the period's snapshot holds it (label, phrase, colour, order)
    count: int


@dataclass
class GroupTally:
    """How many units of one report group fall in each band: the counts the report's prose,
    the Excel summary, the dashboard and the province view all print."""

    group: str
    label: str
    bands: list[BandCount]  # every band, best first, zero counts included
    no_tthc: int  # no procedure arose (approved)
    pending: int  # not approved yet: no result to count

    @property
    def total(self) -> int:
        return sum(b.count for b in self.bands) + self.no_tthc + self.pending

    def count(self, label: str) -> int:
        return next((b.count for b in self.bands if b.band["label"] == label), 0)


def tally(group: str, label: str, units, bands: list[dict]) -> GroupTally:
    """Count ``units`` — (status, band label, no procedure arose) — into the period's ``bands``.

    Only approved scorecards have a result; the others count as pending, whatever band their
    points would give today.
    """
    ordered = sorted(bands, key=lambda b: b["order"])
    counts = dict.fromkeys((b["label"] for b in ordered), 0)
    no_tthc = pending = 0
    for status, band, none_arose in units:
        if status != ScorecardStatus.APPROVED:
            pending += 1
        elif none_arose:
            no_tthc += 1
        elif band in counts:
            counts[band] += 1
        else:
            pending += 1
    return GroupTally(
        group, label, [BandCount(b, counts[b["label"]]) for b in ordered], no_tthc, pending
    )


def combine(tallies: list[GroupTally], label: str, group: str = "") -> GroupTally:
    """Several tallies added up, bands matched by label (groups of a period, districts of a
    province, which may score with different criteria sets): the line under them."""
    bands: dict[str, dict] = {}
    for t in tallies:
        for b in t.bands:
            bands.setdefault(b.band["label"], b.band)
    ordered = sorted(bands.values(), key=lambda b: b["order"])
    return GroupTally(
        group,
        label,
        [BandCount(b, sum(t.count(b["label"]) for t in tallies)) for b in ordered],
        sum(t.no_tthc for t in tallies),
        sum(t.pending for t in tallies),
    )


def card_tallies(cards: list[Scorecard], bands: list[dict]) -> list[GroupTally]:
    """``tally`` per report group of a period's scorecards (``cards``: the whole period)."""
    return [
        tally(group, label, [(c.status, c.band, c.no_tthc) for c in members], bands)
        for group, label, members in grouped(cards, cards)
    ]
