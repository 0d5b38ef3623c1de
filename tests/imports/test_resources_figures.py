"""The quarter-figure resources (``DossierStatsResource``, ``SurveySummaryResource``,
``IndicatorFigureResource``): good files import exactly and refresh the suggestions, bad ones
change nothing."""

from decimal import Decimal

import pytest

from scoring.models import DossierStats, IndicatorFigure, PeriodStatus, Score, SurveySummary
from scoring.resources import (
    DossierStatsResource,
    IndicatorFigureResource,
    SurveySummaryResource,
)
from tests.imports.filekit import FILE_KINDS, refusal, run, table_file

pytestmark = pytest.mark.django_db

STATS = [
    "unit",
    "year",
    "quarter",
    "received_online",
    "received_offline",
    "carried_over",
    "resolved_early",
    "resolved_on_time",
    "resolved_overdue",
    "pending_on_time",
    "pending_overdue",
    "online_overdue",
    "procedures_total",
    "procedures_online",
]
STATS_VI = [
    "Mã đơn vị",
    "Năm",
    "Quý",
    "Số mới tiếp nhận trực tuyến",
    "Số mới tiếp nhận trực tiếp/bưu chính",
    "Số kỳ trước chuyển qua",
    "Đã giải quyết trước hạn",
    "Đã giải quyết đúng hạn",
    "Đã giải quyết quá hạn",
    "Đang giải quyết trong hạn",
    "Đang giải quyết quá hạn",
    "Hồ sơ trực tuyến quá hạn",
    "Tổng số thủ tục",
    "Số thủ tục trực tuyến",
]
# received 1 234 + 16 + 0 = 1 250; resolved 1 200 + 30 + 5; pending 10 + 5.
FIGURES = ["1.234", "16", "0", "1.200", "30", "5", "10", "5", "2", "120", "80"]


@pytest.mark.parametrize("file_kind", FILE_KINDS)
@pytest.mark.parametrize("headers", [STATS, STATS_VI], ids=["english", "vietnamese"])
def test_dossier_statistics_import_exactly_and_refresh_the_suggestions(
    period, tuan_giao, file_kind, headers
):
    unit = tuan_giao.communes[0]
    rows = [headers, [unit.code, 2021, 2, *FIGURES]]

    run(DossierStatsResource(), *table_file(rows, file_kind))

    stats = DossierStats.objects.get(unit=unit, year=2021, quarter=2)
    assert [getattr(stats, f) for f in STATS[3:]] == [
        1234, 16, 0, 1200, 30, 5, 10, 5, 2, 120, 80
    ]  # fmt: skip
    suggested = Score.objects.get(scorecard__unit=unit, criterion__code="1")
    assert suggested.suggested_points is not None
    assert suggested.suggestion_batch == stats.import_batch


def stats_row(of, **changes):
    row = dict(zip(STATS, [of.code, "2021", "2", *FIGURES], strict=True))
    row.update(changes)
    return list(row.values())


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"carried_over": "-3"}, "Dòng 3, cột “carried_over”: -3 là số âm; số lượng không thể âm."),
        (
            {"resolved_early": "1.250"},
            "Dòng 3: 1300 hồ sơ đã và đang giải quyết, nhiều hơn 1250 hồ sơ nhận giải quyết",
        ),
        (
            {"quarter": "5"},
            "Dòng 3, cột “quarter”: Quý phải là 1, 2, 3 hoặc 4, không phải “5”.",
        ),
        ({"unit": "NOPE"}, "Dòng 3, cột “unit”: Không có đơn vị nào mang mã “NOPE”."),
        (
            {"received_online": "mười"},
            "Dòng 3, cột “received_online”: “mười” không phải số nguyên.",
        ),
    ],
    ids=["negative", "resolved-more-than-received", "no-such-quarter", "unknown-unit", "text"],
)
def test_bad_dossier_statistics_change_nothing(period, tuan_giao, changes, expected):
    good, bad = tuan_giao.communes[:2]
    rows = [STATS, stats_row(good), stats_row(bad, **changes)]

    assert expected in refusal(DossierStatsResource(), *table_file(rows, "csv"))


def test_statistics_of_a_closed_quarter_are_refused(period, tuan_giao):
    period.status = PeriodStatus.CLOSED
    period.save()

    messages = refusal(
        DossierStatsResource(), *table_file([STATS, stats_row(tuan_giao.communes[0])], "xlsx")
    )

    assert "Dòng 2: Quý 2/2021 của" in messages


SURVEY = ["unit", "year", "quarter", "forms", "satisfied", "neutral", "dissatisfied", "averages"]
SURVEY_VI = [
    "Mã đơn vị",
    "Năm",
    "Quý",
    "Số phiếu",
    "Hài lòng",
    "Bình thường",
    "Không hài lòng",
    "Điểm trung bình",
]


@pytest.mark.parametrize("file_kind", FILE_KINDS)
@pytest.mark.parametrize("headers", [SURVEY, SURVEY_VI], ids=["english", "vietnamese"])
def test_survey_summaries_import_exactly(period, tuan_giao, file_kind, headers):
    unit = tuan_giao.communes[0]
    rows = [headers, [unit.code, 2021, 2, 40, 30, 8, 2, "7: 1,85; 8: 2"]]

    run(SurveySummaryResource(), *table_file(rows, file_kind))

    survey = SurveySummary.objects.get(unit=unit)
    assert (survey.forms, survey.satisfied, survey.neutral, survey.dissatisfied) == (40, 30, 8, 2)
    assert survey.averages == {"7": 1.85, "8": 2.0}


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            ["40", "30", "8", "3", ""],
            "Dòng 2, cột “forms”: Đếm được 41 câu trả lời, nhiều hơn số 40 phiếu.",
        ),
        (["40", "30", "8", "2", "7 = 1,85"], "Dòng 2, cột “averages”: “7 = 1,85”"),
    ],
    ids=["more-answers-than-forms", "bad-averages"],
)
def test_bad_survey_summaries_change_nothing(period, tuan_giao, row, expected):
    rows = [SURVEY, [tuan_giao.communes[0].code, "2021", "2", *row]]

    assert expected in refusal(SurveySummaryResource(), *table_file(rows, "csv"))


def test_indicator_figures_import_and_a_negative_one_is_refused(period, tuan_giao):
    unit = tuan_giao.communes[0]
    good = [["Mã đơn vị", "Năm", "Quý", "Tên số liệu", "Giá trị"], [unit.code, 2021, 2, "x", "1,5"]]
    run(IndicatorFigureResource(), *table_file(good, "xlsx"))
    assert IndicatorFigure.objects.get(unit=unit).value == Decimal("1.5")

    bad = [good[0], [unit.code, 2021, 2, "x", "-2"]]
    assert "Dòng 2, cột “value”: -2 là số âm" in refusal(
        IndicatorFigureResource(), *table_file(bad, "csv")
    )
