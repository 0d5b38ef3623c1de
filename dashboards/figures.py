"""What a period's dashboard shows, computed from the period's snapshot.

The snapshot (``reports.snapshot.take_snapshot``) is what the report and its Excel table are
drawn from, and ``reports.snapshot.tallies`` counts its bands: the dashboard reads the same
two, so the same period gives the same counts on the page, in the report and in the file.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from reports import drafting
from reports.charts import colour
from scoring.domain import rank
from scoring.models import ScorecardStatus
from scoring.suggestions import number


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def share(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in per cent, or None when there is nothing to divide."""
    return None if not whole else Decimal(part * 100) / Decimal(whole)


@dataclass
class StatusCount:
    status: str
    label: str
    count: int


@dataclass
class GroupProgress:
    label: str
    statuses: list[StatusCount]

    @property
    def total(self) -> int:
        return sum(s.count for s in self.statuses)


def progress(snapshot: dict) -> list[GroupProgress]:
    """Units per scorecard status in each report group."""
    rows = []
    for group in snapshot["groups"]:
        found = [u["status"] for u in group["units"]]
        statuses = [
            StatusCount(value, str(label), found.count(value))
            for value, label in ScorecardStatus.choices
        ]
        rows.append(GroupProgress(group["label"], statuses))
    return rows


@dataclass
class Dossiers:
    received: int
    online: int
    resolved: int
    in_time: int
    late: int

    @property
    def online_share(self) -> Decimal | None:
        return share(self.online, self.received)

    @property
    def on_time_rate(self) -> Decimal | None:
        return share(self.in_time, self.resolved)


def dossiers(snapshot: dict) -> dict[str, Dossiers]:
    """Each unit's dossier figures of the quarter, by unit code."""
    return {
        u["code"]: Dossiers(
            received=u["received_online"] + u["received_offline"],
            online=u["received_online"],
            resolved=u.get("resolved", 0),
            in_time=u.get("resolved_in_time", 0),
            late=u["late"],
        )
        for u in snapshot["dossiers"]["units"]
    }


@dataclass
class Cell:
    code: str
    points: Decimal | None
    level: str  # "full", "part", "zero" or "none" (not scored)
    text: str  # the points as the page prints them ("1,5"), "" when not scored


@dataclass
class HeatRow:
    unit: dict  # the snapshot's unit row
    cells: list[Cell]
    dossiers: Dossiers | None
    low: bool  # approved, and classified below the two best bands


@dataclass
class HeatGroup:
    label: str
    rows: list[HeatRow] = field(default_factory=list)


@dataclass
class HeatMap:
    criteria: list[dict]
    groups: list[HeatGroup]
    nobody: list[str]  # codes of the criteria no scored unit got any points on


def _level(points: Decimal | None, most: Decimal) -> str:
    if points is None:
        return "none"
    if points <= 0:
        return "zero"
    return "full" if points >= most else "part"


def band_classes(bands: list[dict]) -> dict[str, str]:
    """The CSS class that colours each band's label: "band-1" for the best."""
    return {b["label"]: f"band-{b['order']}" for b in bands}


def band_styles(bands: list[dict]) -> list[tuple[str, str]]:
    """(CSS class, colour) of each band with a valid colour, for the page's style block."""
    return [
        (f"band-{b['order']}", colour(b.get("colour"))) for b in bands if colour(b.get("colour"))
    ]


def heat_map(snapshot: dict) -> HeatMap:
    """Units × criteria by final points, with each unit's dossier figures beside them."""
    criteria = snapshot["criteria"]
    most = {c["code"]: Decimal(c["max_points"]) for c in criteria}
    good = {b["label"] for b in sorted(snapshot["bands"], key=lambda b: b["order"])[:2]}
    figures = dossiers(snapshot)
    texts: dict[str | None, str] = {None: ""}  # a few distinct values, formatted once each
    groups = []
    for group in snapshot["groups"]:
        heat = HeatGroup(group["label"])
        for unit in group["units"]:
            cells = []
            if not unit["no_tthc"]:
                for c in criteria:
                    value = unit["scores"].get(c["code"], {}).get("final")
                    if value not in texts:
                        texts[value] = number(value)
                    points = _dec(value)
                    level = _level(points, most[c["code"]])
                    cells.append(Cell(c["code"], points, level, texts[value]))
            low = _approved(unit) and bool(unit["band"]) and unit["band"] not in good
            heat.rows.append(HeatRow(unit, cells, figures.get(unit["code"]), low))
        groups.append(heat)
    nobody = [c["code"] for c in drafting.zero_criteria(snapshot)]
    return HeatMap(criteria, groups, nobody)


@dataclass
class Ranked:
    unit: dict
    colour: str  # the CSS class of its band ("" until approved)
    rank: int | None  # among the group's approved units; None until approved
    approved: bool


def ranking(snapshot: dict) -> list[tuple[str, list[Ranked]]]:
    """Each group's approved units by rank (ties share a place), then the units still without
    a result: a draft's points are not a result yet."""
    colours = band_classes(snapshot["bands"])
    result = []
    for group in snapshot["groups"]:
        approved = {
            u["code"]: Decimal(u["final_total"])
            for u in group["units"]
            if _approved(u) and not u["no_tthc"] and u["final_total"] is not None
        }
        places = rank(approved)
        rows = [
            Ranked(
                u,
                colours.get(u["band"], "") if _approved(u) else "",
                places.get(u["code"]),
                _approved(u),
            )
            for u in group["units"]
        ]
        rows.sort(key=lambda r: (r.rank is None, r.rank or 0, not r.approved, r.unit["no_tthc"]))
        result.append((group["label"], rows))
    return result


def _approved(unit: dict) -> bool:
    return unit["status"] == ScorecardStatus.APPROVED
