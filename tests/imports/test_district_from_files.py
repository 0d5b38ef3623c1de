"""Acceptance: a second district built from files alone — units, ``open_period``, scorecards
with no-procedure declarations, scores with reviewed points and reasons, dossier statistics —
through ``manage.py import``, then ``build_report --draft``; the PDF says what the files said."""

import io

import pytest
from django.core.management import call_command

from scoring.models import EventKind, ImportBatch, Period, ScorecardEvent
from tests.imports.filekit import csv_bytes, xlsx_bytes
from tests.reports.conftest import normalise, pdf_text

pytestmark = pytest.mark.django_db

UNITS = [
    ["Mã đơn vị", "Tên đơn vị", "Tên ngắn", "Loại đơn vị", "Đơn vị cấp trên", "Thứ tự"],
    # The agencies and communes come before their district, defined on the last row.
    ["MA-TP", "Phòng Tư pháp", "Tư pháp", "Cơ quan, đơn vị", "MA", 1],
    ["MA-NV", "Phòng Nội vụ", "Nội vụ", "agency", "MA", 2],
    ["MA-TT", "Thị trấn Mường Ảng", "Mường Ảng", "Thị trấn", "MA", 3],
    ["MA-AT", "Xã Ẳng Tở", "Ẳng Tở", "Xã", "MA", 4],
    ["MA-AN", "Xã Ẳng Nưa", "Ẳng Nưa", "Xã", "MA", 5],
    ["MA-NL", "Xã Nặm Lịch", "Nặm Lịch", "Xã", "MA", 6],
    ["MA", "Huyện Mường Ảng", "Mường Ảng", "district", "{province}", 0],
]
# Self points per unit (9 criteria); Nặm Lịch declares that no procedure arose.
SELF = {
    "MA-TP": [2] * 9,  # 18, reviewed down to 16 → still "xuất sắc"
    "MA-NV": [2] * 6 + [1] * 3,  # 15
    "MA-TT": [2] * 9,  # 18
    "MA-AT": [1] * 9,  # 9, reviewed up to 11 → "khá"
    "MA-AN": [2] * 5 + [1] * 4,  # 14 → "tốt"
}
SCORE_HEADERS = [
    "Kỳ đánh giá",
    "Mã đơn vị",
    "Mã chỉ số",
    "Điểm tự chấm",
    "Giải trình",
    "Điểm thẩm định",
    "Lý do điều chỉnh điểm",
]
REVIEWED = {
    ("MA-TP", "3"): (1, "Có hồ sơ phải bổ sung hai lần"),
    ("MA-TP", "4"): (1, "Người dân phải liên hệ hai cơ quan"),
    ("MA-AT", "1"): (2, "Sổ theo dõi cho thấy giải quyết trước hạn"),
    ("MA-AT", "2"): (2, "Các bộ phận đều đúng hạn"),
}


def imported(resource: str, path) -> str:
    out = io.StringIO()
    call_command("import", resource, str(path), "--noinput", stdout=out)
    return out.getvalue()


