import datetime
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import override

from scoring.domain import (
    TRANSITIONS,
    Entry,
    ScoringError,
    StaleScorecard,
    Transition,
    declare_no_tthc,
    mark_review_opened,
    record_review,
    record_self_scores,
    transition,
)
from scoring.models import EventKind, Evidence, Score, Scorecard, ScorecardStatus
from tests.factories import attach_required_evidence, criterion_ids, self_score

S = ScorecardStatus
T = Transition
NOTE = "Điểm chỉ số 5 chưa đúng"

# (from, action) → to: the whole workflow. Every other pair is refused.
ALLOWED = {
    (S.DRAFT, T.SUBMIT): S.SUBMITTED,
    (S.RETURNED, T.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, T.RETURN): S.RETURNED,
    (S.SUBMITTED, T.APPROVE): S.APPROVED,
    (S.APPROVED, T.REOPEN): S.SUBMITTED,
    (S.SUBMITTED, T.WITHDRAW): S.DRAFT,
}
ACTIONS = [T.SUBMIT, T.RETURN, T.APPROVE, T.REOPEN, T.WITHDRAW]
REFUSED = [pair for pair in itertools.product(S.values, ACTIONS) if pair not in ALLOWED]


def reach(card: Scorecard, status: str) -> Scorecard:
    """Drive a fully self-scored scorecard to ``status`` through the domain."""
    card = self_score(card, 2)
    if status == S.DRAFT:
        return card
    card = transition(card, T.SUBMIT)
    if status == S.RETURNED:
        return transition(card, T.RETURN, note=NOTE)
    if status == S.APPROVED:
        return transition(card, T.APPROVE)
    return card


def state(card: Scorecard) -> tuple:
    card = Scorecard.objects.get(pk=card.pk)
    scores = sorted(card.scores.values_list("criterion__code", "self_points", "reviewed_points"))
    return (card.status, card.version, card.no_tthc, card.events.count(), scores)


def refused(call, *args, **kwargs) -> list[str]:
    with override("en"), pytest.raises(ScoringError) as error:
        call(*args, **kwargs)
    return error.value.messages


# The table itself


def test_the_workflow_allows_exactly_six_moves():
    table = {
        (source, name): target
        for name, (sources, target, _kind) in TRANSITIONS.items()
        for source in sources
    }

    assert table == ALLOWED


# Allowed transitions


def test_submit_from_draft_submits_and_records_it(card, staff):
    card = self_score(card, 2)
    version, start = card.version, timezone.now()

    card = transition(card, T.SUBMIT, actor=staff)

    event = card.events.last()
    assert (card.status, card.version, card.approved_at) == (S.SUBMITTED, version + 1, None)
    assert start <= card.submitted_at <= timezone.now()
    assert (event.kind, event.actor, event.note) == (EventKind.SUBMITTED, staff, "")
    assert (event.before, event.after) == ({"status": "draft"}, {"status": "submitted"})


def test_submit_from_returned_resubmits_and_records_it(card, staff):
    card = reach(card, S.RETURNED)
    version, start = card.version, timezone.now()

    card = transition(card, T.SUBMIT, actor=staff, note="Đã bổ sung minh chứng")

    event = card.events.last()
    assert (card.status, card.version) == (S.SUBMITTED, version + 1)
    assert start <= card.submitted_at <= timezone.now()
    assert (event.kind, event.note) == (EventKind.SUBMITTED, "Đã bổ sung minh chứng")
    assert (event.before, event.after) == ({"status": "returned"}, {"status": "submitted"})


def test_return_sends_a_submitted_card_back_with_the_comment(card, reviewer):
    card = reach(card, S.SUBMITTED)
    version, submitted_at = card.version, card.submitted_at

    card = transition(card, T.RETURN, actor=reviewer, note=NOTE)

    event = card.events.last()
    assert (card.status, card.version) == (S.RETURNED, version + 1)
    assert (card.submitted_at, card.approved_at) == (submitted_at, None)
    assert (event.kind, event.actor, event.note) == (EventKind.RETURNED, reviewer, NOTE)
    assert (event.before, event.after) == ({"status": "submitted"}, {"status": "returned"})


