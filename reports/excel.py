"""Excel renderer: the scoring table (and a per-criterion detail sheet) with openpyxl.

One entry point, ``render_xlsx``. Values, never formulas: a unit name or note that starts
with "=" is written as text, so a spreadsheet cannot be made to run anything.
"""

from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference, Series
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reports import drafting
from reports.charts import NO_TTHC_COLOUR, colour
from reports.pdf import ROMAN
from reports.snapshot import tallies
from scoring.results import combine
from tthc_scoring.spreadsheet import CENTER, LEFT, put


def _num(value: str | None):
    return None if value is None else Decimal(value)


def _title(ws: Worksheet, snapshot: dict, report, width: int) -> None:
    title = (
        f"BIỂU CHẤM ĐIỂM, ĐÁNH GIÁ VIỆC GIẢI QUYẾT TTHC {drafting.quarter_words(snapshot).upper()}"
    )
    ref = report.number_symbol or "……"
    date = f" ngày {report.issue_date:%d/%m/%Y}" if report.issue_date else ""
    sub = f"(Kèm theo Báo cáo số {ref}{date} của {drafting.committee(snapshot)})"
    for row, text, bold in ((1, title, True), (2, sub, False)):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        cell = put(ws, row, 1, text, bold=bold, border=False)
        if not bold:
            cell.font = Font(name="Times New Roman", italic=True, size=12)


def _header(ws: Worksheet, criteria: list[dict], top: int) -> int:
    n = len(criteria)
    heads = ["STT", "Tên cơ quan, đơn vị"]
    tail = ["Tổng điểm tự chấm", "Tổng điểm thẩm định", "Xếp loại", "Xếp hạng"]
    for col, text in enumerate(heads, start=1):
        ws.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
        put(ws, top, col, text, bold=True)
        put(ws, top + 1, col, None)
    ws.merge_cells(start_row=top, start_column=3, end_row=top, end_column=2 + n)
    put(ws, top, 3, "Điểm thẩm định theo tiêu chí", bold=True)
    for i, criterion in enumerate(criteria):
        if i:
            put(ws, top, 3 + i, None)
        put(ws, top + 1, 3 + i, criterion["code"], bold=True)
    for j, text in enumerate(tail):
        col = 3 + n + j
        ws.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
        put(ws, top, col, text, bold=True)
        put(ws, top + 1, col, None)
    return top + 2


def _table_sheet(ws: Worksheet, snapshot: dict, report) -> None:
    criteria = snapshot["criteria"]
    width = len(criteria) + 6
    _title(ws, snapshot, report, width)
    row = _header(ws, criteria, 4)
    for index, group in enumerate(snapshot["groups"]):
        put(ws, row, 1, ROMAN[index], bold=True)
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=width)
        put(ws, row, 2, group["label"], bold=True, align=LEFT)
        row += 1
        for number, unit in enumerate(group["units"], start=1):
            put(ws, row, 1, number)
            put(ws, row, 2, unit["name"], align=LEFT)
            if unit["no_tthc"]:
                ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=width)
                put(ws, row, 3, "Không phát sinh TTHC")
            else:
                values = [_num(unit["scores"].get(c["code"], {}).get("final")) for c in criteria]
                values += [_num(unit["self_total"]), _num(unit["final_total"]), unit["band"]]
                values.append(unit["rank"])
                for col, value in enumerate(values, start=3):
                    put(ws, row, col, value)
            row += 1
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 42
    for col in range(3, 3 + len(criteria)):
        ws.column_dimensions[get_column_letter(col)].width = 5
    for col in range(3 + len(criteria), width + 1):
        ws.column_dimensions[get_column_letter(col)].width = 12
    ws.freeze_panes = "C6"
    ws.print_title_rows = "4:5"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _detail_sheet(ws: Worksheet, snapshot: dict) -> None:
    heads = [
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
    for col, text in enumerate(heads, start=1):
        put(ws, 1, col, text, bold=True)
    row = 2
    titles = {c["code"]: c["short_title"] for c in snapshot["criteria"]}
    for group in snapshot["groups"]:
        for unit in group["units"]:
            if unit["no_tthc"]:
                continue
            for code, title in titles.items():
                score = unit["scores"].get(code, {})
                values = [group["label"], unit["name"], code, title, _num(score.get("self"))]
                values += [_num(score.get("reviewed")), _num(score.get("final"))]
                values += [score.get("note", ""), score.get("reason", "")]
                for col, value in enumerate(values, start=1):
                    put(ws, row, col, value, align=LEFT if col in (1, 2, 4, 8, 9) else CENTER)
                row += 1
    for col, width in enumerate([18, 36, 8, 40, 10, 10, 10, 50, 40], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:I{max(row - 1, 1)}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4


def _summary_sheet(ws: Worksheet, snapshot: dict) -> None:
    """Units per classification in each group: the counts of the report's prose
    (``reports.snapshot.tallies``, which the dashboard shows too)."""
    tallied = tallies(snapshot)
    bands = [b.band["label"] for b in tallied[0].bands] if tallied else []
    heads = ["Nhóm", *bands, "Không phát sinh TTHC", "Chưa duyệt", "Tổng số"]
    width = len(heads)
    title = f"TỔNG HỢP KẾT QUẢ XẾP LOẠI {drafting.quarter_words(snapshot).upper()}"
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    put(ws, 1, 1, title, bold=True, border=False)
    for col, text in enumerate(heads, start=1):
        put(ws, 3, col, text, bold=True)
    row = 4
    for t in tallied:
        values = [t.label, *(b.count for b in t.bands), t.no_tthc, t.pending, t.total]
        for col, value in enumerate(values, start=1):
            put(ws, row, col, value, align=LEFT if col == 1 else CENTER)
        row += 1
    whole = combine(tallied, "Tổng cộng")
    totals = [whole.label, *(b.count for b in whole.bands), whole.no_tthc, whole.pending]
    totals.append(whole.total)
    for col, value in enumerate(totals, start=1):
        put(ws, row, col, value, bold=True, align=LEFT if col == 1 else CENTER)
    ws.column_dimensions["A"].width = 30
    for col in range(2, width + 1):
        ws.column_dimensions[get_column_letter(col)].width = 14
    if tallied:
        _summary_chart(ws, tallied, first_row=4, last_row=row - 1)


def _summary_chart(ws: Worksheet, tallied, *, first_row: int, last_row: int) -> None:
    """The same counts as a stacked bar chart, in the bands' colours (Excel draws it)."""
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
    chart.title = "Số đơn vị theo xếp loại"
    chart.y_axis.title = "đơn vị"
    colours = [colour(b.band.get("colour")) for b in tallied[0].bands] + [NO_TTHC_COLOUR]
    for index, fill in enumerate(colours):
        column = 2 + index
        series = Series(
            Reference(ws, min_col=column, min_row=first_row, max_row=last_row),
            title_from_data=False,
            title=ws.cell(row=first_row - 1, column=column).value,
        )
        if fill:
            series.graphicalProperties.solidFill = fill.lstrip("#").upper()
        chart.series.append(series)
    chart.set_categories(Reference(ws, min_col=1, min_row=first_row, max_row=last_row))
    chart.width, chart.height = 18, 9
    ws.add_chart(chart, f"A{last_row + 3}")


def render_xlsx(report, snapshot: dict) -> bytes:
    workbook = Workbook()
    table = workbook.active
    table.title = "Biểu chấm điểm"
    _table_sheet(table, snapshot, report)
    _detail_sheet(workbook.create_sheet("Chi tiết theo tiêu chí"), snapshot)
    _summary_sheet(workbook.create_sheet("Tổng hợp"), snapshot)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
