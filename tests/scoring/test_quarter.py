"""A quarter's life in the browser: opening it (with last quarter's explanations as the first
draft), closing it once the report is signed, and what a closed quarter refuses."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.translation import override

from reports.domain import report_for
from reports.models import Report, ReportStatus
from scoring import domain, periods
from scoring.domain import Entry, ScoringError, Transition, transition
from scoring.models import EventKind, Period, PeriodStatus, Scorecard, ScorecardStatus
from scoring.periods import open_period
from tests.clients import asking_client, flashes
from tests.factories import UnitFactory, criterion_ids, self_score
from units.models import UnitKind

OPEN = reverse("scoring:open_period")


def step(client, **changes):
    """Post the form as the page shows it (its own first values), with ``changes``."""
    page = client.get(OPEN)
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else getattr(v, "pk", v)) for k, v in data.items()}
    data["carry_over"] = "on" if data.get("carry_over") else ""
    for date in ("self_deadline", "review_deadline"):
        if isinstance(data[date], datetime.date):
            data[date] = data[date].isoformat()
    data.update(changes)
    return client.post(OPEN, {k: v for k, v in data.items() if v != ""})


def confirm(client, preview):
    """Press "Mở kỳ đánh giá" on the preview: the same fields, now with the fingerprint."""
    form = preview.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else getattr(v, "pk", v)) for k, v in data.items()}
    data["carry_over"] = "on" if data.get("carry_over") else ""
    data["confirmed"] = "1"
    return client.post(OPEN, {k: v for k, v in data.items() if v not in ("", False)})


@pytest.fixture
def q2_explained(period, tuan_giao, staff):
    """Q2 with explanations on the first commune's card (points and a submission too)."""
    card = self_score(period.scorecards.get(unit=tuan_giao.communes[0]), 2, note="Niêm yết đủ")
    return transition(card, Transition.SUBMIT)


# The page


def test_the_form_proposes_the_next_quarter_with_default_deadlines(reviewer_client, period):
    page = reviewer_client.get(OPEN)

    form = page.context["form"]
    assert page.status_code == 200
    assert (form["year"].value(), form["quarter"].value()) == (2021, 3)
    assert form["self_deadline"].value() == datetime.date(2021, 10, 10)
    assert form["review_deadline"].value() == datetime.date(2021, 10, 20)
    assert form["criteria_set"].value() == period.criteria_set.pk
    assert form["carry_over"].value() is True


def test_the_default_deadlines_follow_the_settings(settings):
    settings.SELF_DEADLINE_DAY, settings.REVIEW_DEADLINE_DAY = 5, 31

    assert periods.default_deadlines(2021, 4) == (
        datetime.date(2022, 1, 5),
        datetime.date(2022, 1, 31),
    )
    assert periods.default_deadlines(2022, 1) == (
        datetime.date(2022, 4, 5),
        datetime.date(2022, 4, 30),
    )


def test_unit_staff_and_leaders_cannot_open_a_quarter(staff_client, leader, period):
    from tests.clients import client_for

    assert staff_client.get(OPEN).status_code == 403
    assert client_for(leader).get(OPEN).status_code == 403


def test_the_first_post_shows_the_units_and_opens_nothing(reviewer_client, q2_explained, tuan_giao):
    preview = step(reviewer_client)

    html = preview.content.decode()
    assert preview.status_code == 200
    assert Period.objects.count() == 1
    assert 'id="opening-preview"' in html
    for unit in tuan_giao.scored:
        assert unit.name in html
    assert preview.context["preview"]["carried"] == 1
    assert [n for _unit, n in preview.context["preview"]["units"]].count(9) == 1


