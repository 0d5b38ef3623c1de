"""The scoring workflow. Every write to scorecards and scores goes through here (a period's
opening and closing: ``scoring.periods``).

Views and commands call these functions; they never set a status, a total or a band
themselves. Each function runs in a transaction, locks the one scorecard row it changes (never
the period, never another unit's card, so any number of units save at once), refuses a stale
version (optimistic locking) and appends a ``ScorecardEvent`` with the before and after
values. Ranks are not stored: they are worked out when read (``Scorecard.rank``).

Scores and scorecards are written with bulk statements that django-auditlog's signals never
see: what a user changes (points, explanations, reviews, the declaration that no procedure
arose, status, deadline) is also written to the audit log by ``tthc_scoring.audit``, one
INSERT per save in the save's transaction. Totals, bands, versions and suggestions are
derived from those and are not logged.
"""

import copy
import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from criteria.models import classify
from scoring import notifications
from scoring.models import (
    EXPLANATION_MAX,
    REASON_MAX,
    EventKind,
    Evidence,
    Period,
    PeriodStatus,
    Score,
    Scorecard,
    ScorecardEvent,
    ScorecardStatus,
    Transition,
)
from scoring.suggestions import QuarterFigures, Suggestion, figures_of, suggest
from tthc_scoring import audit
from units.access import own_unit_ids


class ScoringError(Exception):
    """A refused operation; ``messages`` say why, in the user's language."""

    def __init__(self, messages: str | list[str]):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))


class StaleScorecard(ScoringError):
    def __init__(self):
        super().__init__(
            _(
                "Someone else saved this scorecard after you opened it. "
                "Reload the page and try again."
            )
        )


# ---------------------------------------------------------------------------------------------
# Periods


def refresh_suggestions(period: Period) -> None:
    """Recompute what the imported figures suggest, for every score in the period.

    Called when a period opens and after every import or admin edit of its quarter's dossier
    statistics, surveys or indicator figures. Side effects: sets each score's
    ``suggested_points``, ``suggestion_source`` (the figures in words, in the active language)
    and ``suggestion_batch`` (the import the figures came from; empty when they were entered
    by hand), writing only the scores whose suggestion changed. A fixed number of queries
    whatever the size of the period (one UPDATE per 500 changed scores).
    """
    scores = list(
        Score.objects.filter(scorecard__period=period, criterion__suggestion_rule__isnull=False)
        .select_related("criterion")
        .annotate(card_unit_id=F("scorecard__unit_id"))
    )
    figures = figures_of(period)
    changed = []
    for score in scores:
        found = suggest(score.criterion, figures.get(score.card_unit_id, QuarterFigures()))
        found = found or Suggestion(None, "")
        now = (found.points, found.source, found.batch_id)
        if now != (score.suggested_points, score.suggestion_source, score.suggestion_batch_id):
            score.suggested_points, score.suggestion_source, score.suggestion_batch_id = now
            changed.append(score)
    Score.objects.bulk_update(
        changed, ["suggested_points", "suggestion_source", "suggestion_batch"], batch_size=500
    )


# ---------------------------------------------------------------------------------------------
# Totals, classification, ranks


def compute_totals(scores: Iterable[Score]) -> tuple[Decimal | None, Decimal | None]:
    """(self total, final total); each None until at least one criterion has points."""
    self_points = [s.self_points for s in scores if s.self_points is not None]
    final_points = [s.final_points for s in scores if s.final_points is not None]
    return (
        sum(self_points, Decimal(0)) if self_points else None,
        sum(final_points, Decimal(0)) if final_points else None,
    )


def rank(totals: Mapping[int, Decimal]) -> dict[int, int]:
    """Competition ranking: the highest total is 1, ties share a rank, the next rank skips."""
    ordered = sorted(totals.values(), reverse=True)
    first_position = {}
    for position, total in enumerate(ordered, start=1):
        first_position.setdefault(total, position)
    return {key: first_position[total] for key, total in totals.items()}


def refresh_results(period: Period) -> None:
    """Recompute every scorecard's totals and band in the period (after a bulk change such as
    the demo or an import). Ranks are not stored: see ``Scorecard.rank``."""
    cards = list(period.scorecards.prefetch_related("scores").order_by("id"))
    changed = [card for card in cards if _recompute(card, period.bands)]
    Scorecard.objects.bulk_update(changed, ["self_total", "final_total", "band"])


def _recompute(card: Scorecard, bands: list, scores: Iterable[Score] | None = None) -> bool:
    """Set the card's totals and band from its scores (``scores``, or the card's own read or
    prefetched); True when they changed.

    Scorecards where no procedure arose have no totals and no band.
    """
    before = (card.self_total, card.final_total, card.band)
    if card.no_tthc:
        card.self_total = card.final_total = None
    else:
        card.self_total, card.final_total = compute_totals(
            card.scores.all() if scores is None else scores
        )
    card.band = classify(card.final_total, bands)
    return (card.self_total, card.final_total, card.band) != before


