"""Reading Biểu số 06/VPCP/KSTT as the provincial system exports it (``imports.bieu06``):
the header found by its text wherever it sits, unit names matched as printed, totals and
headings skipped, every problem refused with its real row."""

import importlib.util
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from imports import domain
from imports.bieu06 import bare_key, name_key, read_bieu06
from imports.tables import read_table
from scoring.demo import build_demo
from scoring.models import DossierStats, Period, SurveySummary
from scoring.resources import DossierStatsResource, SurveySummaryResource
from tests.factories import UnitFactory
from tests.imports.bieu06_files import (
    FIELDS,
    HEADER,
    NUMBERS,
    TITLE,
    as_csv,
    figures,
    unit_row,
    xlsx,
)
from units.models import Unit, UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    return {
        "quai_to": UnitFactory(name="Xã Quài Tở", short_name="Quài Tở"),
        "toa_tinh": UnitFactory(name="Xã Tỏa Tình", short_name="Tỏa Tình"),
        "township": UnitFactory(
            name="Thị trấn Tuần Giáo", short_name="Thị trấn Tuần Giáo", kind=UnitKind.TOWNSHIP
        ),
        "tu_phap": UnitFactory(name="Phòng Tư pháp", short_name="Phòng Tư pháp", kind="agency"),
        "tckh": UnitFactory(
            name="Phòng Tài chính - Kế hoạch",
            short_name="Phòng Tài chính - Kế hoạch",
            kind="agency",
        ),
    }


def read(rows, units, *, name="bieu06.xlsx"):
    content = xlsx(rows) if name.endswith(".xlsx") else as_csv(rows)
    return read_bieu06(name, content, year=2021, quarter=2, units=units.values())


def refused(rows, units, *, name="bieu06.xlsx") -> list[str]:
    with pytest.raises(ValidationError) as caught:
        read(rows, units, name=name)
    return caught.value.messages


# --- The header -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["bieu06.xlsx", "bieu06.csv"])
@pytest.mark.parametrize(
    ("above", "numbers"), [([], False), (TITLE, True), (TITLE + [[None]] * 3, True)]
)
def test_the_header_is_found_below_any_title_rows_and_rows_keep_their_file_lines(
    units, name, above, numbers
):
    rows = [*above, *HEADER, *([NUMBERS] if numbers else [])]
    first = len(rows) + 1
    rows += [unit_row(1, "Xã Quài Tở", figures()), unit_row(2, "Phòng Tư pháp", figures(early=7))]

    sheet = read(rows, units, name=name)

    assert sheet.header_line == len(above) + 1
    assert sheet.line_offset == [first, first + 1]
    assert sheet.dataset.headers == ["unit", "year", "quarter", *FIELDS]
    assert list(sheet.dataset) == [
        (units["quai_to"].code, 2021, 2, 2, 5, 40, 30, 10, 1, 5, 1),
        (units["tu_phap"].code, 2021, 2, 2, 5, 40, 7, 10, 1, 5, 1),
    ]


def test_columns_are_found_by_their_text_in_any_order_with_other_columns_ignored(units):
    header = [
        [
            "Đơn vị",
            "Ghi chú",
            "Kết quả giải quyết: Đang giải quyết",
            None,
            "Số hồ sơ nhận giải quyết",
            None,
            None,
            "Kết quả giải quyết: Đã giải quyết",
            None,
            None,
        ],
        [
            None,
            None,
            "Quá hạn",
            "Trong hạn",
            "Số mới tiếp nhận trực tuyến",
            "Số mới tiếp nhận trực tiếp/bưu chính",
            "Số kỳ trước chuyển qua",
            "Quá hạn",
            "Đúng hạn",
            "Trước hạn",
        ],
    ]
    row = ["Xã Quài Tở", "ghi chú", 1, 5, 5, 40, 2, 1, 10, 30]

    sheet = read([*TITLE, *header, row], units)

    assert dict(zip(sheet.dataset.headers, sheet.dataset[0], strict=True)) == {
        "unit": units["quai_to"].code,
        "year": 2021,
        "quarter": 2,
        **dict(zip(FIELDS, figures(), strict=True)),
    }
    assert sheet.ignored_columns == ["Ghi chú"]