def test_confirming_the_preview_opens_the_quarter_with_carried_explanations(
    reviewer_client, reviewer, q2_explained, tuan_giao
):
    preview = step(reviewer_client)

    answer = confirm(reviewer_client, preview)

    q3 = Period.objects.get(year=2021, quarter=3)
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "scoring:board", args=[q3.pk]
    )
    assert q3.scorecards.count() == len(tuan_giao.scored)
    assert (q3.self_deadline, q3.review_deadline) == (
        datetime.date(2021, 10, 10),
        datetime.date(2021, 10, 20),
    )
    carried = q3.scorecards.get(unit=tuan_giao.communes[0])
    assert set(carried.scores.values_list("self_note", flat=True)) == {"Niêm yết đủ"}
    assert set(carried.scores.values_list("self_points", flat=True)) == {None}
    assert carried.status == ScorecardStatus.DRAFT and carried.self_total is None
    assert not carried.scores.filter(evidence__isnull=False).exists()
    opened = carried.events.get(kind=EventKind.OPENED)
    assert opened.actor == reviewer
    assert opened.after["carried_over"] == [str(n) for n in range(1, 10)]
    empty = q3.scorecards.get(unit=tuan_giao.communes[1])
    assert set(empty.scores.values_list("self_note", flat=True)) == {""}


def test_without_carry_over_every_explanation_starts_empty(reviewer_client, q2_explained):
    preview = step(reviewer_client, carry_over="")
    confirm(reviewer_client, preview)

    q3 = Period.objects.get(year=2021, quarter=3)
    assert set(q3.scorecards.values_list("scores__self_note", flat=True)) == {""}


def test_confirming_after_changing_a_field_shows_the_preview_again(reviewer_client, period):
    preview = step(reviewer_client)
    form = preview.context["form"]
    data = {
        "organizer": form["organizer"].value(),
        "year": 2021,
        "quarter": 4,
        "criteria_set": form["criteria_set"].value(),
        "previewed": form["previewed"].value(),
        "confirmed": "1",
    }

    again = reviewer_client.post(OPEN, data)

    assert again.status_code == 200 and 'id="opening-preview"' in again.content.decode()
    assert Period.objects.count() == 1
    assert "The form changed: check the list again, then confirm." in flashes(again)


def test_a_quarter_already_opened_is_refused_next_to_the_quarter(reviewer_client, period):
    answer = step(reviewer_client, quarter="2")

    assert answer.context["form"].errors["quarter"] == [
        "Huyện Tuần Giáo has already opened quarter 2/2021."
    ]
    assert 'id="opening-preview"' not in answer.content.decode()


def test_a_review_deadline_before_the_self_deadline_is_refused_next_to_it(reviewer_client, period):
    answer = step(reviewer_client, self_deadline="2021-10-15", review_deadline="2021-10-01")

    with override("en"):
        errors = [str(e) for e in answer.context["form"].errors["review_deadline"]]
    assert errors == ["The review deadline must not be before the self-scoring deadline."]
    html = answer.content.decode()  # the error stands next to its field
    assert re.search(r'id="field-review_deadline">(?:(?!</div>).)*class="error"', html, re.S)
    assert Period.objects.count() == 1


# Carrying explanations over


def test_a_merged_unit_takes_its_predecessors_explanations_and_a_new_unit_starts_empty(
    q2_explained, tuan_giao, criteria_set
):
    first, second, _third = tuan_giao.communes
    self_score(q2_explained.period.scorecards.get(unit=second), 1, note="Thiếu ảnh")
    merged = UnitFactory(kind=UnitKind.COMMUNE, parent=tuan_giao.district, name="Xã Mới Hợp Nhất")
    merged.predecessors.set([first, second])
    for old in (first, second):
        old.valid_to = datetime.date(2021, 7, 1)
        old.save()
    fresh = UnitFactory(kind=UnitKind.COMMUNE, parent=tuan_giao.district, name="Xã Mới Lập")

    carried = periods.previous_explanations([merged, fresh], 2021, 3, criteria_set)

    assert fresh.id not in carried
    assert carried[merged.id]["1"] == f"{first.name}: Niêm yết đủ\n\n{second.name}: Thiếu ảnh"


def test_the_command_carries_explanations_over_too(q2_explained, tuan_giao):
    call_command(
        "open_period",
        organizer=tuan_giao.district.code,
        year=2021,
        quarter=3,
        criteria_set=q2_explained.period.criteria_set.code,
        carry_over=True,
        stdout=io.StringIO(),
    )

    card = Period.objects.get(quarter=3).scorecards.get(unit=tuan_giao.communes[0])
    assert set(card.scores.values_list("self_note", flat=True)) == {"Niêm yết đủ"}


# Closing


@pytest.fixture
def signed(period):
    report = report_for(period)
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.SIGNED)  # set-up
    return period


