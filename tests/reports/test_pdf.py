"""The quarterly report PDF: the seed report reproduced from the demo data, in the Nghị định 30
format (A4, Liberation Serif embedded, page numbers from page 2, landscape scoring table)."""

import datetime
import re

import pytest

from reports import domain, pdf, signing
from reports.snapshot import take_snapshot
from scoring.periods import open_period
from tests.factories import UnitFactory, district
from tests.reports.conftest import normalise, numbered, page_sizes, pdf_text, poppler
from units.models import UnitKind

# The seed report's statements, in its order, with the official spelling of the names
# (the seed itself writes "Nà Tông", "Toả Tình", "11 Đơn vị" and "công dịch vụ công").
SEED_STATEMENTS = [
    "Số: 15/BC-UBND",
    "Tuần Giáo, ngày 05 tháng 7 năm 2021",
    "BÁO CÁO",
    "Kết quả chấm điểm đánh giá việc giải quyết TTHC Quý II năm 2021 trên địa bàn huyện Tuần Giáo",
    "Thực hiện Văn bản số 291/NPUB-KSTT ngày 04/6/2021 của Văn phòng UBND tỉnh về việc chấm "
    "điểm đánh giá việc giải quyết thủ tục hành chính Quý II năm 2021.",
    "1. Kết quả đánh giá",
    "2. Kết quả cụ thể",
    "theo quy định tại Quyết định số 1187/QĐ-UBND ngày 13/11/2019 và Công văn 1510/UBND-VP "
    "ngày 07/12/2020 kết quả chấm điểm như sau:",
    "Các cơ quan, đơn vị: 09 đơn vị đạt xuất sắc, 04 đơn vị không phát sinh TTHC.",
    "Các xã, thị trấn: 11 đơn vị đạt xuất sắc, 08 đơn vị đạt kết quả tốt.",
    "(Có biểu chấm điểm, đánh giá việc giải quyết TTHC kèm theo)",
    "3. Một số tồn tại",
    "- Đối với tiêu chí số 9 “Tiến độ và chất lượng cung cấp DVC trực tuyến” chưa có đơn vị "
    "nào đạt điểm số.",
    "- Một số xã vẫn còn để hồ sơ trễ hẹn và quá hạn trên Cổng dịch vụ công (Nà Tòng, Tỏa "
    "Tình, Mường Khong, Quài Tở, Chiềng Sinh, Rạng Đông, Quài Nưa, Pú Nhung).",
    "- Tỷ lệ tiếp nhận hồ sơ trên Cổng dịch vụ công của tỉnh còn thấp, một số xã chưa thực "
    "hiện việc tiếp nhận hồ sơ trên Cổng dịch vụ công của tỉnh (Mường Mùn).",
    "Trên đây là Báo cáo kết quả thực hiện việc chấm điểm đánh giá giải quyết thủ tục hành "
    "chính quý II năm 2021 của các cơ quan, đơn vị, UBND các xã, thị trấn trên địa bàn huyện "
    "Tuần Giáo./.",
    "Nơi nhận:",
    "- Văn phòng UBND tỉnh; - Lãnh đạo UBND huyện; - Cổng thông tin điện tử huyện; - Các cơ "
    "quan, đơn vị; - UBND các xã, thị trấn; - Lưu: VT.",
    "TM. ỦY BAN NHÂN DÂN",
    "CHỦ TỊCH",
    "Vũ Văn Đức",
    "BIỂU CHẤM ĐIỂM, ĐÁNH GIÁ VIỆC GIẢI QUYẾT TTHC QUÝ II NĂM 2021",
    "(Kèm theo Báo cáo số 15/BC-UBND ngày 05/07/2021 của UBND huyện Tuần Giáo)",
]

A4_PORTRAIT, A4_LANDSCAPE = (595, 842), (842, 595)


def rounded_sizes(content: bytes) -> list[tuple[int, int]]:
    return [(round(w), round(h)) for w, h in page_sizes(content)]


def first_line(content: bytes, page: int) -> str:
    return pdf_text(content, first=page, last=page).strip().splitlines()[0]


def raw_lines(content: bytes, **pages) -> list[str]:
    return [normalise(line) for line in pdf_text(content, raw=True, **pages).splitlines()]


# ---------------------------------------------------------------------------------------------
# The seed, reproduced


def test_the_approved_demo_report_makes_every_statement_of_the_seed(demo_documents):
    text = normalise(pdf_text(demo_documents.approved))

    missing = [statement for statement in SEED_STATEMENTS if statement not in text]

    assert missing == []


def test_the_statements_come_in_the_seed_order(demo_documents):
    text = normalise(pdf_text(demo_documents.approved))

    positions = [text.find(statement) for statement in SEED_STATEMENTS]

    assert positions == sorted(positions)


def test_the_stored_checksum_is_the_approved_files(demo_documents):
    assert demo_documents.approved_sha256 == signing.sha256(demo_documents.approved)