def test_the_three_row_header_of_the_circular_reads_too(units):
    header = [
        [
            "STT",
            "Đơn vị",
            "Số hồ sơ nhận giải quyết",
            None,
            None,
            None,
            "Kết quả giải quyết",
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        [
            None,
            None,
            "Tổng số",
            "Trong đó",
            None,
            None,
            "Số hồ sơ đã giải quyết",
            None,
            None,
            None,
            "Số hồ sơ đang giải quyết",
            None,
            None,
        ],
        [
            None,
            None,
            None,
            "Số kỳ trước chuyển qua",
            "Số mới tiếp nhận trực tuyến",
            "Số mới tiếp nhận trực tiếp, dịch vụ bưu chính",
            "Tổng số",
            "Trả trước hạn",
            "Trả đúng thời hạn",
            "Trả quá hạn",
            "Tổng số",
            "Chưa đến hạn",
            "Quá hạn",
        ],
    ]

    sheet = read([*TITLE, *header, unit_row(1, "Xã Quài Tở", figures())], units)

    assert list(sheet.dataset) == [(units["quai_to"].code, 2021, 2, *figures())]


def test_a_column_a_system_adds_beside_the_form_is_read_by_its_resource_header(units):
    header = [HEADER[0] + ["Hồ sơ trực tuyến quá hạn"], HEADER[1] + [None]]

    sheet = read([*header, [*unit_row(1, "Xã Quài Tở", figures()), 1]], units)

    assert sheet.dataset.headers[-1] == "online_overdue"
    assert sheet.dataset[0][-1] == 1


def test_a_sheet_without_the_header_is_refused_saying_what_was_looked_for(units):
    messages = refused([*TITLE, ["Đơn vị", "Số hồ sơ"], ["Xã Quài Tở", 3]], units)

    assert messages == [
        "Không tìm thấy dòng tiêu đề của Biểu 06 trong “bieu06.xlsx”: cần một dòng có “Số hồ "
        "sơ nhận giải quyết” và “Kết quả giải quyết” (hoặc “Đã giải quyết”) ở trên các đơn vị."
    ]


def test_a_header_without_a_needed_column_is_refused_naming_it(units):
    header = [row[:9] for row in HEADER]  # up to "Đúng hạn": no overdue, nothing pending

    messages = refused([*TITLE, *header, unit_row(1, "Xã Quài Tở", figures())[:9]], units)

    assert len(messages) == 1
    assert "dòng 5" in messages[0]
    assert "“Đã giải quyết: Quá hạn”" in messages[0]
    assert "“Đang giải quyết: Trong hạn”" in messages[0]


# --- The rows ---------------------------------------------------------------------------------


def test_total_rows_headings_and_signature_lines_are_skipped(units):
    rows = [
        *TITLE,
        *HEADER,
        NUMBERS,
        [None, "Tổng cộng", *unit_row(0, "", figures())[2:]],
        ["I", "Các cơ quan chuyên môn"],
        unit_row(1, "Phòng Tư pháp", figures()),
        ["", "Cộng cấp huyện", *unit_row(0, "", figures())[2:]],
        ["II", "Các xã, thị trấn"],
        unit_row(1, "Xã Quài Tở", figures()),
        ["Tổng:", None, *unit_row(0, "", figures())[2:]],
        ["Cộng", None, *unit_row(0, "", figures())[2:]],
        [None, None, None, None, None, None, None, "Tuần Giáo, ngày 05 tháng 7 năm 2021"],
        [None, "NGƯỜI LẬP BIỂU", None, None, None, None, None, None, "THỦ TRƯỞNG ĐƠN VỊ"],
    ]

    sheet = read(rows, units)

    assert [row[0] for row in sheet.dataset] == [units["tu_phap"].code, units["quai_to"].code]
    assert sheet.line_offset == [10, 13]


def test_a_unit_named_like_a_total_word_is_still_a_unit(units):
    cong_hoa = UnitFactory(name="Xã Cộng Hòa", short_name="Cộng Hòa")
    units["cong_hoa"] = cong_hoa

    sheet = read([*HEADER, unit_row(1, "Cộng Hòa", figures())], units)

    assert sheet.dataset[0][0] == cong_hoa.code


@pytest.mark.parametrize(
    ("printed", "key"),
    [
        ("Xã Quài Tở", "quai_to"),
        ("  xã   QUÀI tở ", "quai_to"),
        ("Quài Tở", "quai_to"),
        ("UBND xã Quài Tở", "quai_to"),
        ("Ủy ban nhân dân xã Quài Tở", "quai_to"),
        ("Phường Quài Tở", "quai_to"),
        ("Xã Toả Tình", "toa_tinh"),
        ("Tuần Giáo", "township"),
        ("UBND Thị trấn Tuần Giáo", "township"),
        ("Tư pháp", "tu_phap"),
        ("Phòng Tài chính – Kế hoạch", "tckh"),
        ("Phòng Tài chính-Kế hoạch", "tckh"),
    ],
)
def test_names_match_ignoring_case_spaces_prefixes_dashes_and_tone_placement(units, printed, key):
    sheet = read([*HEADER, unit_row(1, printed, figures())], units)

    assert sheet.dataset[0][0] == units[key].code


def test_a_name_that_fits_two_units_once_the_prefix_is_gone_is_refused_listing_both(units):
    units["commune"] = UnitFactory(name="Xã Tuần Giáo", short_name="Tuần Giáo", order=0)

    messages = refused([*TITLE, *HEADER, unit_row(1, "UBND Tuần Giáo", figures())], units)

    assert messages == [
        "Dòng 7: “UBND Tuần Giáo” có thể là một trong các đơn vị “Xã Tuần Giáo”, "
        "“Thị trấn Tuần Giáo”; hãy ghi đầy đủ tên."
    ]


def test_the_full_name_picks_one_of_two_units_sharing_a_bare_name(units):
    units["commune"] = UnitFactory(name="Xã Tuần Giáo", short_name="Tuần Giáo")

    sheet = read([*HEADER, unit_row(1, "xã tuần giáo", figures())], units)

    assert sheet.dataset[0][0] == units["commune"].code


def test_an_unknown_name_is_refused_with_the_similar_units(units):
    messages = refused([*HEADER, NUMBERS, unit_row(1, "Xã Quài Tơ", figures())], units)

    assert messages == [
        "Dòng 4: Không có đơn vị nào của kỳ này tên “Xã Quài Tơ”. Tên gần giống: “Xã Quài Tở”."
    ]


def test_an_unknown_name_with_nothing_similar_lists_the_periods_units(units):
    messages = refused([*HEADER, unit_row(1, "Xã Mường Lay", figures())], units)

    assert messages[0].startswith(
        "Dòng 3: Không có đơn vị nào của kỳ này tên “Xã Mường Lay”. Các đơn vị của kỳ: "
    )
    for unit in units.values():
        assert f"“{unit.name}”" in messages[0]


def test_a_unit_outside_the_candidates_is_unknown(units):
    outsider = UnitFactory(name="Xã Nà Sáy")

    messages = refused([*HEADER, unit_row(1, outsider.name, figures())], units)

    assert "“Xã Nà Sáy”" in messages[0]


@pytest.mark.parametrize("value", ["abc", "1,5", 2.5, "-3", -3])
def test_a_cell_that_is_not_a_count_is_refused_naming_row_and_column(units, value):
    row = unit_row(1, "Xã Quài Tở", figures())
    row[7] = value  # "Trước hạn"

    messages = refused([*TITLE, *HEADER, NUMBERS, row], units)

    assert messages == [
        f"Dòng 8, cột “Kết quả giải quyết: Đã giải quyết / Trước hạn”: “{value}” không phải "
        "số nguyên ≥ 0."
    ]


def test_counts_read_as_printed_thousands_dashes_and_blanks(units):
    row = unit_row(1, "Xã Quài Tở", figures())
    row[2:] = ["1.300", None, "-", "1.300", "1.250", "1,200", "50", "", 50, 50, ""]

    sheet = read([*HEADER, row], units)

    assert list(sheet.dataset[0][3:]) == [0, 0, 1300, 1200, 50, 0, 50, 0]


def test_every_problem_is_listed_at_once(units):
    bad_total = unit_row(2, "Phòng Tư pháp", figures())
    bad_total[2] += 1
    rows = [
        *HEADER,
        unit_row(1, "Xã Quài Tở", figures()),
        bad_total,
        unit_row(3, "quài tở", figures()),
        [4, None, *unit_row(0, "", figures())[2:]],
    ]

    messages = refused(rows, units)

    assert messages == [
        "Dòng 4, cột “Số hồ sơ nhận giải quyết / Tổng số”: tổng 48 không bằng tổng các cột "
        "thành phần (47).",
        "Dòng 5: Xã Quài Tở đã có ở dòng 3.",
        "Dòng 6: có số liệu nhưng không có tên đơn vị.",
    ]


def test_a_header_with_no_unit_row_below_is_refused(units):
    messages = refused([*TITLE, *HEADER, NUMBERS, ["", "Tổng cộng", 0]], units)

    assert messages == [
        "Không có dòng đơn vị nào dưới dòng tiêu đề Biểu 06 (dòng 5) của “bieu06.xlsx”."
    ]


def test_a_file_that_is_not_a_table_is_refused_by_the_table_checks(units):
    with pytest.raises(ValidationError) as caught:
        read_bieu06("bieu06.xlsx", b"not a workbook", year=2021, quarter=2, units=units.values())

    assert "không phải sổ tính Excel (.xlsx)" in caught.value.messages[0]


# --- Through the resource ---------------------------------------------------------------------


def test_the_resource_names_the_files_real_row_of_a_refused_unit_row(units):
    late = unit_row(2, "Phòng Tư pháp", figures(early=300))  # resolved > received
    rows = [*TITLE, *HEADER, NUMBERS, ["I", "Cơ quan"], unit_row(1, "Xã Quài Tở", figures()), late]
    sheet = read(rows, units)

    with pytest.raises(domain.ImportRefused) as caught:
        domain.preview(DossierStatsResource(), sheet.dataset, line_offset=sheet.line_offset)

    assert len(caught.value.messages) == 1
    assert caught.value.messages[0].startswith("Dòng 10: ")
    assert not DossierStats.objects.exists()


def test_the_sheet_imports_through_the_resource_with_the_units_not_in_it_reported(units):
    sheet = read([*HEADER, unit_row(1, "Xã Quài Tở", figures())], units)

    result = domain.apply(DossierStatsResource(), sheet.dataset, line_offset=sheet.line_offset)

    stats = DossierStats.objects.get()
    assert (stats.unit, stats.year, stats.quarter, result.added) == (units["quai_to"], 2021, 2, 1)
    assert [getattr(stats, f) for f in FIELDS] == figures()
    assert set(sheet.missing_units) == set(units.values()) - {units["quai_to"]}


def test_name_keys():
    assert name_key("Xã  TOẢ Tình ") == name_key("xã tỏa tình")
    assert bare_key("UBND Thị trấn Tuần Giáo") == bare_key("Tuần Giáo") == name_key("tuần giáo")
    assert bare_key("Xã") == name_key("xã")  # a prefix alone is a name


# --- The samples in docs/samples --------------------------------------------------------------

SAMPLES = Path(settings.BASE_DIR) / "docs" / "samples"


@pytest.fixture
def demo_period():
    build_demo()
    return Period.objects.get(organizer__code="tuan-giao", year=2021, quarter=2)


def test_the_sample_bieu06_holds_exactly_the_demos_figures(demo_period):
    units = Unit.objects.filter(scorecards__period=demo_period)
    content = (SAMPLES / "bieu-06-tuan-giao-2021-q2.xlsx").read_bytes()

    sheet = read_bieu06("bieu-06.xlsx", content, year=2021, quarter=2, units=units)
    result = domain.preview(DossierStatsResource(), sheet.dataset, line_offset=sheet.line_offset)

    assert (result.added, result.changed, result.unchanged) == (0, 0, 32)
    assert sheet.missing_units == []
    assert sheet.line_offset[0] == 11  # 5 title rows, a blank, 2 header rows, numbers, heading


def test_the_sample_csvs_import_into_the_demo_as_its_figures(demo_period):
    stats = read_table("s.csv", (SAMPLES / "dossier-stats-tuan-giao-2021-q2.csv").read_bytes())
    surveys = read_table("k.csv", (SAMPLES / "survey-summary-tuan-giao-2021-q2.csv").read_bytes())
    before = {s.unit_id: (s.forms, s.satisfied, s.averages) for s in SurveySummary.objects.all()}

    result = domain.preview(DossierStatsResource(), stats)
    domain.apply(SurveySummaryResource(), surveys)

    assert (result.added, result.changed, result.unchanged) == (0, 0, 32)
    after = {s.unit_id: (s.forms, s.satisfied, s.averages) for s in SurveySummary.objects.all()}
    assert {
        unit: (forms, satisfied, {code: Decimal(str(v)) for code, v in averages.items()})
        for unit, (forms, satisfied, averages) in after.items()
    } == {
        unit: (forms, satisfied, {code: Decimal(str(v)) for code, v in averages.items()})
        for unit, (forms, satisfied, averages) in before.items()
    }


def test_the_committed_samples_are_what_make_samples_builds(tmp_path):
    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    make_samples = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_samples)

    make_samples.build_bieu06(tmp_path / "b.xlsx")
    make_samples.build_dossier_csv(tmp_path / "s.csv")
    make_samples.build_survey_csv(tmp_path / "k.csv")

    def cells(path):
        return list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))

    assert cells(tmp_path / "b.xlsx") == cells(SAMPLES / "bieu-06-tuan-giao-2021-q2.xlsx")
    for built, committed in [("s.csv", "dossier-stats"), ("k.csv", "survey-summary")]:
        expected = (SAMPLES / f"{committed}-tuan-giao-2021-q2.csv").read_bytes()
        assert (tmp_path / built).read_bytes() == expected
