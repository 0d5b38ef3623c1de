"""Suggestions that follow the data: ``scoring.domain.refresh_suggestions`` over the shipped
TT 01/2018 set (indicator 1 from dossier timeliness, 7 from surveys, 9 from online service),
the batch each suggestion came from, and imports that change them.

Suggestion texts are written in the language active when they are computed: the tests compute
them in English (``translation.override("en")``) unless they check the Vietnamese.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from imports import domain as imports
from imports.tables import read_table
from scoring.domain import refresh_suggestions
from scoring.models import (
    DossierStats,
    ImportBatch,
    ImportKind,
    ImportOutcome,
    Score,
    SurveySummary,
)
from scoring.periods import open_period
from scoring.resources import DossierStatsResource
from scoring.suggestions import no_dossiers
from tests.factories import UserFactory, district


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def batch(name="bieu06-q2-2021.xlsx", kind=ImportKind.DOSSIER_STATS, user=None) -> ImportBatch:
    return ImportBatch.objects.create(
        kind=kind, file_name=name, imported_by=user, outcome=ImportOutcome.SUCCEEDED
    )


def stats_for(unit, import_batch=None, **counts) -> DossierStats:
    return DossierStats.objects.create(
        unit=unit, year=2021, quarter=2, import_batch=import_batch, **counts
    )


def score(card, code: str) -> Score:
    return card.scores.select_related("suggestion_batch").get(criterion__code=code)


def suggested(card, code: str) -> Decimal | None:
    return score(card, code).suggested_points


# --- Indicator 9: online service ------------------------------------------------------------


def online(procedures_online: int, dossiers_online: int, overdue: int = 0, **extra) -> dict:
    """Figures out of 100 procedures and 100 dossiers received this quarter."""
    return {
        "procedures_total": 100,
        "procedures_online": procedures_online,
        "received_online": dossiers_online,
        "received_offline": 100 - dossiers_online,
        "online_overdue": overdue,
        **extra,
    }


@pytest.mark.parametrize(
    ("procedures", "dossiers", "points"),
    [
        (20, 30, 2),  # both at their 2-point thresholds (20% of procedures, 30% of dossiers)
        (100, 100, 2),
        (19, 30, 1),  # procedures just under 20%: not 2, and the dossiers give 1
        (19, 100, 1),
        (20, 29, 1),  # dossiers just under 30%
        (20, 15, 1),  # at the 1-point threshold, 15%
        (0, 15, 1),
        (20, 14, 0),  # just under 15%
        (100, 0, 0),
    ],
)
def test_indicator_9_at_each_boundary_with_no_online_dossier_overdue(
    period, card, procedures, dossiers, points
):
    stats_for(card.unit, **online(procedures, dossiers))

    refresh_suggestions(period)

    assert suggested(card, "9") == Decimal(points)


@pytest.mark.parametrize(
    ("procedures", "dossiers"), [(20, 30), (100, 100), (20, 29), (20, 15), (19, 30)]
)
def test_indicator_9_is_0_with_one_online_dossier_overdue_whatever_the_shares(
    period, card, procedures, dossiers
):
    stats_for(card.unit, **online(procedures, dossiers, overdue=1))

    refresh_suggestions(period)

    assert suggested(card, "9") == Decimal(0)


def test_the_indicator_9_thresholds_come_from_the_criteria_set_file(period, card):
    criterion = score(card, "9").criterion
    criterion.suggestion_rule = {**criterion.suggestion_rule, "full_dossier_share": 0.5}
    criterion.save()
    stats_for(card.unit, **online(20, 30))

    refresh_suggestions(period)

    assert suggested(card, "9") == Decimal(1)


def test_indicator_9_names_its_figures(period, card):
    stats_for(card.unit, **online(20, 30, overdue=2))

    refresh_suggestions(period)
    english = score(card, "9").suggestion_source
    with translation.override("vi"):
        refresh_suggestions(period)

    assert english == (
        "20 of 100 procedures online (20.0%); 30 of 100 dossiers received online (30.0%); "
        "2 online dossiers overdue."
    )
    assert score(card, "9").suggestion_source == (
        "20/100 TTHC trực tuyến (20,0%); 30/100 hồ sơ tiếp nhận trực tuyến (30,0%); "
        "2 hồ sơ trực tuyến quá hạn."
    )


@pytest.mark.parametrize("counts", [{}, {"procedures_total": 0, "received_online": 5}])
def test_indicator_9_suggests_nothing_without_procedures_or_dossiers(period, card, counts):
    if counts:
        stats_for(card.unit, **counts)

    refresh_suggestions(period)

    assert (suggested(card, "9"), score(card, "9").suggestion_source) == (None, "")


# --- Indicator 1: dossier timeliness --------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "points"),
    [
        ({"resolved_early": 50, "resolved_on_time": 50}, 2),  # half early, nothing late
        ({"resolved_early": 49, "resolved_on_time": 51}, 1),  # just under half early
        ({"resolved_on_time": 90, "resolved_overdue": 10}, 1),  # 10% late: the tolerance
        ({"resolved_on_time": 90, "pending_overdue": 10}, 1),  # pending overdue counts too
        ({"resolved_on_time": 89, "resolved_overdue": 11}, 0),  # just over it
        ({"resolved_early": 99, "resolved_overdue": 1}, 1),
        ({"pending_on_time": 100}, 1),  # nothing resolved yet, nothing late
    ],
)
def test_indicator_1_at_each_boundary_of_dossier_timeliness(period, card, counts, points):
    stats_for(card.unit, received_offline=100, **counts)

    refresh_suggestions(period)

    assert suggested(card, "1") == Decimal(points)


def test_indicator_1_names_the_late_and_early_dossiers(period, card):
    stats_for(card.unit, received_offline=120, resolved_early=45, resolved_on_time=72,
              resolved_overdue=3)  # fmt: skip

    refresh_suggestions(period)
    english = score(card, "1").suggestion_source
    with translation.override("vi"):
        refresh_suggestions(period)

    assert english == "3 of 120 dossiers late or overdue; 45 resolved early."
    assert score(card, "1").suggestion_source == (
        "3/120 hồ sơ trễ hẹn hoặc quá hạn; 45 hồ sơ giải quyết trước hạn."
    )


# --- No dossiers at all: "Không phát sinh TTHC" ---------------------------------------------


def test_a_unit_with_no_dossiers_is_suggested_as_no_procedure_arising(period, card):
    stats = stats_for(card.unit, procedures_total=40, procedures_online=5)

    refresh_suggestions(period)

    assert no_dossiers(stats)
    assert [suggested(card, code) for code in ("1", "9")] == [None, None]


@pytest.mark.parametrize(
    "counts",
    [{"received_online": 1}, {"received_offline": 1}, {"carried_over": 1}, {"pending_overdue": 1}],
)
def test_one_dossier_of_any_kind_means_procedures_arose(tuan_giao, counts):
    assert not no_dossiers(stats_for(tuan_giao.communes[0], **counts))


def test_no_statistics_is_not_the_same_as_no_dossiers():
    assert not no_dossiers(None)


# --- Where a suggestion came from -----------------------------------------------------------


def test_each_suggestion_records_the_batch_its_figures_came_from(period, card):
    reviewer = UserFactory(first_name="Lò Văn", last_name="Thắng")
    stats_batch = batch(user=reviewer)
    survey_batch = batch("khao-sat-q2.xlsx", ImportKind.SURVEYS)
    stats_for(card.unit, stats_batch, **online(20, 30), resolved_on_time=10)
    SurveySummary.objects.create(
        unit=card.unit, year=2021, quarter=2, forms=20, averages={"7": 1.85},
        import_batch=survey_batch,
    )  # fmt: skip

    refresh_suggestions(period)

    found = {code: (suggested(card, code), score(card, code).suggestion_batch) for code in "179"}
    assert found == {
        "1": (Decimal(1), stats_batch),
        "7": (Decimal(2), survey_batch),
        "9": (Decimal(2), stats_batch),
    }
    assert score(card, "7").suggestion_source == "Survey of 20 forms: average 1.85 points."


def test_figures_entered_by_hand_leave_the_batch_empty(period, card):
    stats_for(card.unit, **online(20, 30))

    refresh_suggestions(period)

    assert (suggested(card, "9"), score(card, "9").suggestion_batch) == (Decimal(2), None)


def test_other_units_and_quarters_do_not_leak_into_a_units_suggestions(period, card, tuan_giao):
    stats_for(tuan_giao.communes[1], **online(100, 100))
    DossierStats.objects.create(unit=card.unit, year=2021, quarter=1, **online(100, 100))

    refresh_suggestions(period)

    assert suggested(card, "9") is None
    assert period.scorecards.get(unit=tuan_giao.communes[1]).scores.get(
        criterion__code="9"
    ).suggested_points == Decimal(2)


def bieu06(unit, received_online: int, received_offline: int, overdue: int = 0) -> bytes:
    return (
        "Mã đơn vị,Năm,Quý,Số mới tiếp nhận trực tuyến,Số mới tiếp nhận trực tiếp/bưu chính,"
        "Đã giải quyết trước hạn,Đã giải quyết đúng hạn,Đã giải quyết quá hạn,"
        "Tổng số thủ tục,Số thủ tục trực tuyến\n"
        f"{unit.code},2021,2,{received_online},{received_offline},"
        f"{received_online + received_offline - overdue},0,{overdue},100,25\n"
    ).encode()


def import_stats(content: bytes, name: str, user=None) -> ImportBatch:
    return imports.apply(
        DossierStatsResource(),
        read_table(name, content),
        file_name=name,
        content=content,
        user=user,
    ).batch


def test_importing_new_statistics_changes_the_suggestions_and_their_batch(period, card):
    first = import_stats(bieu06(card.unit, 40, 60), "bieu06-lan-1.csv")
    before = {code: (suggested(card, code), score(card, code).suggestion_batch) for code in "19"}

    second = import_stats(bieu06(card.unit, 10, 88, overdue=2), "bieu06-lan-2.csv")

    after = {code: (suggested(card, code), score(card, code).suggestion_batch) for code in "19"}
    assert before == {"1": (Decimal(2), first), "9": (Decimal(2), first)}
    assert after == {"1": (Decimal(1), second), "9": (Decimal(0), second)}
    assert score(card, "1").suggestion_source == (
        "2 of 98 dossiers late or overdue; 96 resolved early."
    )


# --- Queries ---------------------------------------------------------------------------------


def refresh_queries(period) -> int:
    with CaptureQueriesContext(connection) as queries:
        refresh_suggestions(period)
    return len(queries)


def quarter_with_statistics(criteria_set, units: int):
    d = district(n_communes=units, n_agencies=0)
    period = open_period(d.district, 2022, 3, criteria_set)
    shared = batch()
    for i, unit in enumerate(d.communes):
        DossierStats.objects.create(
            unit=unit, year=2022, quarter=3, import_batch=shared if i % 2 else batch(),
            **online(10 + i, 10 + 2 * i),
        )  # fmt: skip
    return period


def test_refreshing_runs_as_many_queries_for_30_units_as_for_3(criteria_set):
    small = quarter_with_statistics(criteria_set, 3)
    large = quarter_with_statistics(criteria_set, 30)

    first = refresh_queries(small), refresh_queries(large)
    again = refresh_queries(small), refresh_queries(large)

    assert first[0] == first[1] <= 6
    assert again == (4, 4)  # nothing changed: read, nothing written
