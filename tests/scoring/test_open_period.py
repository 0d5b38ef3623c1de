import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils.translation import override

from criteria.models import CriteriaSetStatus
from scoring.domain import ScoringError
from scoring.models import EventKind, Period, Score, Scorecard, ScorecardEvent, ScorecardStatus
from scoring.periods import open_period
from tests.factories import (
    BandFactory,
    CriteriaSetFactory,
    CriterionFactory,
    UnitFactory,
    UserFactory,
)

# 2021-Q2 runs from 01/04/2021 to 30/06/2021.
LAST_DAY = datetime.date(2021, 6, 30)


def unit_ids(period: Period) -> set[int]:
    return set(period.scorecards.values_list("unit_id", flat=True))


def test_it_creates_one_draft_scorecard_per_scored_unit_of_the_district(tuan_giao, criteria_set):
    period = open_period(tuan_giao.district, 2021, 2, criteria_set)

    assert unit_ids(period) == {unit.id for unit in tuan_giao.scored}
    assert set(period.scorecards.values_list("status", flat=True)) == {ScorecardStatus.DRAFT}


def test_it_creates_no_scorecard_for_the_province_or_the_district(tuan_giao, criteria_set):
    period = open_period(tuan_giao.district, 2021, 2, criteria_set)

    assert tuan_giao.district.id not in unit_ids(period)
    assert tuan_giao.province.id not in unit_ids(period)


def test_it_creates_no_scorecard_for_units_of_another_district(
    tuan_giao, other_district, criteria_set
):
    period = open_period(tuan_giao.district, 2021, 2, criteria_set)

    assert unit_ids(period) & {unit.id for unit in other_district.scored} == set()


def test_a_province_organiser_scores_units_of_every_district_below_it(
    tuan_giao, other_district, criteria_set
):
    period = open_period(tuan_giao.province, 2021, 2, criteria_set)

    assert unit_ids(period) == {unit.id for unit in [*tuan_giao.scored, *other_district.scored]}


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "included"),
    [
        (None, datetime.date(2021, 6, 29), False),
        (None, LAST_DAY, True),
        (None, datetime.date(2021, 7, 1), True),
        (datetime.date(2021, 7, 1), None, False),
        (datetime.date(2021, 5, 1), None, True),
        (LAST_DAY, None, True),
        (datetime.date(2019, 1, 1), datetime.date(2025, 6, 30), True),
    ],
)
def test_it_scores_a_unit_only_if_active_on_the_quarters_last_day(
    tuan_giao, criteria_set, valid_from, valid_to, included
):
    unit = UnitFactory(parent=tuan_giao.district, valid_from=valid_from, valid_to=valid_to)

    period = open_period(tuan_giao.district, 2021, 2, criteria_set)

    assert (unit.id in unit_ids(period)) == included


def test_it_creates_one_empty_score_per_scored_criterion_with_max_points(period, criteria_set):
    card = period.scorecards.first()

    scores = list(card.scores.order_by("criterion__order"))

    assert [s.criterion.code for s in scores] == [str(n) for n in range(1, 10)]
    assert [s.max_points for s in scores] == [Decimal(2)] * 9
    assert [s.self_points for s in scores] == [None] * 9
    assert Score.objects.filter(scorecard__period=period).count() == 9 * 5


def test_it_creates_scores_for_leaf_criteria_only(tuan_giao):
    criteria_set = CriteriaSetFactory()
    group = CriterionFactory(criteria_set=criteria_set, code="A", is_group=True, max_points=5)
    CriterionFactory(criteria_set=criteria_set, parent=group, code="A1", max_points=2)
    CriterionFactory(
        criteria_set=criteria_set, parent=group, code="A2", max_points=3, allowed_values=[]
    )
    BandFactory(criteria_set=criteria_set, label="Pass")

    period = open_period(tuan_giao.district, 2021, 2, criteria_set)

    card = period.scorecards.first()
    assert sorted(card.scores.values_list("criterion__code", "max_points")) == [
        ("A1", Decimal(2)),
        ("A2", Decimal(3)),
    ]


