"""The reviewer's pages: review, return, approve, reopen, bulk approval, the board and results.

Requests carry the language cookie "en" so messages compare with their English msgids.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import override

from scoring.domain import (
    Entry,
    ScoringError,
    Transition,
    declare_no_tthc,
    extend_deadline,
    record_review,
    refresh_results,
    refresh_suggestions,
    transition,
)
from scoring.models import DossierStats, EventKind, Score, Scorecard, ScorecardStatus
from scoring.periods import open_period
from tests.clients import client_for, flashes
from tests.factories import MembershipFactory, criterion_ids, self_score
from units.models import Role

S = ScorecardStatus
T = Transition


# Helpers


def url(obj, name: str = "scoring:review") -> str:
    return reverse(name, args=[obj.pk])


def plain(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def review_data(
    card: Scorecard,
    *,
    action: str = "save",
    note: str = "",
    points: dict[str, str] | None = None,
    reasons: dict[str, str] | None = None,
    comments: dict[str, str] | None = None,
) -> dict:
    """The review form as the page would post it: current values, then the changes."""
    points, reasons, comments = points or {}, reasons or {}, comments or {}
    data = {"version": card.version, "action": action, "note": note}
    for score in card.scores.select_related("criterion"):
        code, cid = score.criterion.code, score.criterion_id
        data[f"points_{cid}"] = points.get(code, plain(score.reviewed_points))
        data[f"reason_{cid}"] = reasons.get(code, score.review_reason)
        data[f"comment_{cid}"] = comments.get(code, score.comment)
    return data


def self_data(card: Scorecard, points: str) -> dict:
    data = {"version": card.version, "action": "save"}
    for cid in criterion_ids(card).values():
        data[f"points_{cid}"] = points
        data[f"note_{cid}"] = "Theo sổ theo dõi hồ sơ"
    return data


def state(card: Scorecard) -> tuple:
    fresh = Scorecard.objects.get(pk=card.pk)
    scores = sorted(
        fresh.scores.values_list(
            "criterion__code", "self_points", "reviewed_points", "review_reason", "comment"
        )
    )
    return (
        fresh.status,
        fresh.version,
        fresh.final_total,
        fresh.approved_at,
        fresh.events.count(),
        scores,
    )


def submitted(card: Scorecard, points=2) -> Scorecard:
    return transition(self_score(card, points), T.SUBMIT)


def approved(card: Scorecard) -> Scorecard:
    return transition(submitted(card), T.APPROVE)


def field_names(html: str) -> set[str]:
    return set(re.findall(r'<(?:input|select|textarea)[^>]* name="(\w+)"', html))


# The review page


def test_the_review_page_shows_self_points_suggestions_and_review_fields(
    reviewer_client, card, period, tuan_giao
):
    DossierStats.objects.create(
        unit=tuan_giao.communes[0], year=2021, quarter=2, resolved_on_time=10
    )
    refresh_suggestions(period)
    card = submitted(card)

    response = reviewer_client.get(url(card))

    html = response.content.decode()
    row = re.search(r'<tr id="c1">(.*?)</tr>', html, re.S).group(1)
    cids = criterion_ids(card).values()
    assert response.status_code == 200
    assert re.findall(r'<td class="num"[^>]*>([^<]*)</td>', row) == ["2"]
    assert re.findall(r'class="(differs|)">([^<]*)</span>', row) == [("differs", "1")]
    assert card.scores.get(criterion__code="1").suggested_points == Decimal(1)
    assert field_names(html) >= {"version", "note"} | {
        f"{kind}_{cid}" for cid in cids for kind in ("points", "reason", "comment")
    }
    assert response.context["stats"].resolved_on_time == 10


def test_a_criterion_without_a_suggestion_shows_a_dash(reviewer_client, card):
    card = submitted(card)

    response = reviewer_client.get(url(card))

    row = re.search(r'<tr id="c2">(.*?)</tr>', response.content.decode(), re.S).group(1)
    assert re.findall(r'<td class="num"[^>]*>([^<]*)</td>', row) == ["2", "—"]


def test_the_review_page_of_a_draft_has_no_inputs(reviewer_client, card):
    response = reviewer_client.get(url(card))

    assert response.context["editable"] is False
    assert re.findall(r'name="(?:points|reason|comment)_\d+"', response.content.decode()) == []


def test_unit_staff_cannot_open_the_review_page(staff_client, card):
    card = submitted(card)

    response = staff_client.get(url(card))

    assert response.status_code == 403


# Adjusting points


def test_an_adjustment_without_a_reason_is_refused_and_nothing_saved(reviewer_client, card):
    card = submitted(card)
    before = state(card)

    response = reviewer_client.post(url(card), review_data(card, points={"5": "1"}))

    assert response.status_code == 200
    assert flashes(response) == ["Nothing was saved: correct the marked fields."]
    reason = f"reason_{card.scores.get(criterion__code='5').criterion_id}"
    with override("en"):  # said next to the reason's field
        assert response.context["form"].errors == {
            reason: ["Give a reason for changing the points."]
        }
    assert state(card) == before


def test_an_adjustment_with_a_reason_changes_the_final_total(reviewer_client, reviewer, card):
    card = submitted(card)

    response = reviewer_client.post(
        url(card), review_data(card, points={"5": "1"}, reasons={"5": "Thiếu biên bản"})
    )

    card.refresh_from_db()
    event = card.events.last()
    assert response.status_code == 302
    assert flashes(response) == ["Review saved."]
    assert (card.status, card.self_total, card.final_total) == (
        S.SUBMITTED,
        Decimal(18),
        Decimal(17),
    )
    assert (event.kind, event.actor) == (EventKind.REVIEWED, reviewer)
    assert (event.before, event.after) == (
        {"5": {"points": None, "reason": "", "comment": ""}},
        {"5": {"points": "1.00", "reason": "Thiếu biên bản", "comment": ""}},
    )


def test_an_adjustment_to_a_value_not_allowed_is_a_form_error(reviewer_client, card):
    card = submitted(card)
    before = state(card)
    cid = criterion_ids(card)["5"]

    response = reviewer_client.post(
        url(card), review_data(card, points={"5": "1.5"}, reasons={"5": "Thiếu"})
    )

    assert flashes(response) == ["Nothing was saved: correct the marked fields."]
    with translation.override("en"):  # the language the page was shown in
        assert response.context["form"].errors == {
            f"points_{cid}": ["Choose one of the allowed points for this criterion."]
        }
    assert state(card) == before


def test_a_stale_review_form_is_refused(reviewer_client, card):
    card = submitted(card)
    data = review_data(card, points={"5": "1"}, reasons={"5": "Thiếu biên bản"})
    card = record_review(card, {criterion_ids(card)["5"]: Entry(Decimal(0), "Không có")})
    before = state(card)

    response = reviewer_client.post(url(card), data)

    assert flashes(response) == [
        "Someone else saved this scorecard after you opened it. Reload the page and try again."
    ]
    assert state(card) == before


# Returning


def test_returning_with_an_overall_comment_shows_it_to_the_unit(
    reviewer_client, staff_client, reviewer, card
):
    card = submitted(card)
    comment = "Bổ sung minh chứng cho chỉ số 5 và 6"

    response = reviewer_client.post(url(card), review_data(card, action="return", note=comment))
    page = staff_client.get(url(card, "scoring:scorecard"))

    card.refresh_from_db()
    event = card.events.last()
    assert flashes(response) == ["Returned to the unit for correction."]
    assert card.status == S.RETURNED
    assert (event.kind, event.actor, event.note) == (EventKind.RETURNED, reviewer, comment)
    assert page.context["return_note"] == comment
    assert comment in page.content.decode()
    assert page.context["editable"] is True


def test_returning_with_only_a_criterion_comment_works(reviewer_client, staff_client, card):
    card = submitted(card)

    response = reviewer_client.post(
        url(card), review_data(card, action="return", comments={"5": "Thiếu biên bản"})
    )
    page = staff_client.get(url(card, "scoring:scorecard"))

    card.refresh_from_db()
    assert flashes(response) == ["Returned to the unit for correction."]
    assert card.status == S.RETURNED
    assert card.events.last().note == "5: Thiếu biên bản"
    assert card.scores.get(criterion__code="5").comment == "Thiếu biên bản"
    assert page.context["return_note"] == "5: Thiếu biên bản"
    assert "Reviewer: Thiếu biên bản" in page.content.decode()


def test_returning_without_any_comment_is_refused(reviewer_client, card):
    card = submitted(card)
    before = state(card)

    response = reviewer_client.post(url(card), review_data(card, action="return", note="  "))

    assert flashes(response) == ["Write a comment explaining why."]
    assert state(card) == before


# Approving


def test_approving_a_complete_scorecard_approves_it(reviewer_client, reviewer, card):
    card = submitted(card)

    response = reviewer_client.post(url(card), review_data(card, action="approve"))

    card.refresh_from_db()
    assert response.status_code == 302
    assert flashes(response) == ["Approved."]
    assert (card.status, card.final_total) == (S.APPROVED, Decimal(18))
    assert card.approved_at is not None
    assert (card.events.last().kind, card.events.last().actor) == (EventKind.APPROVED, reviewer)


def test_approve_is_refused_while_a_criterion_lacks_final_points(reviewer_client, card):
    card = submitted(card)
    # The domain never lets a card be submitted without points; craft that state directly.
    Score.objects.filter(scorecard=card, criterion__code__in=["3", "7"]).update(self_points=None)
    refresh_results(card.period)
    before = state(card)

    response = reviewer_client.post(url(card), review_data(card, action="approve"))

    assert flashes(response) == [
        "Criterion 3 has no final points.",
        "Criterion 7 has no final points.",
    ]
    assert state(card) == before


def test_reviewed_points_count_as_final_points_for_approval(reviewer_client, card):
    card = submitted(card)
    Score.objects.filter(scorecard=card, criterion__code="3").update(self_points=None)

    response = reviewer_client.post(
        url(card), review_data(card, action="approve", points={"3": "1"}, reasons={"3": "Bổ sung"})
    )

    card.refresh_from_db()
    assert flashes(response) == ["Approved."]
    assert (card.status, card.final_total) == (S.APPROVED, Decimal(17))


def test_an_approved_scorecard_cannot_be_changed_by_anyone(reviewer_client, staff_client, card):
    card = approved(card)
    before = state(card)

    by_staff = staff_client.post(url(card, "scoring:scorecard"), self_data(card, "0"))
    by_reviewer = reviewer_client.post(
        url(card), review_data(card, points={"5": "0"}, reasons={"5": "Sai"})
    )
    returned = reviewer_client.post(url(card), review_data(card, action="return", note="Sai"))

    locked = "This scorecard is approved and cannot be changed now."
    assert flashes(by_staff) == [locked]
    assert flashes(by_reviewer) == [locked]
    assert flashes(returned) == [locked]
    assert state(card) == before


def test_an_approved_scorecard_is_shown_without_review_inputs(reviewer_client, card):
    card = approved(card)

    response = reviewer_client.get(url(card))

    html = response.content.decode()
    assert re.findall(r'name="(?:points|reason|comment)_\d+"', html) == []
    assert f'action="{url(card, "scoring:reopen")}"' in html


# Reopening


def test_reopening_without_a_reason_is_refused(reviewer_client, card):
    card = approved(card)
    before = state(card)

    response = reviewer_client.post(url(card, "scoring:reopen"), {"note": ""})

    assert flashes(response) == ["Write a comment explaining why."]
    assert state(card) == before


def test_reopening_with_a_reason_lets_the_reviewer_change_it_again(reviewer_client, card):
    card = approved(card)

    response = reviewer_client.post(url(card, "scoring:reopen"), {"note": "Phát hiện sai sót"})
    card.refresh_from_db()
    adjusted = reviewer_client.post(
        url(card), review_data(card, points={"5": "1"}, reasons={"5": "Sai sót"})
    )

    card.refresh_from_db()
    event = card.events.filter(kind=EventKind.REOPENED).get()
    assert flashes(response) == ["Reopened for review."]
    assert flashes(adjusted)[-1] == "Review saved."
    assert (card.status, card.approved_at, card.final_total) == (S.SUBMITTED, None, Decimal(17))
    assert event.note == "Phát hiện sai sót"


# Transitions not allowed from the current state


def test_approving_a_draft_through_the_review_form_is_refused(reviewer_client, card):
    card = self_score(card, 2)
    before = state(card)

    response = reviewer_client.post(url(card), review_data(card, action="approve"))

    assert flashes(response) == ["This scorecard is draft and cannot be changed now."]
    assert state(card) == before


def test_returning_a_returned_scorecard_is_refused(reviewer_client, card):
    card = transition(submitted(card), T.RETURN, note="Sai")
    before = state(card)

    response = reviewer_client.post(url(card), review_data(card, action="return", note="Lại"))

    assert flashes(response) == ["This scorecard is returned and cannot be changed now."]
    assert state(card) == before


def test_reopening_a_submitted_scorecard_is_refused(reviewer_client, card):
    card = submitted(card)
    before = state(card)

    response = reviewer_client.post(url(card, "scoring:reopen"), {"note": "Mở lại"})

    assert flashes(response) == ["This action is not allowed while the scorecard is submitted."]
    assert state(card) == before


def test_unit_staff_cannot_reopen_their_approved_scorecard(staff_client, card):
    card = approved(card)
    before = state(card)

    response = staff_client.post(url(card, "scoring:reopen"), {"note": "Mở lại"})

    assert response.status_code == 403
    assert state(card) == before


# "No procedure arose"


@pytest.fixture
def declared(card) -> Scorecard:
    card = declare_no_tthc(card, True, "Không phát sinh hồ sơ trong quý")
    return transition(card, T.SUBMIT)


def test_the_review_page_of_a_declaration_offers_confirm_and_reject(reviewer_client, declared):
    response = reviewer_client.get(url(declared))

    html = response.content.decode()
    assert "Không phát sinh hồ sơ trong quý" in html
    assert re.findall(r'<button name="action" value="(\w+)"', html) == ["approve", "return"]


def test_confirming_a_declaration_approves_it(reviewer_client, declared):
    response = reviewer_client.post(
        url(declared), {"version": declared.version, "note": "", "action": "approve"}
    )

    declared.refresh_from_db()
    assert flashes(response) == ["Approved."]
    assert (declared.status, declared.no_tthc, declared.final_total, declared.rank) == (
        S.APPROVED,
        True,
        None,
        None,
    )


def test_rejecting_a_declaration_returns_it_with_the_comment(
    reviewer_client, staff_client, declared
):
    comment = "Hệ thống ghi nhận 3 hồ sơ trong quý"

    response = reviewer_client.post(
        url(declared), {"version": declared.version, "note": comment, "action": "return"}
    )
    page = staff_client.get(url(declared, "scoring:scorecard"))

    declared.refresh_from_db()
    assert flashes(response) == ["Returned to the unit for correction."]
    assert (declared.status, declared.no_tthc) == (S.RETURNED, True)
    assert page.context["return_note"] == comment


def test_rejecting_a_declaration_needs_a_comment(reviewer_client, declared):
    before = state(declared)

    response = reviewer_client.post(
        url(declared), {"version": declared.version, "note": "", "action": "return"}
    )

    assert flashes(response) == ["Write a comment explaining why."]
    assert state(declared) == before


# Bulk approval


def tick(card: Scorecard) -> str:
    """A board checkbox's value: the scorecard and the version the board showed."""
    return f"{card.pk}:{card.version}"


