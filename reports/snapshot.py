"""The results a report shows, as plain data: taken live for a draft, frozen at approval.

Everything the prose and the attached table need is in here, so an approved report renders
from its snapshot alone and never from the (possibly reopened and changed) live scores.
"""

from decimal import Decimal

from django.utils import translation

from scoring.models import DossierStats, Period, Score
from scoring.results import GroupTally, assign_ranks, grouped, tally

SNAPSHOT_VERSION = 1


def _num(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def take_snapshot(period: Period) -> dict:
    """Results of the period: criteria, bands, units per report group, dossier facts.

    Group labels are taken in Vietnamese: they are printed in the official document.
    """
    with translation.override("vi"):
        return _take(period)


def _take(period: Period) -> dict:
    criteria = list(period.criteria_set.scored_criteria())
    cards = assign_ranks(
        list(period.scorecards.select_related("unit").order_by("unit__order", "unit__name"))
    )
    # Plain rows, not Score objects: a 600-unit period has 5,400 of them.
    scores: dict[int, dict[str, dict]] = {}
    rows = Score.objects.filter(scorecard__period=period).values_list(
        "scorecard_id",
        "criterion__code",
        "self_points",
        "reviewed_points",
        "self_note",
        "review_reason",
    )
    for card_id, code, own, reviewed, note, reason in rows:
        scores.setdefault(card_id, {})[code] = {
            "self": _num(own),
            "reviewed": _num(reviewed),
            "final": _num(reviewed if reviewed is not None else own),
            "note": note,
            "reason": reason,
        }
    groups = [
        {
            "group": group,
            "label": label,
            "units": [_unit_row(c, scores.get(c.id, {})) for c in members],
        }
        for group, label, members in grouped(cards, cards)
    ]
    return {
        "version": SNAPSHOT_VERSION,
        "period": {
            "code": period.code,
            "label": period.label,
            "year": period.year,
            "quarter": period.quarter,
            "basis_document": period.basis_document,
        },
        "organizer": {
            "name": period.organizer.name,
            "short_name": period.organizer.short_name,
            "kind": period.organizer.kind,
        },
        "criteria_set": {
            "name": period.criteria_set.name,
            "legal_bases": list(period.criteria_set.legal_bases),
        },
        "criteria": [
            {
                "code": c.code,
                "title": c.title,
                "short_title": c.short_title or c.title,
                "max_points": _num(c.max_points),
            }
            for c in criteria
        ],
        "bands": period.bands,
        "groups": groups,
        "statuses": sorted({c.status for c in cards}),
        "dossiers": _dossier_facts(period, cards),
    }


def _unit_row(card, scores: dict[str, dict]) -> dict:
    return {
        "scorecard": card.pk,
        "code": card.unit.code,
        "name": card.unit.name,
        "short_name": card.unit.short_name,
        "kind": card.unit.kind,
        "status": card.status,
        "no_tthc": card.no_tthc,
        "self_total": _num(card.self_total),
        "final_total": _num(card.final_total),
        "band": card.band,
        "rank": card.rank,
        "scores": scores,
    }


def _dossier_facts(period: Period, cards) -> dict:
    """Per unit: dossiers received (online, offline), late or overdue; and the totals."""
    unit_ids = [c.unit_id for c in cards]
    stats = DossierStats.objects.filter(
        unit_id__in=unit_ids, year=period.year, quarter=period.quarter
    ).select_related("unit")
    units = [
        {
            "code": s.unit.code,
            "short_name": s.unit.short_name,
            "kind": s.unit.kind,
            "received_online": s.received_online,
            "received_offline": s.received_offline,
            "late": s.late_total,
            "resolved": s.resolved_early + s.resolved_on_time + s.resolved_overdue,
            "resolved_in_time": s.resolved_early + s.resolved_on_time,
        }
        for s in stats
    ]
    return {
        "units": units,
        "received_online": sum(u["received_online"] for u in units),
        "received": sum(u["received_online"] + u["received_offline"] for u in units),
    }


def tallies(snapshot: dict) -> list[GroupTally]:
    """Units per band in each report group of the snapshot (``scoring.results.tally``)."""
    return [
        tally(
            group["group"],
            group["label"],
            [(u["status"], u["band"], u["no_tthc"]) for u in group["units"]],
            snapshot["bands"],
        )
        for group in snapshot["groups"]
    ]