# ---------------------------------------------------------------------------------------------
# Editing scores


@dataclass
class Entry:
    """One criterion's input: points and the explanation (self) or reason (review).

    ``comment`` is the reviewer's note to the unit; ``None`` leaves it as it is.
    """

    points: Decimal | None
    text: str = ""
    comment: str | None = None


def too_long(text: str | None, limit: int, what: str) -> list[str]:
    """The refusal for a text over its limit (``EXPLANATION_MAX``, ``REASON_MAX``), or none."""
    length = len(text or "")
    if length <= limit:
        return []
    return [
        _("%(what)s is %(length)s characters long; at most %(limit)s are allowed.")
        % {"what": what, "length": length, "limit": limit}
    ]


def _lock(scorecard: Scorecard, expected_version: int | None) -> Scorecard:
    """The scorecard's row, locked until the transaction ends (its period is read, not locked:
    every unit's save would otherwise queue on the one period row)."""
    locked = (
        Scorecard.objects.select_for_update(of=("self",))
        .select_related("period", "unit")
        .get(pk=scorecard.pk)
    )
    if locked.period.status == PeriodStatus.CLOSED:
        raise ScoringError(
            _("The period %(period)s is closed: its scorecards can no longer change.")
            % {"period": locked.period.label}
        )
    if expected_version is not None and locked.version != expected_version:
        raise StaleScorecard()
    return locked


def _require_status(card: Scorecard, allowed: set[str]) -> None:
    if card.status not in allowed:
        raise ScoringError(
            _("This scorecard is %(status)s and cannot be changed now.")
            % {"status": card.get_status_display().lower()}
        )


def _refuse_own_unit(card: Scorecard, actor) -> None:
    """Nobody reviews, returns, approves or extends the deadline of their own unit's card."""
    if actor is not None and card.unit_id in own_unit_ids(actor):
        raise ScoringError(_("You cannot review your own unit's scorecard."))


def _bump(card: Scorecard, fields: list[str]) -> None:
    card.version += 1
    card.save(update_fields=[*fields, "version"])


def _bump_with_results(
    card: Scorecard, fields: list[str], scores: Iterable[Score] | None = None
) -> None:
    """Raise the version and store the card's own totals and band, recomputed from its scores
    (``scores`` when the caller holds all of them, current, in memory; else read)."""
    _recompute(card, card.period.bands, scores)
    _bump(card, [*fields, "self_total", "final_total", "band"])


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def _scores_for(
    card: Scorecard,
    entries: Mapping[int, "Entry"],
    read: Sequence[Score] | None = None,
    read_at: int | None = None,
) -> dict[int, Score]:
    """The locked card's scores with their criteria, by criterion id.

    ``read`` are all the card's scores (with their criteria) as the caller read them when the
    card was at version ``read_at``. They are used instead of a second read when the locked row
    still has that version: every write to a score raises the version in the same transaction,
    so an unchanged version means unchanged scores. They are copied, never changed (a refused
    save leaves the caller's page as it was).
    """
    if read is not None and read_at == card.version:
        scores = {s.criterion_id: copy.copy(s) for s in read}
        for score in scores.values():
            score.scorecard = card  # named in the audit log by the locked card's unit, period
    else:
        scores = {s.criterion_id: s for s in card.scores.select_related("criterion")}
    unknown = set(entries) - set(scores)
    if unknown:
        raise ScoringError(_("A criterion is not part of this scorecard."))
    return scores


def record_self_scores(
    scorecard: Scorecard,
    entries: Mapping[int, Entry],
    *,
    actor=None,
    expected_version: int | None = None,
    scores: Sequence[Score] | None = None,
) -> Scorecard:
    """Save a unit's self points and explanations, keyed by criterion id.

    ``scores``, when given, are all the scorecard's scores with their criteria, read after
    ``scorecard`` was (the page's own read): they spare reading them again while nothing has
    changed since (``_scores_for``).

    Side effects: updates the scores, appends a "self_scored" event listing each changed
    criterion's before/after values, writes an audit log entry per changed score (its
    ``self_points``/``self_note`` before and after; one INSERT), raises the version,
    recomputes this scorecard's totals and band (ranks are worked out when read, so no other
    unit's row is touched). Refused unless the scorecard is a draft or returned, and for any
    value the criterion does not allow (nothing is saved then). Returns the scorecard as saved.
    """
    with transaction.atomic():
        card = _lock(scorecard, expected_version)
        _write_self_scores(card, entries, actor, scores, scorecard.version)
    return card