def cards_of(period, units) -> list[Scorecard]:
    return [period.scorecards.get(unit=unit) for unit in units]


def test_bulk_approve_approves_only_submitted_unadjusted_cards_and_names_the_rest(
    reviewer_client, period, tuan_giao
):
    plain_card, adjusted, draft = cards_of(period, tuan_giao.communes)
    plain_card = submitted(plain_card)
    adjusted = submitted(adjusted)
    adjusted = record_review(adjusted, {criterion_ids(adjusted)["5"]: Entry(Decimal(1), "Thiếu")})
    draft = self_score(draft, 2)
    untouched = [state(adjusted), state(draft)]

    response = reviewer_client.post(
        url(period, "scoring:bulk_approve"),
        {"cards": [tick(plain_card), tick(adjusted), tick(draft)]},
    )

    names = f"{tuan_giao.communes[1].short_name}, {tuan_giao.communes[2].short_name}"
    assert response.status_code == 302
    assert response.url == url(period, "scoring:board")
    assert flashes(response) == [
        "Approved 1 scorecards.",
        f"Not approved (not submitted, or adjusted: review them one by one): {names}.",
    ]
    assert Scorecard.objects.get(pk=plain_card.pk).status == S.APPROVED
    assert [state(adjusted), state(draft)] == untouched