def test_it_writes_an_opened_event_on_each_scorecard(tuan_giao, criteria_set):
    admin = UserFactory()

    period = open_period(tuan_giao.district, 2021, 2, criteria_set, actor=admin)

    events = ScorecardEvent.objects.filter(scorecard__period=period)
    assert sorted(events.values_list("scorecard_id", flat=True)) == sorted(
        period.scorecards.values_list("id", flat=True)
    )
    assert {(e.kind, e.actor_id) for e in events} == {(EventKind.OPENED, admin.id)}


def test_it_snapshots_the_sets_bands_best_first(period):
    assert [(b["label"], b["lower_bound"], b["upper_bound"]) for b in period.bands] == [
        ("Xuất sắc", "15.00", None),
        ("Tốt", "12.00", "15.00"),
        ("Khá", "9.00", "12.00"),
        ("Trung bình", "6.00", "9.00"),
        ("Yếu", "0.00", "6.00"),
    ]
    assert period.bands[0]["report_phrase"] == "đạt xuất sắc"


def test_it_stores_deadlines_and_basis_document(tuan_giao, criteria_set):
    period = open_period(
        tuan_giao.district,
        2021,
        2,
        criteria_set,
        self_deadline=datetime.date(2021, 6, 25),
        review_deadline=datetime.date(2021, 7, 2),
        basis_document="Văn bản số 291/VP-KSTT ngày 04/6/2021",
    )

    period.refresh_from_db()
    assert (period.code, period.self_deadline, period.review_deadline, period.basis_document) == (
        "2021-Q2",
        datetime.date(2021, 6, 25),
        datetime.date(2021, 7, 2),
        "Văn bản số 291/VP-KSTT ngày 04/6/2021",
    )


def test_it_refuses_an_unpublished_criteria_set(tuan_giao, criteria_set):
    criteria_set.status = CriteriaSetStatus.DRAFT
    criteria_set.save()

    with override("en"), pytest.raises(ScoringError) as refused:
        open_period(tuan_giao.district, 2021, 2, criteria_set)

    assert refused.value.messages == [f"Criteria set {criteria_set} is not published."]
    assert (Period.objects.count(), Scorecard.objects.count()) == (0, 0)


def test_it_refuses_a_second_opening_of_the_same_quarter(tuan_giao, criteria_set, period):
    before = (Period.objects.count(), Scorecard.objects.count(), ScorecardEvent.objects.count())

    with override("en"), pytest.raises(ScoringError) as refused:
        open_period(tuan_giao.district, 2021, 2, criteria_set)

    assert refused.value.messages == [f"{tuan_giao.district} has already opened 2021-Q2."]
    after = (Period.objects.count(), Scorecard.objects.count(), ScorecardEvent.objects.count())
    assert after == before


def test_another_organiser_may_open_the_same_quarter(
    tuan_giao, other_district, criteria_set, period
):
    other = open_period(other_district.district, 2021, 2, criteria_set)

    assert unit_ids(other) == {unit.id for unit in other_district.scored}


def test_the_command_opens_a_period(tuan_giao, criteria_set):
    out = io.StringIO()

    with override("en"):
        call_command(
            "open_period",
            f"--organizer={tuan_giao.district.code}",
            "--year=2021",
            "--quarter=2",
            f"--criteria-set={criteria_set.code}",
            "--self-deadline=2021-06-25",
            "--review-deadline=2021-07-02",
            "--basis=Văn bản số 291/VP-KSTT",
            stdout=out,
        )

    period = Period.objects.get(organizer=tuan_giao.district)
    assert (
        period.code,
        period.criteria_set_id,
        period.self_deadline,
        period.review_deadline,
        period.basis_document,
    ) == (
        "2021-Q2",
        criteria_set.id,
        datetime.date(2021, 6, 25),
        datetime.date(2021, 7, 2),
        "Văn bản số 291/VP-KSTT",
    )
    assert unit_ids(period) == {unit.id for unit in tuan_giao.scored}
    assert out.getvalue() == f"Opened {period} with 5 scorecards.\n"