def _write_self_scores(
    card: Scorecard,
    entries: Mapping[int, Entry],
    actor,
    read: Sequence[Score] | None,
    read_at: int,
) -> None:
    """``record_self_scores`` on the card locked by the caller's transaction; the card's totals,
    band and version in memory are left as stored."""
    _require_status(card, ScorecardStatus.unit_editable())
    scores = _scores_for(card, entries, read, read_at)
    errors, before, after, changed = [], {}, {}, []
    for criterion_id, entry in entries.items():
        score = scores[criterion_id]
        if entry.points is not None:
            try:
                score.criterion.validate_points(entry.points)
            except ValidationError as exc:
                errors.extend(exc.messages)
                continue
        long = too_long(entry.text, EXPLANATION_MAX, _explanation_of(score.criterion.code))
        if long:
            errors.extend(long)
            continue
        if (score.self_points, score.self_note) == (entry.points, entry.text):
            continue
        code = score.criterion.code
        before[code] = {"points": _plain(score.self_points), "note": score.self_note}
        after[code] = {"points": _plain(entry.points), "note": entry.text}
        changed.append((copy.copy(score), score))
        score.self_points, score.self_note = entry.points, entry.text
    if errors:
        raise ScoringError(errors)
    if changed:
        _store_self_scores([score for _was, score in changed])
        audit.log_bulk(Score, changed, audit.UPDATE, actor=actor, fields=SELF_SCORE_FIELDS)
        ScorecardEvent.objects.create(
            scorecard=card, actor=actor, kind=EventKind.SELF_SCORED, before=before, after=after
        )
        _bump_with_results(card, [], scores.values())


# The fields each kind of save writes, and its audit log entries compare.
SELF_SCORE_FIELDS = ("self_points", "self_note")
REVIEW_FIELDS = ("reviewed_points", "review_reason", "comment")
NO_TTHC_FIELDS = ("no_tthc", "no_tthc_note")
STATUS_FIELDS = ("status", "submitted_at", "review_opened_at", "approved_at")