def test_the_scoring_table_lists_each_unit_with_its_points_band_and_rank(demo_documents):
    rows = raw_lines(demo_documents.approved, first=3)

    assert "I Các cơ quan, đơn vị" in rows
    assert "II Các xã, thị trấn" in rows
    assert "1 Văn phòng HĐND và UBND huyện Không phát sinh TTHC" in rows
    assert "4 Phòng Tài chính - Kế hoạch 2 1 2 2 2 2 2 2 0 16 15 Xuất sắc 5" in rows
    assert "9 Xã Nà Tòng 1 1 1 2 2 2 1 2 0 13 12 Tốt 18" in rows
    assert "19 Xã Tỏa Tình 1 1 2 1 2 2 2 1 0 13 12 Tốt 18" in rows


def test_units_with_no_tthc_are_listed_without_points(demo_documents):
    rows = raw_lines(demo_documents.approved, first=3)

    no_tthc = [row for row in rows if row.endswith("Không phát sinh TTHC")]

    assert no_tthc == [
        "1 Văn phòng HĐND và UBND huyện Không phát sinh TTHC",
        "9 Phòng Y tế Không phát sinh TTHC",
        "10 Thanh tra huyện Không phát sinh TTHC",
        "13 Phòng Dân tộc Không phát sinh TTHC",
    ]


# ---------------------------------------------------------------------------------------------
# Nghị định 30 format


def test_the_report_is_a4_portrait_and_the_table_a4_landscape(demo_documents):
    assert rounded_sizes(demo_documents.approved) == [A4_PORTRAIT] * 2 + [A4_LANDSCAPE] * 2


def test_it_embeds_liberation_serif_and_nothing_else(demo_documents):
    listing = poppler("pdffonts", demo_documents.approved).splitlines()[2:]

    fonts = {(line.split()[0].split("+")[-1], line.split()[-5]) for line in listing}

    assert fonts == {
        ("Liberation-Serif", "yes"),
        ("Liberation-Serif-Bold", "yes"),
        ("Liberation-Serif-Italic", "yes"),
        ("Liberation-Serif-Bold-Italic", "yes"),
    }


def test_page_numbers_start_on_page_two(demo_documents):
    first_lines = [first_line(demo_documents.approved, page) for page in range(1, 5)]

    assert first_lines == ["ỦY BAN NHÂN DÂN", "2", "3", "4"]


def test_the_table_header_repeats_on_every_table_page(demo_documents):
    landscape = [
        page
        for page, size in enumerate(rounded_sizes(demo_documents.approved), start=1)
        if size == A4_LANDSCAPE
    ]

    headers = [
        ("STT Tên cơ quan, đơn vị" in raw_lines(demo_documents.approved, first=p, last=p))
        for p in landscape
    ]

    assert len(landscape) >= 2
    assert headers == [True] * len(landscape)


def test_a_draft_is_marked_du_thao_and_the_approved_report_is_not(demo_documents):
    draft = normalise(pdf_text(demo_documents.draft, raw=True))
    approved = normalise(pdf_text(demo_documents.approved, raw=True))

    assert "DỰ THẢO" in draft
    assert "DỰ THẢO" not in approved


def test_the_draft_shows_the_same_results_as_the_approved_report(demo_documents):
    draft = normalise(pdf_text(demo_documents.draft))

    assert "Các xã, thị trấn: 11 đơn vị đạt xuất sắc, 08 đơn vị đạt kết quả tốt." in draft


# ---------------------------------------------------------------------------------------------
# Smaller pieces


@pytest.mark.parametrize(
    ("value", "expected"),
    [("15", "15"), ("15.75", "15,75"), ("14.50", "14,5"), ("0", "0"), (None, "")],
)
def test_points_are_written_with_a_decimal_comma(value, expected):
    assert pdf.number(value) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2021-07-05", "Tuần Giáo, ngày 05 tháng 7 năm 2021"),
        ("2022-01-14", "Tuần Giáo, ngày 14 tháng 01 năm 2022"),
        ("2021-02-03", "Tuần Giáo, ngày 03 tháng 02 năm 2021"),
        ("2021-12-31", "Tuần Giáo, ngày 31 tháng 12 năm 2021"),
    ],
)
def test_the_date_line_pads_days_and_the_first_two_months(period, day, expected):
    report = domain.report_for(period)
    report.place, report.issue_date = "Tuần Giáo", datetime.date.fromisoformat(day)

    assert pdf.place_date(report) == expected


@pytest.mark.django_db
def test_a_long_table_repeats_its_header_on_each_page(criteria_set):
    # 60 communes, not scored yet (a draft): the table needs several landscape pages.
    place = district(n_communes=0, n_agencies=0)
    UnitFactory.create_batch(60, kind=UnitKind.COMMUNE, parent=place.district)
    period = open_period(place.district, 2021, 2, criteria_set)
    report = numbered(domain.report_for(period))

    rendered = pdf.render_pdf(report, take_snapshot(period), draft=True)
    sizes = rounded_sizes(rendered.content)
    table_pages = [p for p, size in enumerate(sizes, start=1) if size == A4_LANDSCAPE]
    with_header = [
        p
        for p in table_pages
        if "STT Tên cơ quan, đơn vị" in raw_lines(rendered.content, first=p, last=p)
    ]
    numbers = [
        int(m[1])
        for m in re.finditer(r"^(\d+) Xã ", pdf_text(rendered.content, raw=True), re.MULTILINE)
    ]

    assert len(table_pages) >= 3
    assert with_header == table_pages
    assert numbers == list(range(1, 61))
