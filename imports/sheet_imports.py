"""Applying a filled scoring sheet (``imports.sheets``) through the scoring domain.

A unit's sheet is saved as a draft by ``scoring.domain.save_self_assessment``, a reviewer's by
``scoring.domain.apply_review`` for each scorecard it changes: the same functions, checks and
optimistic locking as the forms, with the version written in the sheet. Each applied sheet is
recorded as an ``ImportBatch`` (kind "score_sheet", the file kept), and the events the domain
wrote carry that batch and a note naming the file, so the history says where the save came
from. All or nothing: one refused value or one scorecard saved since the sheet was written
refuses the whole file.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from imports.domain import ImportRefused, sha256_of
from imports.sheets import SheetRead, download_again, read_review_sheet, read_unit_sheet
from scoring import domain
from scoring.domain import ScoringError, StaleScorecard
from scoring.models import (
    EventKind,
    ImportBatch,
    ImportKind,
    ImportOutcome,
    Period,
    Score,
    Scorecard,
    ScorecardEvent,
)


@dataclass
class Applied:
    batch: ImportBatch
    read: SheetRead


def apply_unit_sheet(
    card: Scorecard, scores: Sequence[Score], name: str, content: bytes, *, actor
) -> Applied | None:
    """Save a unit's filled sheet as a draft of ``card``; None when it changes nothing.

    Side effects: those of ``save_self_assessment`` (submit=False) with the version written in
    the sheet, an ``ImportBatch`` with the file, and the "self_scored" event linked to it with
    a note naming the file, in one transaction. Raises ``ImportRefused`` (nothing changed).
    """
    with transaction.atomic():
        read = read_unit_sheet(card, scores, name, content)
        if not read.cards:
            return None
        (changes,) = read.cards
        try:
            domain.save_self_assessment(
                card, changes.entries(), actor=actor, expected_version=changes.version
            )
        except StaleScorecard as exc:
            raise ImportRefused([*exc.messages, download_again()]) from None
        except ScoringError as exc:
            raise ImportRefused(exc.messages) from None
        batch = _record(read, content, card.period, actor)
        _link_events([card], EventKind.SELF_SCORED, batch)
    return Applied(batch, read)


def apply_review_sheet(
    period: Period, cards: Sequence[Scorecard], name: str, content: bytes, *, actor
) -> Applied | None:
    """Save a reviewer's filled sheet: the review of every scorecard it changes; None when it
    changes nothing.

    Side effects: for each changed scorecard, those of ``apply_review`` (action "save") with
    the version written in the sheet; an ``ImportBatch`` with the file; each "reviewed" event
    linked to it with a note naming the file. One transaction: a scorecard refused by the
    domain (saved since, not awaiting review, a value refused) refuses the whole sheet, naming
    every such unit. Raises ``ImportRefused``.
    """
    with transaction.atomic():
        read = read_review_sheet(period, cards, name, content)
        if not read.cards:
            return None
        errors = []
        for changes in read.cards:
            try:
                domain.apply_review(
                    changes.card,
                    changes.entries(),
                    action="save",
                    actor=actor,
                    expected_version=changes.version,
                )
            except ScoringError as exc:
                errors.extend(f"{changes.card.unit.name}: {m}" for m in exc.messages)
        if errors:
            raise ImportRefused(errors)  # leaves the atomic block: every review is undone
        batch = _record(read, content, period, actor)
        _link_events([c.card for c in read.cards], EventKind.REVIEWED, batch)
    return Applied(batch, read)


def _record(read: SheetRead, content: bytes, period: Period, actor) -> ImportBatch:
    batch = ImportBatch(
        kind=ImportKind.SCORE_SHEET,
        file_name=read.name,
        sha256=sha256_of(content),
        period=period,
        imported_by=actor,
        rows=read.rows,
        changed=read.changed,
        unchanged=read.unchanged,
        outcome=ImportOutcome.SUCCEEDED,
    )
    batch.file.save(read.name, ContentFile(content), save=False)
    batch.save()
    return batch


def _link_events(cards: Sequence[Scorecard], kind: str, batch: ImportBatch) -> None:
    """Mark the event each card's save just wrote as coming from ``batch``.

    The cards' rows stay locked by the save until this transaction ends, so each card's
    newest event of ``kind`` is the one this save wrote."""
    note = _("From the scoring sheet “%(file)s” (import no. %(batch)s).") % {
        "file": batch.file_name,
        "batch": batch.pk,
    }
    newest = (
        ScorecardEvent.objects.filter(scorecard__in=cards, kind=kind)
        .values("scorecard")
        .annotate(newest=Max("id"))
        .values_list("newest", flat=True)
    )
    ScorecardEvent.objects.filter(pk__in=list(newest)).update(import_batch=batch, note=note)
