"""Two quarters side by side: which units moved up or down a band, and on which criteria.

Units are matched by code; a unit formed by a merger in between is matched to the units it
was formed from.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from scoring.models import ScorecardStatus
from units.models import Unit

UP, DOWN, SAME, OTHER = "up", "down", "same", "other"
APPROVED = ScorecardStatus.APPROVED


@dataclass
class Change:
    code: str
    title: str
    before: Decimal | None
    after: Decimal | None


@dataclass
class Move:
    unit: dict  # the later quarter's unit row
    before: dict | None  # the earlier quarter's row (the unit's or its predecessor's)
    direction: str  # UP, DOWN, SAME, or OTHER (no procedure arose in one of them, or new)
    changes: list[Change] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        """One of the two quarters has no approved result for the unit yet."""
        return any(
            row is not None and row["status"] != APPROVED for row in (self.unit, self.before)
        )


@dataclass
class Comparison:
    groups: list[tuple[str, list[Move]]]

    def count(self, direction: str) -> int:
        return sum(1 for _label, moves in self.groups for m in moves if m.direction == direction)


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _order(snapshot: dict) -> dict[str, int]:
    return {b["label"]: b["order"] for b in snapshot["bands"]}


def predecessor_codes(codes: list[str]) -> dict[str, list[str]]:
    """For each unit code, the codes of the units merged into it (one query)."""
    through = Unit.predecessors.through.objects.filter(from_unit__code__in=codes)
    found: dict[str, list[str]] = {}
    for unit, earlier in through.values_list("from_unit__code", "to_unit__code"):
        found.setdefault(unit, []).append(earlier)
    return found


def _direction(before: dict | None, after: dict, was: dict, now: dict) -> str:
    if before is None or before["no_tthc"] or after["no_tthc"]:
        return OTHER
    if before["status"] != APPROVED or after["status"] != APPROVED:
        return OTHER  # a draft's band is not a result yet
    if before["band"] not in was or after["band"] not in now:
        return OTHER
    # Order 1 is the best band: a smaller order is a move up.
    if now[after["band"]] < was[before["band"]]:
        return UP
    if now[after["band"]] > was[before["band"]]:
        return DOWN
    return SAME


def compare(earlier: dict, later: dict) -> Comparison:
    """Every unit of the ``later`` snapshot against its row in the ``earlier`` one."""
    rows = {u["code"]: u for g in earlier["groups"] for u in g["units"]}
    later_units = [u for g in later["groups"] for u in g["units"]]
    merged = predecessor_codes([u["code"] for u in later_units if u["code"] not in rows])
    titles = {c["code"]: c["short_title"] for c in later["criteria"]}
    was, now = _order(earlier), _order(later)
    groups = []
    for group in later["groups"]:
        moves = []
        for unit in group["units"]:
            before = rows.get(unit["code"]) or next(
                (rows[c] for c in merged.get(unit["code"], []) if c in rows), None
            )
            move = Move(unit, before, _direction(before, unit, was, now))
            if before is not None and not (before["no_tthc"] or unit["no_tthc"]):
                for code, title in titles.items():
                    old = _dec(before["scores"].get(code, {}).get("final"))
                    new = _dec(unit["scores"].get(code, {}).get("final"))
                    if old != new:
                        move.changes.append(Change(code, title, old, new))
            moves.append(move)
        groups.append((group["label"], moves))
    return Comparison(groups)