def test_a_district_built_from_files_gets_its_report(tuan_giao, criteria_set, tmp_path):
    province = tuan_giao.province
    units = [[str(cell).format(province=province.code) for cell in row] for row in UNITS]
    (tmp_path / "don-vi.csv").write_bytes(csv_bytes(units, bom=True))
    imported("units.resources.UnitResource", tmp_path / "don-vi.csv")

    call_command(
        "open_period",
        "--organizer=MA",
        "--year=2021",
        "--quarter=2",
        f"--criteria-set={criteria_set.code}",
        stdout=io.StringIO(),
    )
    period = Period.objects.get(organizer__code="MA")
    assert period.scorecards.count() == 6

    cards = [["period", "unit", "no_tthc", "no_tthc_note"]]
    cards += [["2021-Q2", code, "0", ""] for code in SELF]
    cards.append(["2021-Q2", "MA-NL", "Có", "Trong quý không tiếp nhận hồ sơ TTHC nào"])
    (tmp_path / "phieu.xlsx").write_bytes(xlsx_bytes(cards))
    imported("scoring.resources.ScorecardResource", tmp_path / "phieu.xlsx")

    scores = [SCORE_HEADERS]
    for code, points in SELF.items():
        for number, value in enumerate(points, 1):
            reviewed, reason = REVIEWED.get((code, str(number)), ("", ""))
            scores.append(
                ["2021-Q2", code, str(number), str(value), "Theo sổ theo dõi", reviewed, reason]
            )
    (tmp_path / "diem.csv").write_bytes(csv_bytes(scores))
    out = imported("scoring.resources.ScoreResource", tmp_path / "diem.csv")
    assert out.strip() == "Đã nhập diem.csv: thêm 0, thay đổi 45, giữ nguyên 0."

    stats = [["unit", "year", "quarter", "received_online", "received_offline", "carried_over"]]
    stats[0] += ["resolved_early", "resolved_on_time", "resolved_overdue", "pending_on_time"]
    stats[0] += ["pending_overdue"]
    stats += [
        ["MA-TP", 2021, 2, 10, 30, 0, 35, 5, 0, 0, 0],
        ["MA-NV", 2021, 2, 2, 8, 0, 10, 0, 0, 0, 0],
        ["MA-TT", 2021, 2, 40, 60, 5, 90, 10, 0, 5, 0],
        ["MA-AT", 2021, 2, 1, 19, 0, 14, 2, 3, 0, 1],
        ["MA-AN", 2021, 2, 5, 25, 2, 30, 2, 0, 0, 0],
        ["MA-NL", 2021, 2, 0, 0, 0, 0, 0, 0, 0, 0],
    ]
    (tmp_path / "bieu06.xlsx").write_bytes(xlsx_bytes(stats))
    imported("scoring.resources.DossierStatsResource", tmp_path / "bieu06.xlsx")

    assert ImportBatch.objects.count() == 4
    assert (
        ScorecardEvent.objects.filter(scorecard__period=period, kind=EventKind.IMPORTED).count()
        == 6
    )

    output = tmp_path / "bao-cao.pdf"
    call_command(
        "build_report",
        "--organizer=MA",
        "--period=2021-Q2",
        f"--output={output}",
        "--draft",
        stdout=io.StringIO(),
    )
    text = normalise(pdf_text(output.read_bytes()))
    raw = normalise(pdf_text(output.read_bytes(), raw=True))
    assert "DỰ THẢO" in raw
    assert "ỦY BAN NHÂN DÂN HUYỆN MƯỜNG ẢNG" in text
    # Imported, not yet approved: the draft counts no result for them, and says so.
    assert "Các cơ quan, đơn vị: 02 đơn vị chưa được phê duyệt kết quả." in text
    assert "Các xã, thị trấn: 04 đơn vị chưa được phê duyệt kết quả." in text
    # From the dossier statistics: Ẳng Tở returned 3 dossiers late and has 1 overdue.
    assert "Một số xã vẫn còn để hồ sơ trễ hẹn và quá hạn trên Cổng dịch vụ công (Ẳng Tở)." in text
    # The table: reviewed points per criterion, self total, reviewed total, band, rank.
    for row in [
        "1 Phòng Tư pháp 2 2 1 1 2 2 2 2 2 18 16 Xuất sắc 1",
        "2 Phòng Nội vụ 2 2 2 2 2 2 1 1 1 15 15 Xuất sắc 2",
        "1 Thị trấn Mường Ảng 2 2 2 2 2 2 2 2 2 18 18 Xuất sắc 1",
        "2 Xã Ẳng Tở 2 2 1 1 1 1 1 1 1 9 11 Khá 3",
        "3 Xã Ẳng Nưa 2 2 2 2 2 1 1 1 1 14 14 Tốt 2",
        "4 Xã Nặm Lịch Không phát sinh TTHC",
    ]:
        assert row in raw
    assert "Tuần Giáo" not in text