def test_bulk_approve_with_nothing_selected_says_so(reviewer_client, period):
    response = reviewer_client.post(url(period, "scoring:bulk_approve"), {})

    assert flashes(response) == ["Select at least one scorecard."]
    assert set(period.scorecards.values_list("status", flat=True)) == {S.DRAFT}


def test_bulk_approve_ignores_another_periods_scorecards(
    reviewer_client, period, other_district, criteria_set
):
    other = open_period(other_district.district, 2021, 2, criteria_set)
    foreign = submitted(other.scorecards.first())

    reviewer_client.post(url(period, "scoring:bulk_approve"), {"cards": [tick(foreign)]})

    assert Scorecard.objects.get(pk=foreign.pk).status == S.SUBMITTED


def test_a_leader_cannot_bulk_approve(leader, period, card):
    card = submitted(card)

    response = client_for(leader).post(url(period, "scoring:bulk_approve"), {"cards": [tick(card)]})

    assert response.status_code == 403
    assert Scorecard.objects.get(pk=card.pk).status == S.SUBMITTED


# The board


@pytest.fixture
def mixed(period, tuan_giao) -> dict[str, Scorecard]:
    """Commune 0 submitted, commune 1 approved, commune 2 and both agencies draft."""
    first, second, _third = cards_of(period, tuan_giao.communes)
    return {"submitted": submitted(first), "approved": approved(second)}