def test_approve_approves_a_submitted_card(card, reviewer):
    card = reach(card, S.SUBMITTED)
    version, start = card.version, timezone.now()

    card = transition(card, T.APPROVE, actor=reviewer)

    event = card.events.last()
    assert (card.status, card.version) == (S.APPROVED, version + 1)
    assert start <= card.approved_at <= timezone.now()
    assert (event.kind, event.actor, event.note) == (EventKind.APPROVED, reviewer, "")
    assert (event.before, event.after) == ({"status": "submitted"}, {"status": "approved"})


def test_reopen_puts_an_approved_card_back_under_review(card, leader):
    card = reach(card, S.APPROVED)
    version = card.version

    card = transition(card, T.REOPEN, actor=leader, note="Cần thẩm định lại chỉ số 9")

    event = card.events.last()
    assert (card.status, card.version, card.approved_at) == (S.SUBMITTED, version + 1, None)
    assert (event.kind, event.note) == (EventKind.REOPENED, "Cần thẩm định lại chỉ số 9")
    assert (event.before, event.after) == ({"status": "approved"}, {"status": "submitted"})


def test_an_approved_card_carries_its_totals_band_and_rank(card):
    card = reach(card, S.APPROVED)

    assert (card.self_total, card.final_total, card.band, card.rank) == (
        Decimal(18),
        Decimal(18),
        "Xuất sắc",
        1,
    )


# Refused transitions


@pytest.mark.parametrize(("status", "name"), REFUSED)
def test_it_refuses_an_action_the_status_does_not_allow(card, status, name):
    card = reach(card, status)
    before = state(card)

    messages = refused(transition, card, name, note="Lý do")

    assert messages == [f"This action is not allowed while the scorecard is {status}."]
    assert state(card) == before


def test_it_refuses_an_unknown_action(card):
    card = reach(card, S.DRAFT)
    before = state(card)

    messages = refused(transition, card, "publish")

    assert messages == ["Unknown action."]
    assert state(card) == before


def test_submit_names_each_criterion_without_points(card):
    ids = criterion_ids(card)
    record_self_scores(card, {ids[c]: Entry(Decimal(2), "Đủ") for c in "1234567"})
    attach_required_evidence(card)
    before = state(card)

    messages = refused(transition, card, T.SUBMIT)

    assert messages == ["Criterion 8 has no points.", "Criterion 9 has no points."]
    assert state(card) == before


def test_submit_names_each_evidence_criterion_without_a_file_even_if_explained(card):
    ids = criterion_ids(card)
    record_self_scores(card, {cid: Entry(Decimal(2), "Có giải trình") for cid in ids.values()})
    before = state(card)

    messages = refused(transition, card, T.SUBMIT)

    assert messages == [
        f"Criterion {code} requires an evidence file: attach one before submitting."
        for code in "568"
    ]
    assert state(card) == before


def test_an_evidence_file_satisfies_the_evidence_requirement(card):
    ids = criterion_ids(card)
    record_self_scores(card, {cid: Entry(Decimal(2)) for cid in ids.values()})
    for code in "568":
        Evidence.objects.create(
            score=card.scores.get(criterion__code=code),
            file="evidence/test.pdf",
            original_name="bien-ban.pdf",
            size=1024,
            content_type="application/pdf",
            sha256="0" * 64,
        )

    card = transition(card, T.SUBMIT)

    assert card.status == S.SUBMITTED


def test_submit_is_refused_after_the_self_scoring_deadline(card, period):
    card = reach(card, S.DRAFT)
    period.self_deadline = datetime.date(2021, 6, 25)
    period.save()
    before = state(card)

    messages = refused(transition, card, T.SUBMIT, today=datetime.date(2021, 6, 26))

    assert messages == ["The self-scoring deadline (25/06/2021) has passed."]
    assert state(card) == before


def test_submit_is_allowed_on_the_deadline_day(card, period):
    card = reach(card, S.DRAFT)
    period.self_deadline = datetime.date(2021, 6, 25)
    period.save()

    card = transition(card, T.SUBMIT, today=datetime.date(2021, 6, 25))

    assert card.status == S.SUBMITTED


