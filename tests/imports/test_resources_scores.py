"""``scoring.resources.ScoreResource``: points, explanations, reviewed points and reasons from
a file, written per scorecard through ``scoring.domain.import_scorecards``."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from criteria.models import classify
from imports import domain
from imports.tables import read_table
from scoring.models import (
    EventKind,
    ImportBatch,
    ImportKind,
    PeriodStatus,
    Score,
    Scorecard,
    ScorecardStatus,
)
from scoring.resources import ScoreResource
from tests.factories import self_score
from tests.imports.filekit import FILE_KINDS, dump, refusal, run, table_file

pytestmark = pytest.mark.django_db

HEADERS = [
    "period",
    "unit",
    "criterion",
    "self_points",
    "self_note",
    "reviewed_points",
    "review_reason",
]
VIETNAMESE = [
    "Kỳ đánh giá",
    "Mã đơn vị",
    "Mã chỉ số",
    "Điểm tự chấm",
    "Giải trình",
    "Điểm thẩm định",
    "Lý do điều chỉnh điểm",
]


def score_rows(units, headers=HEADERS, period="2021-Q2"):
    """Every criterion 2 points except criterion 3 (1 point), reviewed down to 0 with a
    reason; the points as numbers, the way a workbook holds them."""
    rows = [headers]
    for unit in units:
        for code in range(1, 10):
            points = 1 if code == 3 else 2
            reviewed, reason = (0, "Hồ sơ trễ hạn") if code == 3 else (None, "")
            rows.append([period, unit.code, code, points, f"Giải trình {code}", reviewed, reason])
    return rows


@pytest.mark.parametrize("file_kind", FILE_KINDS)
@pytest.mark.parametrize("headers", [HEADERS, VIETNAMESE], ids=["english", "vietnamese"])
def test_a_score_file_sets_points_and_reasons_per_scorecard(period, tuan_giao, file_kind, headers):
    units = tuan_giao.communes[:2]
    name, content = table_file(score_rows(units, headers), file_kind)
    versions = dict(period.scorecards.values_list("unit__code", "version"))

    done = run(ScoreResource(), name, content)

    assert (done.added, done.changed, done.unchanged) == (0, 18, 0)
    batch = ImportBatch.objects.get()
    assert (batch.kind, batch.file_name, batch.period, batch.rows) == (
        ImportKind.SCORES,
        name,
        period,
        18,
    )
    for unit in units:
        card = Scorecard.objects.get(period=period, unit=unit)
        scores = {s.criterion.code: s for s in card.scores.select_related("criterion")}
        assert scores["1"].self_points == Decimal(2)
        assert scores["1"].self_note == "Giải trình 1"
        assert scores["1"].reviewed_points is None
        assert (scores["3"].self_points, scores["3"].reviewed_points) == (Decimal(1), Decimal(0))
        assert scores["3"].review_reason == "Hồ sơ trễ hạn"
        assert (card.self_total, card.final_total) == (Decimal(17), Decimal(16))
        assert card.band == classify(Decimal(16), period.bands)
        assert card.version == versions[unit.code] + 1
        event = card.events.get(kind=EventKind.IMPORTED)
        assert event.import_batch == batch
        assert event.before["3"] == {
            "self_points": None,
            "self_note": "",
            "reviewed_points": None,
            "review_reason": "",
        }
        assert event.after["3"] == {
            "self_points": "1.00",
            "self_note": "Giải trình 3",
            "reviewed_points": "0.00",
            "review_reason": "Hồ sơ trễ hạn",
        }
    untouched = Scorecard.objects.get(period=period, unit=tuan_giao.communes[2])
    assert (untouched.version, untouched.self_total) == (versions[untouched.unit.code], None)


def test_the_same_file_again_changes_nothing_and_a_later_one_only_what_differs(period, tuan_giao):
    unit = tuan_giao.communes[0]
    rows = score_rows([unit])
    run(ScoreResource(), *table_file(rows, "csv"))
    before = dump()

    again = run(ScoreResource(), *table_file(rows, "csv"))

    assert (again.changed, again.unchanged, again.batch) == (0, 9, None)
    assert dump() == before

    rows[1][3] = "1"  # criterion 1: 2 → 1 point, written "1" in a CSV
    later = domain.preview(ScoreResource(), read_table(*table_file(rows, "csv")))
    assert (later.changed, later.unchanged) == (1, 8)
    assert later.rows[0].changes == [("self_points", "2", "1")]


def test_a_file_without_some_columns_keeps_their_values(card):
    self_score(card, 2, note="Theo sổ")
    rows = [["period", "unit", "criterion", "reviewed_points", "review_reason"]]
    rows.append(["2021-Q2", card.unit.code, "1", "1", "Thiếu hồ sơ"])

    run(ScoreResource(), *table_file(rows, "csv"))

    score = card.scores.get(criterion__code="1")
    assert (score.self_points, score.self_note) == (Decimal(2), "Theo sổ")
    assert (score.reviewed_points, score.review_reason) == (Decimal(1), "Thiếu hồ sơ")
    card.refresh_from_db()
    assert (card.self_total, card.final_total) == (Decimal(18), Decimal(17))


def test_a_submitted_scorecard_can_be_reviewed_from_a_file(card):
    self_score(card, 2)
    Scorecard.objects.filter(pk=card.pk).update(status=ScorecardStatus.SUBMITTED)
    rows = [HEADERS, ["2021-Q2", card.unit.code, "9", "2", "Theo sổ theo dõi hồ sơ", "0", "Sai"]]

    run(ScoreResource(), *table_file(rows, "csv"))

    assert card.scores.get(criterion__code="9").reviewed_points == Decimal(0)


def bad(card, **changes):
    row = dict(zip(HEADERS, ["2021-Q2", card.unit.code, "1", "2", "", "", ""], strict=True))
    row.update(changes)
    return [HEADERS, ["2021-Q2", card.unit.code, "2", "2", "", "", ""], list(row.values())]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"unit": "NOPE"}, "Dòng 3, cột “unit”: Không có đơn vị nào mang mã “NOPE”."),
        ({"unit": ""}, "Dòng 3, cột “unit”: Thiếu mã đơn vị."),
        (
            {"criterion": "10"},
            "Dòng 3, cột “criterion”: Bộ tiêu chí của kỳ 2021-Q2 không có tiêu chí “10”.",
        ),
        (
            {"self_points": "1,5"},
            "Dòng 3, cột “self_points”: Tiêu chí 1: điểm phải là một trong các mức 0, 1, 2.",
        ),
        ({"self_points": "3"}, "Dòng 3, cột “self_points”: Tiêu chí 1: điểm phải từ 0 đến 2."),
        ({"self_points": "hai"}, "Dòng 3, cột “self_points”: “hai” không phải số điểm."),
        (
            {"reviewed_points": "-1", "review_reason": "x"},
            "Dòng 3, cột “reviewed_points”: Tiêu chí 1: điểm phải từ 0 đến 2.",
        ),
        (
            {"reviewed_points": "1"},
            "Dòng 3, cột “review_reason”: Tiêu chí 1: vui lòng nêu lý do điều chỉnh điểm.",
        ),
        ({"period": "2021-Q3"}, "Dòng 3, cột “period”: Chưa mở kỳ đánh giá 2021-Q3."),
        ({"period": "2021-Q5"}, "Dòng 3, cột “period”: “2021-Q5” không phải kỳ dạng 2021-Q2."),
        ({"criterion": "2"}, "Dòng 3: Dòng này trùng với dòng 2."),
    ],
    ids=[
        "unknown-unit",
        "no-unit",
        "unknown-criterion",
        "not-allowed",
        "above-maximum",
        "not-a-number",
        "negative",
        "no-reason",
        "quarter-not-opened",
        "no-such-quarter",
        "twice",
    ],
)
def test_a_bad_row_refuses_the_whole_file(card, changes, expected):
    assert expected in refusal(ScoreResource(), *table_file(bad(card, **changes), "csv"))


def test_a_unit_without_a_scorecard_in_the_period_is_refused(period, tuan_giao):
    rows = [HEADERS, ["2021-Q2", tuan_giao.district.code, "1", "2", "", "", ""]]

    messages = refusal(ScoreResource(), *table_file(rows, "csv"))

    assert messages == (
        f"Dòng 2, cột “period”: {tuan_giao.district} không có phiếu chấm điểm trong kỳ 2021-Q2."
    )


def test_a_closed_period_is_refused(card):
    card.period.status = PeriodStatus.CLOSED
    card.period.save()

    messages = refusal(ScoreResource(), *table_file(bad(card), "xlsx"))

    assert "Dòng 2, cột “period”: Kỳ 2021-Q2 đã khóa; không thể thay đổi điểm." in messages


def test_an_approved_scorecard_is_refused_but_an_unchanged_row_of_it_is_not(card):
    self_score(card, 2)
    Scorecard.objects.filter(pk=card.pk).update(status=ScorecardStatus.APPROVED)
    same = [HEADERS, ["2021-Q2", card.unit.code, "1", "2", "Theo sổ theo dõi hồ sơ", "", ""]]
    changed = [HEADERS, ["2021-Q2", card.unit.code, "1", "1", "Theo sổ theo dõi hồ sơ", "", ""]]

    assert run(ScoreResource(), *table_file(same, "csv")).unchanged == 1
    messages = refusal(ScoreResource(), *table_file(changed, "csv"))

    assert messages == (
        f"Dòng 2, cột “unit”: Phiếu chấm điểm của {card.unit} kỳ 2021-Q2 đã được phê duyệt; "
        "cần mở lại phiếu trước khi thay đổi."
    )


def test_wrong_columns_are_refused_with_one_message(card):
    rows = [["period", "unit", "criteria", "points"], ["2021-Q2", card.unit.code, "1", "2"]]

    messages = refusal(ScoreResource(), *table_file(rows, "csv"))

    assert messages == (
        "Cột không có trong mẫu: “criteria”, “points”. Các cột của mẫu: period, unit, "
        "criterion, self_points, self_note, reviewed_points, review_reason."
    )


def queries_of(rows) -> int:
    with CaptureQueriesContext(connection) as captured:
        run(ScoreResource(), *table_file(rows, "csv"))
    return len(captured)


def test_the_number_of_queries_does_not_grow_with_the_file(period, tuan_giao):
    small = queries_of(score_rows(tuan_giao.communes[:1]))
    large = queries_of(score_rows([*tuan_giao.communes[1:], *tuan_giao.agencies]))

    assert large == small
    assert Score.objects.filter(self_points__isnull=False).count() == 5 * 9


def test_the_export_is_values_with_formulas_neutralised(card):
    self_score(card, 2)
    notes = {"1": "=SUM(A1:A9)", "2": "+1", "3": "-1", "4": "@cmd", "5": "Theo sổ"}
    for code, note in notes.items():
        card.scores.filter(criterion__code=code).update(self_note=note)

    with CaptureQueriesContext(connection) as captured:
        exported = ScoreResource().export()

    assert len(captured) == 1
    assert exported.headers == HEADERS
    rows = {row[2]: row for row in exported if row[1] == card.unit.code}
    assert rows["1"] == ("2021-Q2", card.unit.code, "1", "2", "'=SUM(A1:A9)", "", "")
    assert [rows[c][4] for c in "2345"] == ["'+1", "'-1", "'@cmd", "Theo sổ"]
