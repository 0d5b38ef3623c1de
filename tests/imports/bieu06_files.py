"""Biểu 06 sheets for tests: title rows, the two-row header, unit rows with their totals."""

import csv
import io

from openpyxl import Workbook

TITLE = [
    ["ỦY BAN NHÂN DÂN HUYỆN TUẦN GIÁO", None, None, None, "Biểu số 06/VPCP/KSTT"],
    ["TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ"],
    ["Kỳ báo cáo: Quý II năm 2021"],
    ["Đơn vị báo cáo: UBND huyện Tuần Giáo"],
]
# The two-row header: groups over their columns (blank where Excel merges), then the parts.
HEADER = [
    [
        "STT",
        "Tên đơn vị",
        "Số hồ sơ nhận giải quyết",
        None,
        None,
        None,
        "Kết quả giải quyết: Đã giải quyết",
        None,
        None,
        None,
        "Kết quả giải quyết: Đang giải quyết",
        None,
        None,
    ],
    [
        None,
        None,
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
    ],
]
NUMBERS = [f"({n})" for n in range(1, 14)]
FIELDS = [
    "carried_over",
    "received_online",
    "received_offline",
    "resolved_early",
    "resolved_on_time",
    "resolved_overdue",
    "pending_on_time",
    "pending_overdue",
]


def figures(carried=2, online=5, offline=40, early=30, on_time=10, overdue=1, pending=(5, 1)):
    return [carried, online, offline, early, on_time, overdue, *pending]


def unit_row(number, name, values) -> list:
    """A printed unit row: the figures with the three totals in their places."""
    carried, online, offline, early, on_time, overdue, within, late = values
    return [
        number,
        name,
        carried + online + offline,
        carried,
        online,
        offline,
        early + on_time + overdue,
        early,
        on_time,
        overdue,
        within + late,
        within,
        late,
    ]


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([["" if v is None else v for v in row] for row in rows])
    return out.getvalue().encode("utf-8")


def bieu06(units_figures: list[tuple[str, list[int]]], *, title=True) -> bytes:
    """A whole sheet (XLSX): title, header, column numbers, one row per (printed name,
    figures), a total row."""
    rows = [*(TITLE if title else []), *HEADER, NUMBERS]
    rows += [unit_row(n, name, values) for n, (name, values) in enumerate(units_figures, 1)]
    totals = [
        sum(c) for c in zip(*(unit_row(0, "", v)[2:] for _n, v in units_figures), strict=False)
    ]
    rows.append([None, "Tổng cộng", *totals])
    return xlsx(rows)
