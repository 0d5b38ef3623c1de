"""The checks every uploaded table goes through before anything parses it, and the runner
the pages use (preview, apply, staging): ``imports.tables`` and ``imports.domain``."""

import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from imports import domain
from imports.tables import read_rows, read_table
from scoring.models import DossierStats, ImportBatch, ImportKind
from scoring.resources import DossierStatsResource
from tests.factories import UserFactory


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def refusal(name, content) -> str:
    with pytest.raises(ValidationError) as caught:
        read_table(name, content)
    return caught.value.messages[0]


def test_a_csv_with_a_byte_order_mark_and_semicolons_reads_like_a_plain_one():
    plain = read_table("a.csv", b"unit,year\nx,2021\n\n")
    marked = read_table("a.csv", "\ufeffunit;year\r\nx;2021\r\n".encode())
    assert plain.headers == marked.headers == ["unit", "year"]
    assert list(plain) == list(marked) == [("x", "2021")]


def test_a_workbook_reads_its_first_sheet_with_cells_stripped_and_blank_rows_dropped():
    table = read_table("a.xlsx", xlsx([["unit", "year"], [" x ", 2021], [None, None], ["y", 2022]]))
    assert table.headers == ["unit", "year"]
    assert list(table) == [("x", 2021), ("y", 2022)]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.xlsx", b"unit,year\nx,2021\n", "không phải sổ tính Excel (.xlsx)"),
        ("a.xlsx", b"PK\x03\x04 damaged", "không phải sổ tính Excel (.xlsx)"),
        ("a.csv", "unit\nGiáo\n".encode("latin-1"), "không phải văn bản UTF-8"),
        ("a.csv", b"unit\x00\nx\n", "không phải tệp văn bản"),
        ("a.pdf", b"%PDF-1.7", "không phải tệp bảng số liệu"),
        ("a.csv", b"", "không có nội dung"),
        ("a.csv", b"\n\n", "không có dòng nào"),
        ("a.csv", b"unit\nx,extra\n", "nằm ngoài cột có tên cuối cùng"),
    ],
)
def test_a_file_that_is_not_a_readable_table_is_refused_with_a_sentence(name, content, expected):
    assert expected in refusal(name, content)


def test_size_and_row_limits_are_checked_before_parsing(settings):
    settings.IMPORT_MAX_BYTES = 100
    assert "vượt quá giới hạn 100" in refusal("a.csv", b"unit\n" + b"x\n" * 100)
    settings.IMPORT_MAX_BYTES = 10**6
    settings.IMPORT_MAX_ROWS = 3
    assert "có 4 dòng, vượt quá giới hạn 3 dòng" in refusal("a.csv", b"unit\n" + b"x\n" * 4)
    assert len(read_rows("a.csv", b"unit\n" + b"x\n" * 3)) == 4


CSV = "Mã đơn vị,Năm,Quý,Trực tuyến,Trực tiếp/bưu chính,Trước hạn\n{code},2021,2,5,10,{early}\n"


def stats_file(unit, early=3) -> bytes:
    return CSV.format(code=unit.code, early=early).encode()


@pytest.mark.django_db
def test_preview_writes_nothing_and_apply_records_one_batch(tuan_giao, period):
    unit = tuan_giao.communes[0]
    user = UserFactory()
    content = stats_file(unit)
    table = read_table("q2.csv", content)

    shown = domain.preview(
        DossierStatsResource(), table, user=user, file_name="q2.csv", content=content
    )
    assert (shown.added, shown.changed, shown.batch) == (1, 0, None)
    assert ("received_online", "", "5") in shown.rows[0].changes
    assert shown.rows[0].line == 2
    assert not DossierStats.objects.exists() and not ImportBatch.objects.exists()

    done = domain.apply(
        DossierStatsResource(),
        read_table("q2.csv", content),
        user=user,
        file_name="q2.csv",
        content=content,
        period=period,
    )
    stats = DossierStats.objects.get(unit=unit, year=2021, quarter=2)
    assert (stats.received_online, stats.received_offline, stats.resolved_early) == (5, 10, 3)
    batch = done.batch
    assert stats.import_batch == batch
    assert (batch.kind, batch.file_name, batch.imported_by, batch.period) == (
        ImportKind.DOSSIER_STATS,
        "q2.csv",
        user,
        period,
    )
    assert (batch.rows, batch.added, batch.changed) == (1, 1, 0)
    assert batch.sha256 == domain.sha256_of(content)
    assert batch.file.read() == content
    assert domain.earlier_import(ImportKind.DOSSIER_STATS, batch.sha256, period) == batch

    again = domain.apply(DossierStatsResource(), read_table("q2.csv", content), content=content)
    assert (again.added, again.changed, again.unchanged, again.batch) == (0, 0, 1, None)
    assert ImportBatch.objects.count() == 1

    later = domain.preview(DossierStatsResource(), read_table("q2.csv", stats_file(unit, 4)))
    assert later.rows[0].kind == "update"
    assert later.rows[0].changes == [("resolved_early", "3", "4")]


@pytest.mark.django_db
def test_one_bad_row_refuses_the_whole_file_naming_row_and_column(tuan_giao):
    good, bad = tuan_giao.communes[0], tuan_giao.communes[1]
    content = (
        CSV.format(code=good.code, early=3) + f"{bad.code},2021,2,5,x,0\nnope,2021,2,1,1,0\n"
    ).encode()
    with pytest.raises(domain.ImportRefused) as caught:
        domain.apply(DossierStatsResource(), read_table("q2.csv", content), content=content)
    messages = "\n".join(caught.value.messages)
    assert "Dòng 3, cột “received_offline”: “x” không phải số nguyên." in messages
    assert "Dòng 4, cột “unit”: Không có đơn vị nào mang mã “nope”." in messages
    assert not DossierStats.objects.exists() and not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_a_staged_file_is_only_there_for_the_user_who_uploaded_it():
    owner, other = UserFactory(), UserFactory()
    token = domain.stage(owner, "../../bảng số liệu.csv", b"unit\nx\n")
    assert domain.staged(owner, token) == ("bảng_số_liệu.csv", b"unit\nx\n")
    assert domain.staged(other, token) is None
    assert domain.staged(owner, "../" + token) is None
    domain.unstage(owner, token)
    assert domain.staged(owner, token) is None


@pytest.mark.django_db
def test_a_statistics_import_runs_the_same_queries_for_few_or_many_rows(tuan_giao, period):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(units) -> int:
        rows = "".join(f"{u.code},2021,2,{n}\n" for n, u in enumerate(units, 1))
        content = f"unit,year,quarter,received_online\n{rows}".encode()
        with CaptureQueriesContext(connection) as captured:
            domain.apply(DossierStatsResource(), read_table("q.csv", content), content=content)
        return len(captured)

    units = [*tuan_giao.communes, *tuan_giao.agencies]
    few = queries(units[:2])
    DossierStats.objects.all().delete()
    ImportBatch.objects.all().delete()
    assert queries(units) == few
    assert DossierStats.objects.filter(year=2021, quarter=2).count() == len(units) > 2