def _store_self_scores(scores: list[Score]) -> None:
    """Write these scores' self points and explanations in one UPDATE with a CASE per column,
    the statement ``bulk_update`` sends, written directly: building it from ``bulk_update``'s
    expressions took more CPU than the rest of the save (nine criteria: 2.8 ms against 0.3 ms).
    The points are cast to their column's type, as ``bulk_update`` does, so that a CASE of
    only NULLs is still a number on PostgreSQL."""
    points, note = Score._meta.get_field("self_points"), Score._meta.get_field("self_note")
    name = connection.ops.quote_name
    pk = name(Score._meta.pk.column)
    cases = f"CASE {pk}{' WHEN %s THEN %s' * len(scores)} END"
    sql = (
        f"UPDATE {name(Score._meta.db_table)} "
        f"SET {name(points.column)} = CAST({cases} AS {points.db_type(connection)}), "
        f"{name(note.column)} = {cases} WHERE {pk} IN ({', '.join(['%s'] * len(scores))})"
    )
    params = [
        *(v for s in scores for v in (s.pk, points.get_db_prep_save(s.self_points, connection))),
        *(v for s in scores for v in (s.pk, note.get_db_prep_save(s.self_note, connection))),
        *(s.pk for s in scores),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def record_review(
    scorecard: Scorecard,
    entries: Mapping[int, Entry],
    *,
    actor=None,
    expected_version: int | None = None,
) -> Scorecard:
    """Save a reviewer's points, reasons and comments, keyed by criterion id.

    ``points=None`` clears a review (the unit's own points count again).

    Side effects: updates the scores, appends a "reviewed" event with before/after values,
    writes an audit log entry per changed score (``reviewed_points``, ``review_reason``,
    ``comment``; one INSERT), raises the version, recomputes this scorecard's totals and band.
    Refused to anyone who belongs to the scorecard's unit, and unless the scorecard is
    submitted; a reviewed value that differs from the self points needs a reason.
    """
    with transaction.atomic():
        card = _lock(scorecard, expected_version)
        _refuse_own_unit(card, actor)
        _require_status(card, {ScorecardStatus.SUBMITTED})
        scores = _scores_for(card, entries)
        errors, before, after, changed = [], {}, {}, []
        for criterion_id, entry in entries.items():
            score = scores[criterion_id]
            code = score.criterion.code
            if entry.points is not None:
                try:
                    score.criterion.validate_points(entry.points)
                except ValidationError as exc:
                    errors.extend(exc.messages)
                    continue
                if entry.points != score.self_points and not entry.text.strip():
                    errors.append(
                        _("Criterion %(code)s: give a reason for changing the points.")
                        % {"code": code}
                    )
                    continue
            comment = score.comment if entry.comment is None else entry.comment
            long = too_long(entry.text, REASON_MAX, _reason_of(code)) + too_long(
                comment, REASON_MAX, _comment_of(code)
            )
            if long:
                errors.extend(long)
                continue
            old = (score.reviewed_points, score.review_reason, score.comment)
            if old == (entry.points, entry.text, comment):
                continue
            before[code] = {"points": _plain(old[0]), "reason": old[1], "comment": old[2]}
            after[code] = {"points": _plain(entry.points), "reason": entry.text, "comment": comment}
            changed.append((copy.copy(score), score))
            score.reviewed_points, score.review_reason = entry.points, entry.text
            score.comment = comment
        if errors:
            raise ScoringError(errors)
        if changed:
            Score.objects.bulk_update([score for _was, score in changed], REVIEW_FIELDS)
            audit.log_bulk(Score, changed, audit.UPDATE, actor=actor, fields=REVIEW_FIELDS)
            ScorecardEvent.objects.create(
                scorecard=card, actor=actor, kind=EventKind.REVIEWED, before=before, after=after
            )
            _bump_with_results(card, [])
    card.refresh_from_db()
    return card


def declare_no_tthc(
    scorecard: Scorecard,
    declared: bool,
    note: str = "",
    *,
    actor=None,
    expected_version: int | None = None,
) -> Scorecard:
    """Declare (or withdraw) that no procedure arose in the quarter.

    Side effects: sets the flag and note, appends a "no_tthc" event and an audit log entry,
    raises the version, recomputes this scorecard's totals and band (the unit leaves or
    rejoins the ranking).
    Refused unless the scorecard is a draft or returned, and when declaring without a note.
    """
    if declared and not note.strip():
        raise ScoringError(_("Explain why no procedure arose this quarter."))
    if too_long(note, REASON_MAX, _("The reason")):
        raise ScoringError(too_long(note, REASON_MAX, _("The reason")))
    with transaction.atomic():
        card = _lock(scorecard, expected_version)
        _require_status(card, ScorecardStatus.unit_editable())
        before = {"no_tthc": card.no_tthc, "note": card.no_tthc_note}
        if (card.no_tthc, card.no_tthc_note) == (declared, note if declared else ""):
            return card
        was = copy.copy(card)
        card.no_tthc, card.no_tthc_note = declared, note if declared else ""
        audit.log_bulk(Scorecard, [(was, card)], audit.UPDATE, actor=actor, fields=NO_TTHC_FIELDS)
        ScorecardEvent.objects.create(
            scorecard=card,
            actor=actor,
            kind=EventKind.NO_TTHC,
            note=card.no_tthc_note,
            before=before,
            after={"no_tthc": card.no_tthc, "note": card.no_tthc_note},
        )
        _bump_with_results(card, ["no_tthc", "no_tthc_note"])
    card.refresh_from_db()
    return card


# ---------------------------------------------------------------------------------------------
# The workflow


# transition → (statuses it may start from, status it leads to, event kind)
TRANSITIONS = {
    Transition.SUBMIT: (
        ScorecardStatus.unit_editable(),
        ScorecardStatus.SUBMITTED,
        EventKind.SUBMITTED,
    ),
    Transition.RETURN: ({ScorecardStatus.SUBMITTED}, ScorecardStatus.RETURNED, EventKind.RETURNED),
    Transition.APPROVE: (
        {ScorecardStatus.SUBMITTED},
        ScorecardStatus.APPROVED,
        EventKind.APPROVED,
    ),
    Transition.REOPEN: ({ScorecardStatus.APPROVED}, ScorecardStatus.SUBMITTED, EventKind.REOPENED),
    Transition.WITHDRAW: ({ScorecardStatus.SUBMITTED}, ScorecardStatus.DRAFT, EventKind.WITHDRAWN),
}

# Transitions the unit makes on its own scorecard; the others only its reviewers.
UNIT_TRANSITIONS = {Transition.SUBMIT, Transition.WITHDRAW}


def submit_problems(card: Scorecard, today: datetime.date | None = None) -> list[str]:
    """Why the scorecard cannot be submitted now (empty: it can), one sentence each."""
    return _submit_problems(card, today or timezone.localdate())


def _submit_problems(card: Scorecard, today: datetime.date) -> list[str]:
    problems = []
    deadline = card.effective_deadline
    if deadline is not None and today > deadline:
        problems.append(
            _("The self-scoring deadline (%(date)s) has passed.")
            % {"date": deadline.strftime("%d/%m/%Y")}
        )
    if card.no_tthc:
        return problems
    for score in card.scores.select_related("criterion").prefetch_related("evidence"):
        code = score.criterion.code
        if score.self_points is None:
            problems.append(_("Criterion %(code)s has no points.") % {"code": code})
        elif score.criterion.evidence_required and not score.evidence.all():
            problems.append(
                _("Criterion %(code)s requires an evidence file: attach one before submitting.")
                % {"code": code}
            )
    return problems


def _approve_problems(card: Scorecard) -> list[str]:
    if card.no_tthc:
        return []
    return [
        _("Criterion %(code)s has no final points.") % {"code": score.criterion.code}
        for score in card.scores.select_related("criterion")
        if score.final_points is None
    ]


def transition(
    scorecard: Scorecard,
    name: str,
    *,
    actor=None,
    note: str = "",
    expected_version: int | None = None,
    today: datetime.date | None = None,
) -> Scorecard:
    """Move a scorecard through ``draft → submitted → returned/approved`` (and reopen).

    - submit (draft/returned → submitted): refused, naming each problem, when a criterion has
      no points, a criterion requiring evidence has no evidence file, or the
      self-scoring deadline has passed (checked against ``today``). Sets ``submitted_at``.
    - return (submitted → returned): needs a comment. Clears ``approved_at``.
    - approve (submitted → approved): refused while a criterion lacks final points. Sets
      ``approved_at`` and clears the reviewer's comments to the unit (they stay in the
      history of the return that carried them).
    - reopen (approved → submitted): needs a reason. Clears ``approved_at``.
    - withdraw (submitted → draft): the unit takes its submission back, refused once a
      reviewer has opened it (``review_opened_at``).

    Every transition appends an event (kind, note, before/after status) and an audit log entry
    (the status and the times it sets or clears, before and after) and raises the version;
    after commit, mail goes out (``scoring.notifications``): to the reviewers on submit, to the
    unit's staff on return and approval.
    Return, approve and reopen are refused to anyone who belongs to the scorecard's own unit.
    Totals, bands and ranks do not depend on the status, so they are left as they are. Nothing
    changes when it is refused.
    """
    if name not in TRANSITIONS:
        raise ScoringError(_("Unknown action."))
    if too_long(note, REASON_MAX, _("The comment")):
        raise ScoringError(too_long(note, REASON_MAX, _("The comment")))
    sources, target, kind = TRANSITIONS[name]
    today = today or timezone.localdate()
    with transaction.atomic():
        card = _lock(scorecard, expected_version)
        if name not in UNIT_TRANSITIONS:
            _refuse_own_unit(card, actor)
        if card.status not in sources:
            raise ScoringError(
                _("This action is not allowed while the scorecard is %(status)s.")
                % {"status": card.get_status_display().lower()}
            )
        problems = []
        if name == Transition.SUBMIT:
            problems = _submit_problems(card, today)
        elif name == Transition.APPROVE:
            problems = _approve_problems(card)
        elif name == Transition.WITHDRAW:
            if card.review_opened_at is not None:
                problems = [
                    _(
                        "A reviewer opened the scorecard on %(date)s: it can no longer be "
                        "withdrawn. Ask the reviewer to return it if it needs correcting."
                    )
                    % {"date": timezone.localtime(card.review_opened_at).strftime("%d/%m/%Y")}
                ]
        elif not note.strip():
            problems = [_("Write a comment explaining why.")]
        if problems:
            raise ScoringError(problems)
        before, was = {"status": card.status}, copy.copy(card)
        card.status = target
        if name == Transition.SUBMIT:
            card.submitted_at = timezone.now()
            card.review_opened_at = None
        if name == Transition.WITHDRAW:
            card.submitted_at = None
        card.approved_at = timezone.now() if name == Transition.APPROVE else None
        if name == Transition.APPROVE:
            card.scores.exclude(comment="").update(comment="")
        audit.log_bulk(Scorecard, [(was, card)], audit.UPDATE, actor=actor, fields=STATUS_FIELDS)
        ScorecardEvent.objects.create(
            scorecard=card,
            actor=actor,
            kind=kind,
            note=note,
            before=before,
            after={"status": card.status},
        )
        _bump(card, ["status", "submitted_at", "review_opened_at", "approved_at"])
        transaction.on_commit(
            lambda: notifications.after_transition(card.pk, name, note), robust=True
        )
    card.refresh_from_db()
    return card


def mark_review_opened(scorecard: Scorecard) -> None:
    """A reviewer opened a submitted scorecard: from now on its unit can no longer withdraw
    the submission. One UPDATE, the first time only; no version change (nothing the unit
    typed changes)."""
    Scorecard.objects.filter(
        pk=scorecard.pk, status=ScorecardStatus.SUBMITTED, review_opened_at__isnull=True
    ).update(review_opened_at=timezone.now())


def extend_deadline(
    scorecard: Scorecard,
    deadline: datetime.date,
    *,
    actor=None,
    note: str = "",
    today: datetime.date | None = None,
) -> Scorecard:
    """Give one unit a later self-scoring deadline, for a stated reason.

    Side effects: sets the scorecard's own deadline, appends a "deadline" event with the
    reason and an audit log entry, raises the version. Refused without a reason, for a date
    that is not in the future or is before the period's deadline, once approved, and to anyone
    who belongs to the unit itself.
    """
    today = today or timezone.localdate()
    problems = []
    if not note.strip():
        problems.append(_("Give the reason for the extension."))
    problems.extend(too_long(note, REASON_MAX, _("The reason")))
    if deadline <= today:
        problems.append(
            _("The new deadline must be after today (%(date)s).")
            % {"date": today.strftime("%d/%m/%Y")}
        )
    with transaction.atomic():
        card = _lock(scorecard, None)
        _refuse_own_unit(card, actor)
        _require_status(card, ScorecardStatus.before_approval())
        if problems:
            raise ScoringError(problems)
        floor = card.period.self_deadline
        if floor is not None and deadline < floor:
            raise ScoringError(
                _("The new deadline must not be before the period's deadline (%(date)s).")
                % {"date": floor.strftime("%d/%m/%Y")}
            )
        before = {"deadline": card.deadline.isoformat() if card.deadline else None}
        was = copy.copy(card)
        card.deadline = deadline
        audit.log_bulk(Scorecard, [(was, card)], audit.UPDATE, actor=actor, fields=["deadline"])
        ScorecardEvent.objects.create(
            scorecard=card,
            actor=actor,
            kind=EventKind.DEADLINE,
            note=note.strip(),
            before=before,
            after={"deadline": deadline.isoformat()},
        )
        _bump(card, ["deadline"])
    return card


def add_evidence(score: Score, upload, checked, *, actor=None) -> Evidence:
    """Attach a checked evidence file (see ``scoring.files``) to a score.

    Side effects: stores the file under a content-derived name, appends an "evidence" event,
    raises the version. Refused unless the scorecard is a draft or returned.
    """
    with transaction.atomic():
        card = _lock(score.scorecard, None)
        _require_status(card, ScorecardStatus.unit_editable())
        evidence = Evidence(
            score=score,
            original_name=checked.name,
            size=checked.size,
            content_type=checked.content_type,
            sha256=checked.sha256,
            uploaded_by=actor,
        )
        evidence.file.save(checked.name, upload, save=False)
        evidence.save()
        ScorecardEvent.objects.create(
            scorecard=card,
            actor=actor,
            kind=EventKind.EVIDENCE,
            after={
                score.criterion.code: {
                    "added": checked.name,
                    "size": checked.size,
                    "sha256": checked.sha256,
                }
            },
        )
        _bump(card, [])
    return evidence


def remove_evidence(evidence: Evidence, *, actor=None) -> None:
    """Remove an evidence file from a draft or returned scorecard.

    Side effects: deletes the row (the stored file stays, content-addressed, for the history),
    appends an "evidence" event, raises the version.
    """
    with transaction.atomic():
        card = _lock(evidence.score.scorecard, None)
        _require_status(card, ScorecardStatus.unit_editable())
        ScorecardEvent.objects.create(
            scorecard=card,
            actor=actor,
            kind=EventKind.EVIDENCE,
            before={
                evidence.score.criterion.code: {
                    "removed": evidence.original_name,
                    "size": evidence.size,
                    "sha256": evidence.sha256,
                }
            },
        )
        evidence.delete()
        _bump(card, [])


def needs_no_adjustment(card: Scorecard) -> bool:
    """True when no reviewer changed any points (a candidate for bulk approval)."""
    return all(
        s.reviewed_points is None or s.reviewed_points == s.self_points for s in card.scores.all()
    )


@dataclass
class BulkApproval:
    """What a bulk approval did: approved, changed since the board was loaded, or skipped."""

    approved: list[Scorecard] = field(default_factory=list)
    changed: list[Scorecard] = field(default_factory=list)
    skipped: list[Scorecard] = field(default_factory=list)


def bulk_approve(cards: Mapping[Scorecard, int], *, actor=None) -> BulkApproval:
    """Approve each scorecard at the version the reviewer saw, if it needs no adjustment.

    ``cards`` maps each scorecard to the version shown on the board. Each approval is its own
    transition (one transaction and one event each). A scorecard changed since (returned and
    resubmitted, re-scored, …) is left alone and listed as changed; one that is not submitted,
    was adjusted, or cannot be approved is skipped. Nothing else changes.
    """
    result = BulkApproval()
    for card, version in cards.items():
        if card.version != version:
            result.changed.append(card)
        elif card.status != ScorecardStatus.SUBMITTED or not needs_no_adjustment(card):
            result.skipped.append(card)
        else:
            try:
                approved = transition(
                    card, Transition.APPROVE, actor=actor, expected_version=version
                )
            except StaleScorecard:
                result.changed.append(card)
            except ScoringError:
                result.skipped.append(card)
            else:
                result.approved.append(approved)
    return result


def save_self_assessment(
    scorecard: Scorecard,
    entries: Mapping[int, Entry],
    uploads: Iterable[tuple[Score, object, object]] = (),
    *,
    submit: bool = False,
    actor=None,
    expected_version: int | None = None,
    today: datetime.date | None = None,
    scores: Sequence[Score] | None = None,
) -> Scorecard:
    """Save a unit's points, explanations and new evidence files together and, with
    ``submit``, send the scorecard for review: all of it, or nothing.

    Side effects: those of ``record_self_scores`` (``scores`` as there), of ``add_evidence``
    for each upload and, with ``submit``, of the submit ``transition``, in one transaction: a
    stale version, a refused value or a refused submission (a criterion without points, the
    deadline passed) saves none of it, so the user's page keeps their input and shows why.
    The audit log entries of the scores and of the submission are written together (one
    INSERT).
    """
    with transaction.atomic(), audit.together():
        card = _lock(scorecard, expected_version)
        _write_self_scores(card, entries, actor, scores, scorecard.version)
        uploads = list(uploads)
        for score, upload, checked in uploads:
            add_evidence(score, upload, checked, actor=actor)
        if uploads:
            card.refresh_from_db()
        if submit:
            card = transition(card, Transition.SUBMIT, actor=actor, today=today)
    return card


def apply_review(
    scorecard: Scorecard,
    entries: Mapping[int, Entry],
    *,
    action: str = "save",
    note: str = "",
    actor=None,
    expected_version: int | None = None,
) -> Scorecard:
    """Save a review and, for ``action`` "return" or "approve", make that transition too.

    Side effects: those of ``record_review`` and ``transition``, in one transaction: a refused
    return or approval also leaves the review unsaved, so the reviewer's page stays current.
    The audit log entries of the scores and of the transition are written together (one
    INSERT).
    """
    names = {"return": Transition.RETURN, "approve": Transition.APPROVE}
    with transaction.atomic(), audit.together():
        card = record_review(scorecard, entries, actor=actor, expected_version=expected_version)
        if action in names:
            card = transition(card, names[action], actor=actor, note=note)
    return card


# ---------------------------------------------------------------------------------------------
# Imports from files (``scoring.resources``: ``ScoreResource``, ``ScorecardResource``)

# The score values a file may set, in the order of the UPDATE that writes them.
IMPORTED_SCORE_FIELDS = ("self_points", "self_note", "reviewed_points", "review_reason")


@dataclass
class CardImport:
    """What one file sets on one scorecard.

    ``scores``: criterion id → {field: value} for the fields of ``IMPORTED_SCORE_FIELDS`` the
    file has (a field it leaves out keeps its value). ``no_tthc``: (declared, note), or None
    to leave the declaration as it is.
    """

    scores: dict[int, dict[str, object]] = field(default_factory=dict)
    no_tthc: tuple[bool, str] | None = None


def import_scorecards(
    imports: Mapping[int, CardImport], *, batch=None, actor=None
) -> list[Scorecard]:
    """Apply a file's points, explanations, reviewed points, reasons and no-procedure
    declarations, keyed by scorecard id: all of it, or nothing.

    Refused (``ScoringError``, one sentence per problem naming the unit and the criterion;
    nothing is saved) when a change touches an approved scorecard or a closed period, for
    points the criterion does not allow, for reviewed points that differ from the self points
    without a reason, and for a declaration that no procedure arose without a note. Values
    equal to the stored ones are no change: a file exported and imported again changes
    nothing, whatever the scorecards' status.

    Side effects, for each scorecard whose values change: its scores and declaration; one
    "imported" event linked to ``batch`` with the before and after values of each changed
    criterion (``self_points``, ``self_note``, ``reviewed_points``, ``review_reason``) and of
    the declaration (``no_tthc``, ``no_tthc_note``); its version raised; its totals and band
    recomputed; an audit log entry per changed score and per changed declaration (one INSERT
    for all, up to the database's parameter limit). The scorecards are locked in id order; a
    fixed number of queries whatever their number (rows are written with one UPDATE per
    1 000). Returns the changed scorecards.
    """
    with transaction.atomic(), audit.together():
        cards = list(
            Scorecard.objects.select_for_update(of=("self",))
            .select_related("period", "unit")
            .filter(pk__in=list(imports))
            .order_by("pk")
        )
        if len(cards) != len(imports):
            raise ScoringError(_("A scorecard of the file no longer exists."))
        scores: dict[int, dict[int, Score]] = {card.pk: {} for card in cards}
        by_pk = {card.pk: card for card in cards}
        for score in Score.objects.filter(scorecard_id__in=list(imports)).select_related(
            "criterion"
        ):
            score.scorecard = by_pk[score.scorecard_id]  # for its name in the audit log
            scores[score.scorecard_id][score.criterion_id] = score

        errors, changed_cards, changed_scores, events = [], [], [], []
        was_cards, was_scores = [], []
        for card in cards:
            wanted = imports[card.pk]
            problems, before, after, touched = [], {}, {}, []
            was = copy.copy(card)
            for criterion_id, values in wanted.scores.items():
                score = scores[card.pk].get(criterion_id)
                if score is None:
                    problems.append(_("A criterion is not part of this scorecard."))
                    continue
                old = {name: getattr(score, name) for name in IMPORTED_SCORE_FIELDS}
                new = {**old, **{k: v for k, v in values.items() if k in old}}
                if new == old:
                    continue
                found = _imported_score_problems(score.criterion, new)
                if found:
                    problems.extend(found)
                    continue
                code = score.criterion.code
                before[code] = _imported_state(old)
                after[code] = _imported_state(new)
                touched.append((copy.copy(score), score))
                for name, value in new.items():
                    setattr(score, name, value)
            if wanted.no_tthc is not None:
                declared, note = wanted.no_tthc
                note = note.strip() if declared else ""
                if declared and not note:
                    problems.append(_("Explain why no procedure arose this quarter."))
                elif too_long(note, REASON_MAX, _("The reason")):
                    problems.extend(too_long(note, REASON_MAX, _("The reason")))
                elif (card.no_tthc, card.no_tthc_note) != (declared, note):
                    before["no_tthc"], before["no_tthc_note"] = card.no_tthc, card.no_tthc_note
                    after["no_tthc"], after["no_tthc_note"] = declared, note
                    card.no_tthc, card.no_tthc_note = declared, note
            if not problems and (before or after):
                if card.period.status == PeriodStatus.CLOSED:
                    problems.append(
                        _("The period %(period)s is closed; its scores can no longer change.")
                        % {"period": card.period.code}
                    )
                elif card.status == ScorecardStatus.APPROVED:
                    problems.append(_("The scorecard is approved; reopen it before changing it."))
            if problems:
                errors.extend(
                    _("%(unit)s, %(period)s: %(problem)s")
                    % {"unit": card.unit, "period": card.period.code, "problem": problem}
                    for problem in problems
                )
                continue
            if not (before or after):
                continue
            _recompute(card, card.period.bands, scores[card.pk].values())
            card.version += 1
            changed_cards.append(card)
            was_cards.append((was, card))
            changed_scores.extend(score for _was, score in touched)
            was_scores.extend(touched)
            events.append(
                ScorecardEvent(
                    scorecard=card,
                    actor=actor,
                    kind=EventKind.IMPORTED,
                    import_batch=batch,
                    note=batch.file_name if batch is not None else "",
                    before=before,
                    after=after,
                )
            )
        if errors:
            raise ScoringError(errors)
        _store_rows(Score, changed_scores, IMPORTED_SCORE_FIELDS)
        _store_rows(
            Scorecard,
            changed_cards,
            ("no_tthc", "no_tthc_note", "self_total", "final_total", "band", "version"),
        )
        ScorecardEvent.objects.bulk_create(events, batch_size=500)
        logged = {"actor": actor, "additional_data": {"import_batch": batch.pk} if batch else None}
        audit.log_bulk(Score, was_scores, audit.UPDATE, fields=IMPORTED_SCORE_FIELDS, **logged)
        audit.log_bulk(Scorecard, was_cards, audit.UPDATE, fields=NO_TTHC_FIELDS, **logged)
    return changed_cards


def _imported_score_problems(criterion, new: Mapping[str, object]) -> list[str]:
    problems = too_long(new["self_note"], EXPLANATION_MAX, _explanation_of(criterion.code))
    problems += too_long(new["review_reason"], REASON_MAX, _reason_of(criterion.code))
    for name in ("self_points", "reviewed_points"):
        if new[name] is not None:
            try:
                criterion.validate_points(new[name])
            except ValidationError as exc:
                problems.extend(exc.messages)
    reviewed = new["reviewed_points"]
    if (
        not problems
        and reviewed is not None
        and reviewed != new["self_points"]
        and not str(new["review_reason"] or "").strip()
    ):
        problems.append(
            _("Criterion %(code)s: give a reason for changing the points.")
            % {"code": criterion.code}
        )
    return problems


def _explanation_of(code: str) -> str:
    return _("The explanation of criterion %(code)s") % {"code": code}


def _reason_of(code: str) -> str:
    return _("The reason for criterion %(code)s") % {"code": code}


def _comment_of(code: str) -> str:
    return _("The comment on criterion %(code)s") % {"code": code}


def _imported_state(values: Mapping[str, object]) -> dict:
    return {
        "self_points": _plain(values["self_points"]),
        "self_note": values["self_note"],
        "reviewed_points": _plain(values["reviewed_points"]),
        "review_reason": values["review_reason"],
    }


def _store_rows(model, objects: Sequence, fields: Sequence[str], batch: int = 1000) -> None:
    """Write these fields of these objects: one ``UPDATE … FROM (VALUES …)`` statement per
    ``batch`` objects (PostgreSQL and SQLite ≥ 3.33 both read it), where ``bulk_update`` would
    build CASE expressions and ``executemany`` make a round trip per object."""
    name = connection.ops.quote_name
    table, pk = name(model._meta.db_table), name(model._meta.pk.column)
    columns = [model._meta.get_field(f) for f in fields]
    # A VALUES list's columns are column1, column2… in both databases; column1 is the key.
    sets = ", ".join(
        f"{name(c.column)} = CAST(v.column{i} AS {c.cast_db_type(connection)})"
        for i, c in enumerate(columns, 2)
    )
    row = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch):
            chunk = objects[start : start + batch]
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([row] * len(chunk))}) AS v "
                f"WHERE {table}.{pk} = v.column1",
                [
                    value
                    for obj in chunk
                    for value in (
                        obj.pk,
                        *(c.get_db_prep_save(getattr(obj, c.attname), connection) for c in columns),
                    )
                ],
            )