def shown(response) -> list[int]:
    return [row.card.unit_id for _group, _label, rows in response.context["groups"] for row in rows]


def test_the_board_counts_scorecards_per_status(reviewer_client, period, mixed):
    response = reviewer_client.get(url(period, "scoring:board"))

    counts = [(value, n) for value, _label, n in response.context["counts"]]
    assert response.status_code == 200
    assert response.context["total"] == 5
    assert counts == [("draft", 3), ("submitted", 1), ("returned", 0), ("approved", 1)]


def test_the_board_lists_agencies_then_communes(reviewer_client, period, mixed, tuan_giao):
    response = reviewer_client.get(url(period, "scoring:board"))

    groups = [group for group, _label, _rows in response.context["groups"]]
    assert groups == ["agencies", "local"]
    assert shown(response) == [unit.id for unit in tuan_giao.scored]


def test_the_board_filters_by_status(reviewer_client, period, mixed, tuan_giao):
    response = reviewer_client.get(url(period, "scoring:board"), {"status": "submitted"})

    assert shown(response) == [tuan_giao.communes[0].id]


def test_the_board_filters_by_group(reviewer_client, period, mixed, tuan_giao):
    response = reviewer_client.get(url(period, "scoring:board"), {"group": "agencies"})

    assert shown(response) == [unit.id for unit in tuan_giao.agencies]