def test_submit_lists_the_deadline_and_every_missing_point_together(card, period):
    period.self_deadline = datetime.date(2021, 6, 25)
    period.save()
    self_score(card, [2, 2, 2, 2, 2, 2, 2, 2, None])

    messages = refused(transition, card, T.SUBMIT, today=datetime.date(2021, 7, 1))

    assert messages == [
        "The self-scoring deadline (25/06/2021) has passed.",
        "Criterion 9 has no points.",
    ]


def test_approve_is_refused_while_a_criterion_lacks_final_points(card):
    card = reach(card, S.SUBMITTED)
    # As after an import that cleared a self score on a submitted card.
    Score.objects.filter(scorecard=card, criterion__code="9").update(self_points=None)
    before = state(card)

    messages = refused(transition, card, T.APPROVE)

    assert messages == ["Criterion 9 has no final points."]
    assert state(card) == before


def test_reviewed_points_count_as_final_points_for_approval(card):
    card = reach(card, S.SUBMITTED)
    Score.objects.filter(scorecard=card, criterion__code="9").update(self_points=None)
    record_review(card, {criterion_ids(card)["9"]: Entry(Decimal(0), "Có hồ sơ quá hạn")})

    card = transition(card, T.APPROVE)

    assert card.status == S.APPROVED


@pytest.mark.parametrize(("status", "name"), [(S.SUBMITTED, T.RETURN), (S.APPROVED, T.REOPEN)])
@pytest.mark.parametrize("note", ["", "   "])
def test_return_and_reopen_need_a_comment(card, status, name, note):
    card = reach(card, status)
    before = state(card)

    messages = refused(transition, card, name, note=note)

    assert messages == ["Write a comment explaining why."]
    assert state(card) == before


def test_a_stale_version_is_refused_and_changes_nothing(card):
    card = reach(card, S.DRAFT)
    stale = card.version - 1
    before = state(card)

    with override("en"), pytest.raises(StaleScorecard) as error:
        transition(card, T.SUBMIT, expected_version=stale)

    assert error.value.messages == [
        "Someone else saved this scorecard after you opened it. Reload the page and try again."
    ]
    assert state(card) == before


def test_a_stale_version_is_refused_for_self_scores_too(card):
    card = self_score(card, 2)
    before = state(card)

    with pytest.raises(StaleScorecard):
        record_self_scores(
            card,
            {criterion_ids(card)["1"]: Entry(Decimal(0))},
            expected_version=card.version - 1,
        )

    assert state(card) == before


def test_the_current_version_is_accepted(card):
    card = reach(card, S.DRAFT)

    card = transition(card, T.SUBMIT, expected_version=card.version)

    assert card.status == S.SUBMITTED


# Self scores


def test_self_scores_are_saved_with_an_event_and_a_new_version(card, staff):
    ids = criterion_ids(card)
    version = card.version

    card = record_self_scores(
        card,
        {ids["1"]: Entry(Decimal(2), "Trước hạn"), ids["2"]: Entry(Decimal(1))},
        actor=staff,
    )

    event = card.events.last()
    assert card.version == version + 1
    assert (event.kind, event.actor) == (EventKind.SELF_SCORED, staff)
    assert event.before == {
        "1": {"points": None, "note": ""},
        "2": {"points": None, "note": ""},
    }
    assert event.after == {
        "1": {"points": "2.00", "note": "Trước hạn"},
        "2": {"points": "1.00", "note": ""},
    }
    assert (card.self_total, card.final_total) == (Decimal(3), Decimal(3))


def test_the_event_lists_only_the_criteria_that_changed(card):
    ids = criterion_ids(card)
    card = record_self_scores(card, {ids["1"]: Entry(Decimal(2)), ids["2"]: Entry(Decimal(1))})

    card = record_self_scores(card, {ids["1"]: Entry(Decimal(2)), ids["2"]: Entry(Decimal(0))})

    event = card.events.last()
    assert (set(event.before), set(event.after)) == ({"2"}, {"2"})
    assert (Decimal(event.before["2"]["points"]), Decimal(event.after["2"]["points"])) == (1, 0)


