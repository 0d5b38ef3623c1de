"""The unit staff's scorecard page: scoring, saving, submitting, declaring "no procedure".

Every request goes through the test client with the language cookie "en" so the messages can be
compared with their English msgids; the state checks read the database.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from scoring.domain import Transition, declare_no_tthc, transition
from scoring.models import EventKind, Scorecard, ScorecardStatus
from scoring.periods import open_period
from tests.clients import client_for, flashes, url
from tests.factories import MembershipFactory, attach_required_evidence, self_score
from units.models import Role

S = ScorecardStatus
EVIDENCE_CODES = ["5", "6", "8"]
LOCKED = "This scorecard is %s and cannot be changed now."


# Helpers


def plain(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def form_data(
    card: Scorecard,
    *,
    points: dict[str, str] | None = None,
    notes: dict[str, str] | None = None,
    action: str = "save",
    version: int | None = None,
) -> dict:
    """The scorecard form as the page would post it: current values, then the changes."""
    points, notes = points or {}, notes or {}
    data = {"version": card.version if version is None else version, "action": action}
    for score in card.scores.select_related("criterion"):
        code, cid = score.criterion.code, score.criterion_id
        data[f"points_{cid}"] = points.get(code, plain(score.self_points))
        data[f"note_{cid}"] = notes.get(code, score.self_note)
    return data


def all_points(value: str) -> dict[str, str]:
    return {str(code): value for code in range(1, 10)}


def scores(card: Scorecard) -> list[tuple]:
    return sorted(card.scores.values_list("criterion__code", "self_points", "self_note"))


def state(card: Scorecard) -> tuple:
    fresh = Scorecard.objects.get(pk=card.pk)
    return (fresh.status, fresh.version, fresh.no_tthc, fresh.events.count(), scores(fresh))


def select_options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def ids_by_code(card: Scorecard) -> dict[str, int]:
    return dict(card.scores.values_list("criterion__code", "criterion_id"))


# The page


def test_the_page_lists_every_criterion_with_its_code_and_title(staff_client, card):
    response = staff_client.get(url(card))

    html = response.content.decode()
    listed = re.findall(r'<span class="code">(\w+)</span>\s*([^<]+?)\s*<', html)
    expected = list(
        card.scores.order_by("criterion__order").values_list("criterion__code", "criterion__title")
    )
    assert response.status_code == 200
    assert listed == expected


def test_each_points_select_offers_only_the_allowed_values(staff_client, card):
    response = staff_client.get(url(card))

    html = response.content.decode()
    offered = {
        code: select_options(html, f"points_{cid}") for code, cid in ids_by_code(card).items()
    }
    assert offered == {str(code): ["", "0", "1", "2"] for code in range(1, 10)}


def test_the_form_carries_the_scorecard_version(staff_client, card):
    response = staff_client.get(url(card))

    assert f'name="version" value="{card.version}"' in response.content.decode()


# Saving a draft


def test_saving_a_draft_stores_points_and_notes_and_redirects(staff_client, card):
    data = form_data(
        card, points={"1": "2", "2": "1", "3": "0"}, notes={"1": "Sổ theo dõi", "3": "Chưa đạt"}
    )

    response = staff_client.post(url(card), data)

    card.refresh_from_db()
    stored = {code: (p, n) for code, p, n in scores(card) if code in {"1", "2", "3", "4"}}
    assert response.status_code == 302
    assert response.url == url(card)
    assert flashes(response) == ["Saved as a draft."]
    assert stored == {
        "1": (Decimal(2), "Sổ theo dõi"),
        "2": (Decimal(1), ""),
        "3": (Decimal(0), "Chưa đạt"),
        "4": (None, ""),
    }
    assert (card.status, card.version, card.self_total) == (S.DRAFT, 2, Decimal(3))


def test_the_page_after_a_save_carries_the_new_version(staff_client, card):
    staff_client.post(url(card), form_data(card, points={"1": "2"}))

    response = staff_client.get(url(card))

    assert response.context["form"]["version"].value() == 2


def test_saving_records_the_change_with_before_and_after(staff_client, staff, card):
    staff_client.post(url(card), form_data(card, points={"1": "2"}, notes={"1": "Đủ hồ sơ"}))

    event = card.events.last()
    assert (event.kind, event.actor) == (EventKind.SELF_SCORED, staff)
    assert (event.before, event.after) == (
        {"1": {"points": None, "note": ""}},
        {"1": {"points": "2.00", "note": "Đủ hồ sơ"}},
    )


# Submitting


def test_save_and_submit_submits_a_complete_scorecard(staff_client, card):
    attach_required_evidence(card)
    card.refresh_from_db()
    data = form_data(
        card, points=all_points("2"), notes=dict.fromkeys(EVIDENCE_CODES, "Có biên bản")
    )

    response = staff_client.post(url(card), {**data, "action": "submit"})

    card.refresh_from_db()
    assert response.status_code == 302
    assert flashes(response) == ["Submitted for review."]
    assert (card.status, card.self_total) == (S.SUBMITTED, Decimal(18))
    assert card.submitted_at is not None


def test_submit_is_refused_naming_each_criterion_without_points(staff_client, card):
    attach_required_evidence(card)
    card.refresh_from_db()
    points = {**all_points("2"), "2": "", "7": ""}
    notes = dict.fromkeys(EVIDENCE_CODES, "Có biên bản")

    response = staff_client.post(
        url(card), form_data(card, points=points, notes=notes, action="submit")
    )

    card.refresh_from_db()
    assert flashes(response) == [
        "Nothing was saved or submitted:",
        "Criterion 2 has no points.",
        "Criterion 7 has no points.",
    ]
    assert (card.status, card.self_total, card.submitted_at) == (S.DRAFT, None, None)
    # The page shows the entries again, for the user to complete and send.
    assert response.context["form"][f"points_{ids_by_code(card)['1']}"].value() == "2"


def test_submit_is_refused_for_evidence_criteria_without_a_file(staff_client, card):
    notes = dict.fromkeys(EVIDENCE_CODES, "Có biên bản")  # an explanation is not a file

    response = staff_client.post(
        url(card), form_data(card, points=all_points("2"), notes=notes, action="submit")
    )

    card.refresh_from_db()
    assert flashes(response) == [
        "Nothing was saved or submitted:",
        *[
            f"Criterion {code} requires an evidence file: attach one before submitting."
            for code in "568"
        ],
    ]
    assert card.status == S.DRAFT


def test_only_the_criterion_still_without_a_file_is_named(staff_client, card):
    attach_required_evidence(card)
    card.scores.get(criterion__code="8").evidence.all().delete()
    card.refresh_from_db()

    response = staff_client.post(
        url(card), form_data(card, points=all_points("2"), action="submit")
    )

    card.refresh_from_db()
    assert flashes(response)[1:] == [
        "Criterion 8 requires an evidence file: attach one before submitting."
    ]
    assert card.status == S.DRAFT


@pytest.fixture
def late_card(tuan_giao, criteria_set) -> Scorecard:
    """A draft whose period's self-scoring deadline was yesterday."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    period = open_period(tuan_giao.district, 2021, 3, criteria_set, self_deadline=yesterday)
    return period.scorecards.get(unit=tuan_giao.communes[0])


