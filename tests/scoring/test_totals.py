from decimal import Decimal

import pytest

from criteria.models import Band, classify
from scoring.domain import compute_totals, declare_no_tthc, rank, refresh_results
from scoring.models import Period, Score, Scorecard

D = Decimal


def card_of(period, unit) -> Scorecard:
    return period.scorecards.get(unit=unit)


def give(card: Scorecard, total: int, reviewed: dict[str, int] | None = None) -> None:
    """Store self points adding up to ``total`` (2s first, then a 1 if odd), bypassing the domain.

    ``reviewed`` maps criterion codes to reviewed points.
    """
    scores = list(card.scores.select_related("criterion").order_by("criterion__order"))
    for position, score in enumerate(scores):
        score.self_points = D(min(2, max(0, total - 2 * position)))
        score.reviewed_points = (reviewed or {}).get(score.criterion.code)
    Score.objects.bulk_update(scores, ["self_points", "reviewed_points"])


def results(period) -> dict[int, tuple]:
    return {
        card.unit_id: (card.self_total, card.final_total, card.band, card.rank)
        for card in period.scorecards.all()
    }


# compute_totals


def test_totals_are_none_until_a_criterion_has_points():
    scores = [Score(max_points=D(2)), Score(max_points=D(2))]

    assert compute_totals(scores) == (None, None)


def test_totals_are_none_for_no_scores():
    assert compute_totals([]) == (None, None)


def test_totals_sum_the_points_given_so_far():
    scores = [Score(self_points=D(2)), Score(self_points=D(1)), Score()]

    assert compute_totals(scores) == (D(3), D(3))


def test_zero_points_make_a_zero_total_not_none():
    assert compute_totals([Score(self_points=D(0))]) == (D(0), D(0))


def test_reviewed_points_override_self_points_in_the_final_total_only():
    scores = [
        Score(self_points=D(2), reviewed_points=D(0)),
        Score(self_points=D(1)),
        Score(self_points=D(2), reviewed_points=D(2)),
    ]

    assert compute_totals(scores) == (D(5), D(3))


def test_reviewed_points_without_self_points_count_in_the_final_total_only():
    scores = [Score(reviewed_points=D("1.5"))]

    assert compute_totals(scores) == (None, D("1.5"))


# rank


def test_ties_share_a_rank_and_the_next_rank_skips():
    totals = {"a": D(16), "b": D(16), "c": D(15), "d": D(12)}

    assert rank(totals) == {"a": 1, "b": 1, "c": 3, "d": 4}


def test_equal_totals_tie_whatever_their_decimal_places():
    totals = {"a": D("16.00"), "b": D(16), "c": D("15.75")}

    assert rank(totals) == {"a": 1, "b": 1, "c": 3}


def test_a_tie_at_the_bottom_shares_the_last_rank():
    totals = {"a": D(18), "b": D(9), "c": D(9)}

    assert rank(totals) == {"a": 1, "b": 2, "c": 2}


def test_nothing_to_rank_gives_no_ranks():
    assert rank({}) == {}


# refresh_results


def test_it_ranks_agencies_and_communes_separately(period, tuan_giao):
    agencies, communes = tuan_giao.agencies, tuan_giao.communes
    for unit, total in [(agencies[0], 12), (agencies[1], 16)]:
        give(card_of(period, unit), total)
    for unit, total in [(communes[0], 16), (communes[1], 16), (communes[2], 15)]:
        give(card_of(period, unit), total)

    refresh_results(period)

    assert results(period) == {
        agencies[0].id: (D(12), D(12), "Tốt", 2),
        agencies[1].id: (D(16), D(16), "Xuất sắc", 1),
        communes[0].id: (D(16), D(16), "Xuất sắc", 1),
        communes[1].id: (D(16), D(16), "Xuất sắc", 1),
        communes[2].id: (D(15), D(15), "Xuất sắc", 3),
    }


def test_it_ranks_by_the_final_total(period, tuan_giao):
    first, second = tuan_giao.communes[0], tuan_giao.communes[1]
    give(card_of(period, first), 18, reviewed={"1": 0, "2": 0, "3": 0})
    give(card_of(period, second), 14)

    refresh_results(period)

    assert results(period)[first.id] == (D(18), D(12), "Tốt", 2)
    assert results(period)[second.id] == (D(14), D(14), "Tốt", 1)


def test_a_scorecard_without_points_has_no_total_band_or_rank(period, tuan_giao):
    give(card_of(period, tuan_giao.communes[0]), 10)

    refresh_results(period)

    assert results(period)[tuan_giao.communes[1].id] == (None, None, "", None)


def test_a_no_tthc_scorecard_gets_no_totals_band_or_rank(period, tuan_giao):
    idle, busy = tuan_giao.communes[0], tuan_giao.communes[1]
    give(card_of(period, idle), 18)
    give(card_of(period, busy), 12)
    declare_no_tthc(card_of(period, idle), True, "Không phát sinh hồ sơ trong quý")

    refresh_results(period)

    assert results(period)[idle.id] == (None, None, "", None)
    assert results(period)[busy.id] == (D(12), D(12), "Tốt", 1)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (18, "Xuất sắc"),
        (15, "Xuất sắc"),
        (14, "Tốt"),
        (12, "Tốt"),
        (11, "Khá"),
        (9, "Khá"),
        (8, "Trung bình"),
        (6, "Trung bình"),
        (5, "Yếu"),
        (0, "Yếu"),
    ],
)
def test_it_classifies_the_final_total_by_the_period_bands(period, tuan_giao, total, band):
    unit = tuan_giao.communes[0]
    give(card_of(period, unit), total)

    refresh_results(period)

    assert card_of(period, unit).band == band


def test_a_fractional_total_just_below_a_bound_falls_in_the_lower_band(period):
    assert classify(D("14.99"), period.bands) == "Tốt"


def test_changing_the_sets_bands_later_does_not_reclassify_the_period(
    period, tuan_giao, criteria_set
):
    unit = tuan_giao.communes[0]
    give(card_of(period, unit), 16)
    Band.objects.filter(criteria_set=criteria_set, label="Xuất sắc").update(lower_bound=17)
    Band.objects.filter(criteria_set=criteria_set, label="Tốt").update(upper_bound=17)

    refresh_results(Period.objects.get(pk=period.pk))

    assert card_of(period, unit).band == "Xuất sắc"