def test_the_board_combines_the_filters(reviewer_client, period, mixed, tuan_giao):
    response = reviewer_client.get(
        url(period, "scoring:board"), {"status": "draft", "group": "local"}
    )

    assert shown(response) == [tuan_giao.communes[2].id]


def test_the_board_keeps_the_counts_of_the_whole_period_when_filtered(
    reviewer_client, period, mixed
):
    response = reviewer_client.get(url(period, "scoring:board"), {"status": "approved"})

    counts = [(value, n) for value, _label, n in response.context["counts"]]
    assert counts == [("draft", 3), ("submitted", 1), ("returned", 0), ("approved", 1)]


def test_an_unknown_filter_value_shows_everything(reviewer_client, period, mixed):
    response = reviewer_client.get(url(period, "scoring:board"), {"status": "bogus"})

    assert len(shown(response)) == 5


def test_only_submitted_scorecards_can_be_ticked_for_bulk_approval(reviewer_client, period, mixed):
    response = reviewer_client.get(url(period, "scoring:board"))

    ticked = re.findall(r'name="cards" value="([\d:]+)"', response.content.decode())
    assert ticked == [tick(mixed["submitted"])]


# Results


def test_the_results_page_ranks_units_within_each_group(reviewer_client, period, tuan_giao):
    agency_a, agency_b = cards_of(period, tuan_giao.agencies)
    commune_a, commune_b, commune_c = cards_of(period, tuan_giao.communes)
    self_score(agency_a, 1)
    self_score(agency_b, 2)
    self_score(commune_a, 1)
    self_score(commune_b, 2)
    declare_no_tthc(commune_c, True, "Không phát sinh")

    response = reviewer_client.get(url(period, "scoring:results"))

    ranked = {
        group: [(card.unit_id, card.final_total, card.rank) for card in cards]
        for group, _label, cards in response.context["groups"]
    }
    assert response.status_code == 200
    assert ranked == {
        "agencies": [(agency_b.unit_id, Decimal(18), 1), (agency_a.unit_id, Decimal(9), 2)],
        "local": [
            (commune_b.unit_id, Decimal(18), 1),
            (commune_a.unit_id, Decimal(9), 2),
            (commune_c.unit_id, None, None),
        ],
    }