def complete(card: Scorecard) -> dict:
    """Every criterion scored, a file on every evidence criterion, "Save and submit" pressed."""
    attach_required_evidence(card)
    card.refresh_from_db()
    notes = dict.fromkeys(EVIDENCE_CODES, "Có biên bản")
    return form_data(card, points=all_points("2"), notes=notes, action="submit")


def test_submit_is_refused_once_the_deadline_has_passed(staff_client, late_card):
    deadline = late_card.period.self_deadline.strftime("%d/%m/%Y")

    response = staff_client.post(url(late_card), complete(late_card))

    late_card.refresh_from_db()
    assert flashes(response) == [
        "Nothing was saved or submitted:",
        f"The self-scoring deadline ({deadline}) has passed.",
    ]
    assert (late_card.status, late_card.submitted_at) == (S.DRAFT, None)


def test_submit_is_accepted_after_a_reviewer_extends_the_units_deadline(
    staff_client, reviewer_client, late_card
):
    late_card = self_score(late_card, 2)
    later = timezone.localdate() + datetime.timedelta(days=7)
    extended = reviewer_client.post(
        url(late_card, "scoring:deadline"), {"deadline": later.isoformat(), "note": "Mưa lũ"}
    )
    late_card.refresh_from_db()

    response = staff_client.post(url(late_card), complete(late_card))

    late_card.refresh_from_db()
    assert flashes(extended) == ["Deadline extended."]
    assert flashes(response) == ["Submitted for review."]
    assert (late_card.status, late_card.deadline) == (S.SUBMITTED, later)


