"""Build the sample import files in this folder from the demo's figures (``scoring/demo.py``),
so that they match the seed report (Tuần Giáo, Quý II năm 2021):

- ``bieu-06-tuan-giao-2021-q2.xlsx``: Biểu số 06/VPCP/KSTT as the provincial one-stop system
  exports it — title rows, the two-row header, the row of column numbers, the agencies and the
  communes under their headings, names as printed (two in the spellings portals use), a total
  row and the signature lines (``docs/imports.md``, "Biểu số 06/VPCP/KSTT");
- ``dossier-stats-tuan-giao-2021-q2.csv``: the same figures in the ``DossierStatsResource``
  columns;
- ``survey-summary-tuan-giao-2021-q2.csv``: the demo's survey results in the
  ``SurveySummaryResource`` columns.

Run from the project folder: ``.venv/bin/python docs/samples/make_samples.py``. Every cell is
a value, never a formula (the totals too).
"""

import csv
import datetime
import os
import sys
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

BIEU06 = HERE / "bieu-06-tuan-giao-2021-q2.xlsx"
DOSSIER_CSV = HERE / "dossier-stats-tuan-giao-2021-q2.csv"
SURVEY_CSV = HERE / "survey-summary-tuan-giao-2021-q2.csv"

# How the provincial system prints some names: the old tone placement ("Toả"), an en dash.
PRINTED = {
    "tg-toa-tinh": "Xã Toả Tình",
    "tg-tai-chinh-ke-hoach": "Phòng Tài chính – Kế hoạch",
}

TITLE = (
    "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI "
    "QUYẾT THỦ TỤC HÀNH CHÍNH"
)
GROUPS = [
    ("Số hồ sơ nhận giải quyết", 3, 6),
    ("Kết quả giải quyết: Đã giải quyết", 7, 10),
    ("Kết quả giải quyết: Đang giải quyết", 11, 13),
]
SUBHEADERS = [
    "Tổng số",
    "Trong đó: Số kỳ trước chuyển qua",
    "Số mới tiếp nhận trực tuyến",
    "Số mới tiếp nhận trực tiếp/bưu chính",
    "Tổng số",
    "Trước hạn",
    "Đúng hạn",
    "Quá hạn",
    "Tổng số",
    "Trong hạn",
    "Quá hạn",
]
WIDTH = 13