def test_saving_unchanged_self_scores_writes_no_event(card):
    card = self_score(card, 2)
    before = state(card)

    self_score(card, 2)

    assert state(card) == before


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("1.5", "Criterion 2: points must be one of 0, 1, 2."),
        ("3", "Criterion 2: points must be between 0 and 2."),
        ("-1", "Criterion 2: points must be between 0 and 2."),
    ],
)
def test_self_scores_outside_the_allowed_values_save_nothing(card, points, message):
    ids = criterion_ids(card)
    before = state(card)

    messages = refused(
        record_self_scores,
        card,
        {ids["1"]: Entry(Decimal(2)), ids["2"]: Entry(Decimal(points))},
    )

    assert messages == [message]
    assert state(card) == before


@pytest.mark.parametrize("status", [S.SUBMITTED, S.APPROVED])
def test_self_scores_are_refused_once_submitted(card, status):
    card = reach(card, status)
    before = state(card)

    messages = refused(record_self_scores, card, {criterion_ids(card)["1"]: Entry(Decimal(0))})

    assert messages == [f"This scorecard is {status} and cannot be changed now."]
    assert state(card) == before


def test_self_scores_may_be_corrected_after_a_return(card):
    card = reach(card, S.RETURNED)

    card = record_self_scores(card, {criterion_ids(card)["5"]: Entry(Decimal(1), "Sửa")})

    assert card.self_total == Decimal(17)


# Review


def test_a_review_that_changes_the_points_needs_a_reason(card):
    card = reach(card, S.SUBMITTED)
    before = state(card)

    messages = refused(record_review, card, {criterion_ids(card)["9"]: Entry(Decimal(0), " ")})

    assert messages == ["Criterion 9: give a reason for changing the points."]
    assert state(card) == before


def test_a_review_that_confirms_the_self_points_needs_no_reason(card, reviewer):
    card = reach(card, S.SUBMITTED)

    card = record_review(card, {criterion_ids(card)["9"]: Entry(Decimal(2))}, actor=reviewer)

    assert card.scores.get(criterion__code="9").reviewed_points == Decimal(2)


def test_a_review_with_a_reason_changes_the_final_total_and_is_recorded(card, reviewer):
    card = reach(card, S.SUBMITTED)
    version = card.version

    card = record_review(
        card, {criterion_ids(card)["9"]: Entry(Decimal(0), "Có hồ sơ quá hạn")}, actor=reviewer
    )

    event = card.events.last()
    assert (card.self_total, card.final_total, card.version) == (
        Decimal(18),
        Decimal(16),
        version + 1,
    )
    assert (event.kind, event.actor) == (EventKind.REVIEWED, reviewer)
    assert (event.before, event.after) == (
        {"9": {"points": None, "reason": "", "comment": ""}},
        {"9": {"points": "0.00", "reason": "Có hồ sơ quá hạn", "comment": ""}},
    )


def test_a_review_is_refused_unless_the_card_is_submitted(card):
    card = reach(card, S.DRAFT)
    before = state(card)

    messages = refused(record_review, card, {criterion_ids(card)["9"]: Entry(Decimal(2))})

    assert messages == ["This scorecard is draft and cannot be changed now."]
    assert state(card) == before


# No procedure arose


def test_declaring_no_tthc_needs_a_note(card):
    before = state(card)

    messages = refused(declare_no_tthc, card, True, "  ")

    assert messages == ["Explain why no procedure arose this quarter."]
    assert state(card) == before


def test_declaring_no_tthc_is_recorded(card, staff):
    version = card.version

    card = declare_no_tthc(card, True, "Không phát sinh hồ sơ", actor=staff)

    event = card.events.last()
    assert (card.no_tthc, card.no_tthc_note, card.version) == (
        True,
        "Không phát sinh hồ sơ",
        version + 1,
    )
    assert (event.kind, event.actor, event.note) == (
        EventKind.NO_TTHC,
        staff,
        "Không phát sinh hồ sơ",
    )
    assert (event.before, event.after) == (
        {"no_tthc": False, "note": ""},
        {"no_tthc": True, "note": "Không phát sinh hồ sơ"},
    )