def test_the_deadline_cannot_be_moved_before_the_periods(reviewer_client, tuan_giao, criteria_set):
    in_ten = timezone.localdate() + datetime.timedelta(days=10)
    period = open_period(tuan_giao.district, 2021, 3, criteria_set, self_deadline=in_ten)
    card = period.scorecards.get(unit=tuan_giao.communes[0])
    earlier = in_ten - datetime.timedelta(days=5)

    response = reviewer_client.post(
        url(card, "scoring:deadline"), {"deadline": earlier.isoformat(), "note": "Mưa lũ"}
    )

    card.refresh_from_db()
    assert flashes(response) == [
        f"The new deadline must not be before the period's deadline ({in_ten:%d/%m/%Y})."
    ]
    assert card.deadline is None


@pytest.mark.parametrize(
    ("days", "note", "expected"),
    [
        (7, "  ", ["Give the reason for the extension."]),
        (0, "Mưa lũ", ["The new deadline must be after today ({today})."]),
        (
            -3,
            "",
            [
                "Give the reason for the extension.",
                "The new deadline must be after today ({today}).",
            ],
        ),
    ],
    ids=["no-reason", "today", "past-and-no-reason"],
)
def test_an_extension_needs_a_future_date_and_a_reason(
    reviewer_client, late_card, days, note, expected
):
    today = timezone.localdate()
    new = today + datetime.timedelta(days=days)
    version = late_card.version

    response = reviewer_client.post(
        url(late_card, "scoring:deadline"), {"deadline": new.isoformat(), "note": note}
    )

    late_card.refresh_from_db()
    assert flashes(response) == [m.format(today=f"{today:%d/%m/%Y}") for m in expected]
    assert (late_card.deadline, late_card.version) == (None, version)
    assert not late_card.events.filter(kind="deadline").exists()


def test_the_reason_for_an_extension_is_kept_in_the_history(reviewer_client, late_card):
    later = timezone.localdate() + datetime.timedelta(days=7)

    reviewer_client.post(
        url(late_card, "scoring:deadline"), {"deadline": later.isoformat(), "note": " Mưa lũ "}
    )

    event = late_card.events.get(kind="deadline")
    assert (event.note, event.after) == ("Mưa lũ", {"deadline": later.isoformat()})


def test_staff_cannot_extend_their_own_deadline(staff_client, late_card):
    later = timezone.localdate() + datetime.timedelta(days=7)

    response = staff_client.post(
        url(late_card, "scoring:deadline"), {"deadline": later.isoformat()}
    )

    late_card.refresh_from_db()
    assert response.status_code == 403
    assert late_card.deadline is None


# Invalid values


@pytest.mark.parametrize("value", ["3", "1.5", "abc", "-1"])
def test_a_value_the_criterion_does_not_allow_is_a_form_error_and_saves_nothing(
    staff_client, card, value
):
    self_score(card, 1)
    card.refresh_from_db()
    before = state(card)
    cid = ids_by_code(card)["4"]

    response = staff_client.post(url(card), form_data(card, points={"1": "2", "4": value}))

    form = response.context["form"]
    assert response.status_code == 200
    assert flashes(response) == ["Nothing was saved: correct the marked fields."]
    with translation.override("en"):  # the language the page was shown in
        assert form.errors == {
            f"points_{cid}": ["Choose one of the allowed points for this criterion."]
        }
    assert state(card) == before


# Optimistic locking


def test_a_stale_form_is_refused_and_the_winners_data_is_kept(staff_client, card, tuan_giao):
    colleague = MembershipFactory(unit=tuan_giao.communes[0], role=Role.UNIT_STAFF).user
    opened = form_data(card, points={"1": "0"}, notes={"1": "Của tôi"})
    client_for(colleague).post(url(card), form_data(card, points={"1": "2"}, notes={"1": "Tôi"}))
    winner = state(card)

    response = staff_client.post(url(card), opened)

    assert response.status_code == 200
    assert flashes(response) == [
        "Someone else saved this scorecard after you opened it. Reload the page and try again."
    ]
    assert state(card) == winner
    assert winner[1] == opened["version"] + 1


# "No procedure arose"


def test_declaring_no_tthc_with_a_note_marks_the_scorecard(staff_client, card):
    response = staff_client.post(
        url(card, "scoring:no_tthc"),
        {"version": card.version, "note": "Không phát sinh hồ sơ", "action": "declare"},
    )

    card.refresh_from_db()
    assert response.status_code == 302
    assert flashes(response) == ["Declared: no procedure arose this quarter."]
    assert (card.no_tthc, card.no_tthc_note, card.status) == (
        True,
        "Không phát sinh hồ sơ",
        S.DRAFT,
    )
    assert card.events.last().kind == EventKind.NO_TTHC