def test_a_quarter_cannot_be_closed_before_its_report_is_signed(period, reviewer):
    report_for(period)

    with override("en"), pytest.raises(ScoringError) as error:
        periods.close_period(period, actor=reviewer)

    assert error.value.messages == ["The quarterly report must be signed first."]
    assert Period.objects.get(pk=period.pk).status == PeriodStatus.OPEN


def test_closing_asks_first_then_closes(signed, reviewer):
    asking = asking_client(reviewer)
    url = reverse("scoring:close_period", args=[signed.pk])

    page = asking.post(url)
    assert page.status_code == 200 and 'id="confirm"' in page.content.decode()
    assert Period.objects.get(pk=signed.pk).status == PeriodStatus.OPEN

    done = asking.post(url, {"confirmed": "1"})
    closed = Period.objects.get(pk=signed.pk)
    assert done.status_code == 302
    assert (closed.status, closed.closed_by) == (PeriodStatus.CLOSED, reviewer)


def test_a_closed_quarter_refuses_every_change_with_a_clear_message(signed, card, staff, reviewer):
    card = transition(self_score(card, 2), Transition.SUBMIT)
    card = transition(card, Transition.APPROVE)
    periods.close_period(signed, actor=reviewer)
    before = Scorecard.objects.get(pk=card.pk).version

    for attempt in (
        lambda: transition(card, Transition.REOPEN, note="Sửa"),
        lambda: domain.extend_deadline(card, datetime.date(2099, 1, 1), note="Lý do"),
        lambda: domain.record_self_scores(card, {criterion_ids(card)["1"]: Entry(Decimal(1))}),
    ):
        with override("en"), pytest.raises(ScoringError) as error:
            attempt()
        assert error.value.messages == [
            "The period Quarter II of 2021 is closed: its scorecards can no longer change."
        ]
    assert Scorecard.objects.get(pk=card.pk).version == before


def test_reopening_in_a_closed_quarter_is_refused_on_the_page(
    signed, card, reviewer_client, reviewer
):
    card = transition(transition(self_score(card, 2), Transition.SUBMIT), Transition.APPROVE)
    periods.close_period(signed, actor=reviewer)

    answer = reviewer_client.post(reverse("scoring:reopen", args=[card.pk]), {"note": "Sửa"})

    assert (
        "The period Quarter II of 2021 is closed: its scorecards can no longer change."
        in flashes(answer)
    )
    assert Scorecard.objects.get(pk=card.pk).status == ScorecardStatus.APPROVED


def test_reopening_while_the_report_is_issued_warns_first(period, card, reviewer):
    card = transition(transition(self_score(card, 2), Transition.SUBMIT), Transition.APPROVE)
    report = report_for(period)
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.APPROVED)  # set-up
    asking = asking_client(reviewer)

    review = asking.get(reverse("scoring:review", args=[card.pk])).content.decode()
    page = asking.post(reverse("scoring:reopen", args=[card.pk]), {"note": "Sửa điểm"})

    assert 'id="reopen-warning"' in review
    html = page.content.decode()
    assert "Reopening does not change the issued report" in html
    assert re.search(r'name="note" value="Sửa điểm"', html)  # posted again on confirming
    assert Scorecard.objects.get(pk=card.pk).status == ScorecardStatus.APPROVED


def test_the_board_offers_closing_once_the_report_is_signed(signed, reviewer_client):
    html = reviewer_client.get(reverse("scoring:board", args=[signed.pk])).content.decode()

    assert 'id="close-period"' in html


def test_a_closed_board_says_so_and_offers_no_approval(signed, reviewer_client, reviewer, card):
    transition(self_score(card, 2), Transition.SUBMIT)
    periods.close_period(signed, actor=reviewer)

    html = reviewer_client.get(reverse("scoring:board", args=[signed.pk])).content.decode()

    assert 'id="period-closed"' in html
    assert 'name="cards"' not in html and 'id="close-period"' not in html


def test_a_second_period_for_the_same_quarter_is_refused_by_the_domain(
    period, criteria_set, tuan_giao
):
    with pytest.raises(ScoringError):
        open_period(tuan_giao.district, 2021, 2, criteria_set)