def test_a_no_tthc_card_submits_without_points(card):
    card = declare_no_tthc(card, True, "Không phát sinh hồ sơ")

    card = transition(card, T.SUBMIT)

    assert (card.status, card.self_total, card.rank) == (S.SUBMITTED, None, None)


def test_a_no_tthc_card_is_approved_without_points(card):
    card = declare_no_tthc(card, True, "Không phát sinh hồ sơ")
    card = transition(card, T.SUBMIT)

    card = transition(card, T.APPROVE)

    assert card.status == S.APPROVED


def test_withdrawing_no_tthc_clears_the_note_and_restores_point_checks(card):
    card = declare_no_tthc(card, True, "Không phát sinh hồ sơ")

    card = declare_no_tthc(card, False)

    assert (card.no_tthc, card.no_tthc_note) == (False, "")
    assert refused(transition, card, T.SUBMIT) == [
        f"Criterion {n} has no points." for n in range(1, 10)
    ]


def test_no_tthc_is_refused_once_submitted(card):
    card = reach(card, S.SUBMITTED)
    before = state(card)

    messages = refused(declare_no_tthc, card, True, "Không phát sinh hồ sơ")

    assert messages == ["This scorecard is submitted and cannot be changed now."]
    assert state(card) == before


def test_approval_clears_the_comments_to_the_unit_but_not_the_history(card, reviewer):
    ids = criterion_ids(card)
    card = transition(self_score(card, 2), Transition.SUBMIT)
    card = record_review(card, {ids["3"]: Entry(None, "", "Bổ sung minh chứng")}, actor=reviewer)

    card = transition(card, Transition.APPROVE, actor=reviewer)

    assert list(card.scores.exclude(comment="").values_list("comment", flat=True)) == []
    reviewed = card.events.get(kind=EventKind.REVIEWED)
    assert reviewed.after["3"]["comment"] == "Bổ sung minh chứng"


# Withdrawing a submission


def test_the_unit_withdraws_its_submission_while_no_reviewer_opened_it(card, staff):
    card = reach(card, S.SUBMITTED)
    version = card.version

    card = transition(card, T.WITHDRAW, actor=staff)

    event = card.events.last()
    assert (card.status, card.version, card.submitted_at) == (S.DRAFT, version + 1, None)
    assert (event.kind, event.actor) == (EventKind.WITHDRAWN, staff)
    assert (event.before, event.after) == ({"status": "submitted"}, {"status": "draft"})


def test_withdrawing_is_refused_once_a_reviewer_opened_the_scorecard(card, staff):
    card = reach(card, S.SUBMITTED)
    mark_review_opened(card)
    before = state(card)

    messages = refused(transition, card, T.WITHDRAW, actor=staff)

    assert len(messages) == 1 and "can no longer be withdrawn" in messages[0]
    assert state(card) == before


def test_a_new_submission_can_be_withdrawn_again(card, staff):
    card = reach(card, S.SUBMITTED)
    mark_review_opened(card)
    card = transition(card, T.RETURN, note=NOTE)
    card = transition(card, T.SUBMIT, actor=staff)

    card = transition(card, T.WITHDRAW, actor=staff)

    assert card.status == S.DRAFT


def test_opening_the_review_only_marks_a_submitted_scorecard_and_only_once(card):
    draft = reach(card, S.DRAFT)
    mark_review_opened(draft)
    assert Scorecard.objects.get(pk=card.pk).review_opened_at is None

    card = transition(draft, T.SUBMIT)
    mark_review_opened(card)
    first = Scorecard.objects.get(pk=card.pk).review_opened_at
    mark_review_opened(card)

    assert first is not None
    assert Scorecard.objects.get(pk=card.pk).review_opened_at == first
    assert Scorecard.objects.get(pk=card.pk).version == card.version  # not a change of content