def test_declaring_no_tthc_without_a_note_is_refused(staff_client, card):
    before = state(card)

    response = staff_client.post(
        url(card, "scoring:no_tthc"), {"version": card.version, "note": "  ", "action": "declare"}
    )

    assert flashes(response) == ["Explain why no procedure arose this quarter."]
    assert state(card) == before


def test_the_page_of_a_declared_scorecard_offers_withdraw_and_submit(staff_client, card):
    declare_no_tthc(card, True, "Không phát sinh hồ sơ")

    response = staff_client.get(url(card))

    html = response.content.decode()
    assert "Không phát sinh hồ sơ" in html
    assert 'value="withdraw"' in html
    assert f'action="{url(card, "scoring:submit")}"' in html
    assert 'name="points_' not in html


def test_withdrawing_the_declaration_clears_it(staff_client, card):
    card = declare_no_tthc(card, True, "Không phát sinh hồ sơ")

    response = staff_client.post(
        url(card, "scoring:no_tthc"), {"version": card.version, "action": "withdraw"}
    )

    card.refresh_from_db()
    assert flashes(response) == ["Declaration withdrawn: score the criteria."]
    assert (card.no_tthc, card.no_tthc_note, card.status) == (False, "", S.DRAFT)


def test_a_declared_scorecard_is_submitted_without_points(staff_client, card):
    card = declare_no_tthc(card, True, "Không phát sinh hồ sơ")

    response = staff_client.post(url(card, "scoring:submit"), {"version": card.version, "note": ""})

    card.refresh_from_db()
    assert flashes(response) == ["Submitted for review."]
    assert (card.status, card.no_tthc, card.self_total) == (S.SUBMITTED, True, None)


def test_a_stale_declaration_form_is_refused(staff_client, card):
    stale = card.version
    card = self_score(card, 1)
    before = state(card)

    response = staff_client.post(
        url(card, "scoring:no_tthc"),
        {"version": stale, "note": "Không phát sinh", "action": "declare"},
    )

    assert flashes(response) == [
        "Someone else saved this scorecard after you opened it. Reload the page and try again."
    ]
    assert state(card) == before


# A scorecard the unit can no longer change


def locked(card: Scorecard, status: str) -> Scorecard:
    card = self_score(card, 2)
    card = transition(card, Transition.SUBMIT)
    if status == S.APPROVED:
        card = transition(card, Transition.APPROVE)
    return card


@pytest.mark.parametrize("status", [S.SUBMITTED, S.APPROVED])
def test_saving_a_locked_scorecard_changes_nothing_and_says_why(staff_client, card, status):
    card = locked(card, status)
    before = state(card)

    response = staff_client.post(url(card), form_data(card, points=all_points("0")))

    assert response.status_code == 200
    assert flashes(response) == [LOCKED % status]
    assert state(card) == before


@pytest.mark.parametrize("status", [S.SUBMITTED, S.APPROVED])
def test_submitting_a_locked_scorecard_again_changes_nothing(staff_client, card, status):
    card = locked(card, status)
    before = state(card)

    response = staff_client.post(url(card), form_data(card, action="submit"))

    assert flashes(response) == [LOCKED % status]
    assert state(card) == before


@pytest.mark.parametrize("status", [S.SUBMITTED, S.APPROVED])
def test_declaring_no_tthc_on_a_locked_scorecard_changes_nothing(staff_client, card, status):
    card = locked(card, status)
    before = state(card)

    response = staff_client.post(
        url(card, "scoring:no_tthc"), {"version": card.version, "note": "Không phát sinh"}
    )

    assert flashes(response) == [LOCKED % status]
    assert state(card) == before


def test_a_submitted_scorecard_is_shown_without_inputs(staff_client, card):
    card = locked(card, S.SUBMITTED)

    response = staff_client.get(url(card))

    html = response.content.decode()
    assert response.context["editable"] is False
    assert re.findall(r'name="(points|note|evidence)_\d+"', html) == []


def test_another_units_staff_cannot_post_to_the_scorecard(other_staff, card):
    before = state(card)

    response = client_for(other_staff).post(url(card), form_data(card, points=all_points("2")))

    assert response.status_code == 404
    assert state(card) == before


def test_a_reviewer_cannot_enter_self_scores(reviewer_client, card):
    before = state(card)

    response = reviewer_client.post(url(card), form_data(card, points=all_points("2")))

    assert response.status_code == 403
    assert state(card) == before