DOSSIER_COLUMNS = [
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


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tthc_scoring.settings")
    import django

    django.setup()


def demo_figures() -> list[dict]:
    """Each demo unit with its dossier statistics and survey, as ``scoring.demo`` seeds them."""
    from scoring.demo import A, build_stats, demo_units

    found = []
    for index, spec in enumerate(demo_units(), start=1):
        stats = dict.fromkeys(DOSSIER_COLUMNS, 0) | build_stats(index, spec)
        survey = None
        if not spec.no_tthc:  # as scoring.demo._stats writes the surveys
            forms = 10 + index % 17
            survey = {
                "forms": forms,
                "satisfied": forms - index % 3,
                "neutral": index % 3,
                "dissatisfied": 0,
                "averages": {"7": Decimal(2) - Decimal(index % 3) / 10},
            }
        found.append({"spec": spec, "agency": spec.kind == A, "stats": stats, "survey": survey})
    return found


def bieu06_cells(stats: dict) -> list[int]:
    """Columns C–M of a unit row: received (total, carried over, online, in person/post),
    resolved (total, early, on time, overdue), pending (total, within deadline, overdue)."""
    received = [stats["carried_over"], stats["received_online"], stats["received_offline"]]
    resolved = [stats["resolved_early"], stats["resolved_on_time"], stats["resolved_overdue"]]
    pending = [stats["pending_on_time"], stats["pending_overdue"]]
    return [sum(received), *received, sum(resolved), *resolved, sum(pending), *pending]


def bieu06_rows(figures: list[dict]) -> list[list]:
    """The sheet's rows from the header down (values only)."""
    rows = [
        ["STT", "Tên đơn vị"] + [None] * (WIDTH - 2),
        [None, None, *SUBHEADERS],
        [f"({n})" for n in range(1, WIDTH + 1)],
    ]
    for group, (label, agency) in enumerate(
        [("Các cơ quan chuyên môn thuộc UBND huyện", True), ("Các xã, thị trấn", False)]
    ):
        rows.append(["I" if group == 0 else "II", label] + [None] * (WIDTH - 2))
        units = [f for f in figures if f["agency"] == agency]
        for number, found in enumerate(units, start=1):
            name = PRINTED.get(found["spec"].code, found["spec"].name)
            rows.append([number, name, *bieu06_cells(found["stats"])])
    cells = [bieu06_cells(f["stats"]) for f in figures]
    totals = [sum(column) for column in zip(*cells, strict=True)]
    rows.append([None, "Tổng cộng", *totals])
    for label, first, _last in GROUPS:
        rows[0][first - 1] = label
    return rows


def build_bieu06(path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    figures = demo_figures()
    book = Workbook()
    sheet = book.active
    sheet.title = "Biểu 06"
    bold, plain = Font(name="Times New Roman", bold=True), Font(name="Times New Roman")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    title_rows = [
        (1, "ỦY BAN NHÂN DÂN HUYỆN TUẦN GIÁO", "Biểu số 06/VPCP/KSTT"),
        (2, TITLE, None),
        (3, "Kỳ báo cáo: Quý II năm 2021 (từ ngày 15/3/2021 đến ngày 14/6/2021)", None),
        (4, "Đơn vị báo cáo: UBND huyện Tuần Giáo", "Đơn vị nhận báo cáo: UBND tỉnh Điện Biên"),
        (5, None, "Đơn vị tính: Số hồ sơ TTHC"),
    ]
    for row, left, right in title_rows:
        if left:
            end = 6 if right else WIDTH
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=end)
            sheet.cell(row, 1, left).font = bold
        if right:
            sheet.merge_cells(start_row=row, start_column=9, end_row=row, end_column=WIDTH)
            sheet.cell(row, 9, right).font = plain
    top = 7  # a blank row 6, then the header
    for offset, values in enumerate(bieu06_rows(figures)):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(top + offset, column, value)
            cell.border = box
            cell.font = bold if offset < 3 or values[1] == "Tổng cộng" else plain
            if offset < 3 or column != 2:
                cell.alignment = centre
    for column in (1, 2):  # "STT" and "Tên đơn vị" span both header rows
        sheet.merge_cells(start_row=top, start_column=column, end_row=top + 1, end_column=column)
    for _label, first, last in GROUPS:
        sheet.merge_cells(start_row=top, start_column=first, end_row=top, end_column=last)
    foot = sheet.max_row + 2
    sheet.cell(foot, 9, "Tuần Giáo, ngày 05 tháng 7 năm 2021").font = plain
    sheet.cell(foot + 1, 2, "NGƯỜI LẬP BIỂU").font = bold
    sheet.cell(foot + 1, 9, "THỦ TRƯỞNG ĐƠN VỊ").font = bold
    sheet.column_dimensions["B"].width = 42
    for letter in "CDEFGHIJKLM":
        sheet.column_dimensions[letter].width = 12
    sheet.row_dimensions[top + 1].height = 60
    created = datetime.datetime(2021, 7, 5, 8, 0)
    book.properties.creator = "Hệ thống thông tin giải quyết TTHC tỉnh Điện Biên"
    book.properties.created = book.properties.modified = created
    book.save(path)


def build_dossier_csv(path: Path) -> None:
    from scoring.demo import QUARTER, YEAR

    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["unit", "year", "quarter", *DOSSIER_COLUMNS])
        for found in demo_figures():
            stats = found["stats"]
            writer.writerow(
                [found["spec"].code, YEAR, QUARTER, *(stats[c] for c in DOSSIER_COLUMNS)]
            )


def build_survey_csv(path: Path) -> None:
    from scoring.demo import QUARTER, YEAR

    columns = ["forms", "satisfied", "neutral", "dissatisfied"]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["unit", "year", "quarter", *columns, "averages"])
        for found in demo_figures():
            survey = found["survey"]
            if survey is None:
                continue
            averages = "; ".join(
                f"{code}: {str(value.normalize()).replace('.', ',')}"
                for code, value in survey["averages"].items()
            )
            writer.writerow(
                [found["spec"].code, YEAR, QUARTER, *(survey[c] for c in columns), averages]
            )


def main() -> None:
    setup_django()
    build_bieu06(BIEU06)
    build_dossier_csv(DOSSIER_CSV)
    build_survey_csv(SURVEY_CSV)
    for path in (BIEU06, DOSSIER_CSV, SURVEY_CSV):
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