def test_tied_units_share_a_rank_on_the_results_page(reviewer_client, period, tuan_giao):
    commune_a, commune_b, commune_c = cards_of(period, tuan_giao.communes)
    self_score(commune_a, 1)
    self_score(commune_b, 2)
    self_score(commune_c, 2)

    response = reviewer_client.get(url(period, "scoring:results"))

    local = {g: cards for g, _label, cards in response.context["groups"]}["local"]
    assert [(c.unit_id, c.rank) for c in local] == [
        (commune_b.unit_id, 1),
        (commune_c.unit_id, 1),
        (commune_a.unit_id, 3),
    ]


# A refused return or approval keeps the whole form unsaved


def test_a_refused_return_saves_nothing_so_the_corrected_form_goes_through(reviewer_client, card):
    card = submitted(card)
    before = state(card)
    data = review_data(card, action="return", points={"5": "1"}, reasons={"5": "Thiếu biên bản"})

    refused = reviewer_client.post(url(card), data)
    unchanged = state(card)
    accepted = reviewer_client.post(url(card), {**data, "note": "Bổ sung biên bản"})

    card.refresh_from_db()
    assert flashes(refused) == ["Write a comment explaining why."]
    assert unchanged == before
    assert flashes(accepted)[-1] == "Returned to the unit for correction."
    assert (card.status, card.final_total) == (S.RETURNED, Decimal(17))


def test_a_refused_approval_does_not_keep_the_adjustments(reviewer_client, card):
    card = submitted(card)
    Score.objects.filter(scorecard=card, criterion__code="3").update(self_points=None)
    before = state(card)

    response = reviewer_client.post(
        url(card),
        review_data(card, action="approve", points={"5": "1"}, reasons={"5": "Thiếu biên bản"}),
    )

    assert flashes(response) == ["Criterion 3 has no final points."]
    assert state(card) == before


def test_bulk_approve_skips_a_card_that_changed_after_the_board_was_loaded(
    reviewer_client, reviewer, period, tuan_giao
):
    unchanged, changed = cards_of(period, tuan_giao.communes[:2])
    unchanged, changed = submitted(unchanged), submitted(changed)
    shown = [tick(unchanged), tick(changed)]  # what the board showed
    changed = transition(changed, Transition.RETURN, actor=reviewer, note="Thiếu biên bản")
    changed = transition(changed, Transition.SUBMIT)  # corrected and sent again
    before = state(changed)

    response = reviewer_client.post(url(period, "scoring:bulk_approve"), {"cards": shown})

    assert flashes(response) == [
        "Approved 1 scorecards.",
        "Not approved, because they changed after you opened the board: "
        f"{tuan_giao.communes[1].short_name}.",
    ]
    assert Scorecard.objects.get(pk=unchanged.pk).status == S.APPROVED
    assert state(changed) == before


def test_bulk_approve_leaves_the_reviewers_own_unit_alone(
    reviewer, reviewer_client, period, tuan_giao
):
    own, other = cards_of(period, tuan_giao.communes[:2])
    own, other = submitted(own), submitted(other)
    MembershipFactory(user=reviewer, unit=own.unit, role=Role.UNIT_STAFF)

    response = reviewer_client.post(
        url(period, "scoring:bulk_approve"), {"cards": [tick(own), tick(other)]}
    )

    assert Scorecard.objects.get(pk=own.pk).status == S.SUBMITTED
    assert Scorecard.objects.get(pk=other.pk).status == S.APPROVED
    assert flashes(response)[-1].endswith(f"{own.unit.short_name}.")


def test_a_board_checkbox_without_a_version_is_refused(reviewer_client, period, card):
    card = submitted(card)

    response = reviewer_client.post(url(period, "scoring:bulk_approve"), {"cards": [card.pk]})

    assert flashes(response) == ["Select at least one scorecard."]
    assert Scorecard.objects.get(pk=card.pk).status == S.SUBMITTED


def test_the_board_offers_no_review_of_the_reviewers_own_unit(
    reviewer, reviewer_client, period, card
):
    card = submitted(card)
    MembershipFactory(user=reviewer, unit=card.unit, role=Role.UNIT_STAFF)

    page = reviewer_client.get(url(period, "scoring:board")).content.decode()

    assert f'value="{tick(card)}"' not in page
    assert reverse("scoring:review", args=[card.pk]) not in page


@pytest.mark.parametrize("step", ["review", "return", "approve", "deadline"])
def test_the_domain_refuses_anyone_acting_as_reviewer_on_their_own_unit(
    step, reviewer, card, tuan_giao
):
    card = submitted(card)
    MembershipFactory(user=reviewer, unit=card.unit, role=Role.UNIT_STAFF)
    before = state(card)
    act = {
        "review": lambda: record_review(
            card, {criterion_ids(card)["1"]: Entry(Decimal(1), "Thiếu")}, actor=reviewer
        ),
        "return": lambda: transition(card, Transition.RETURN, actor=reviewer, note="Sửa lại"),
        "approve": lambda: transition(card, Transition.APPROVE, actor=reviewer),
        "deadline": lambda: extend_deadline(
            card, datetime.date(2030, 1, 1), actor=reviewer, note="Mưa lũ"
        ),
    }[step]

    with pytest.raises(ScoringError) as refused, override("en"):
        act()

    assert refused.value.messages == ["You cannot review your own unit's scorecard."]
    assert state(card) == before
