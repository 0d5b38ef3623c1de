"""``units.resources.UnitResource``: a tree of units from one file, parents by code (also
defined later in the file), validity dates, predecessors (the 2025 mergers)."""

import datetime

import pytest

from scoring.models import ImportBatch, ImportKind
from tests.factories import UnitFactory
from tests.imports.filekit import FILE_KINDS, dump, refusal, run, table_file
from units.models import Unit, UnitKind
from units.resources import UnitResource

pytestmark = pytest.mark.django_db

HEADERS = ["code", "name", "short_name", "kind", "parent", "order", "valid_from", "valid_to"]
VIETNAMESE = [
    "Mã đơn vị",
    "Tên đơn vị",
    "Tên ngắn",
    "Loại đơn vị",
    "Đơn vị cấp trên",
    "Thứ tự",
    "Hiệu lực từ",
    "Hiệu lực đến",
]


def tree_rows(headers, province_code):
    # Children before their parent: the district is defined on the last row.
    return [
        headers,
        ["X01", "Xã Mường Ảng", "Mường Ảng", "Xã", "H01", 2, "01/07/2025", ""],
        ["X02", "Phường Him Lam", "Him Lam", "ward", "H01", "3", "2025-07-01", "31/12/2030"],
        ["P01", "Phòng Tư pháp", "Tư pháp", "Cơ quan, đơn vị", "H01", 1, "", ""],
        ["H01", "Huyện Mường Ảng", "Mường Ảng", "Huyện", province_code, 0, "", ""],
    ]


@pytest.mark.parametrize("file_kind", FILE_KINDS)
@pytest.mark.parametrize("headers", [HEADERS, VIETNAMESE], ids=["english", "vietnamese"])
def test_a_tree_loads_from_one_file_with_parents_defined_after_their_children(file_kind, headers):
    province = UnitFactory(kind=UnitKind.PROVINCE, code="11")
    name, content = table_file(tree_rows(headers, province.code), file_kind)

    done = run(UnitResource(), name, content)

    assert (done.added, done.changed, done.unchanged) == (4, 0, 0)
    units = {u.code: u for u in Unit.objects.select_related("parent")}
    assert units["H01"].parent == province
    assert units["H01"].kind == UnitKind.DISTRICT
    assert [units[c].parent.code for c in ("X01", "X02", "P01")] == ["H01"] * 3
    assert [units[c].kind for c in ("X01", "X02", "P01")] == [
        UnitKind.COMMUNE,
        UnitKind.WARD,
        UnitKind.AGENCY,
    ]
    assert (units["X01"].name, units["X01"].short_name, units["X01"].order) == (
        "Xã Mường Ảng",
        "Mường Ảng",
        2,
    )
    assert units["X01"].valid_from == datetime.date(2025, 7, 1)
    assert units["X02"].valid_to == datetime.date(2030, 12, 31)
    assert units["P01"].valid_from is None
    batch = ImportBatch.objects.get()
    assert (batch.kind, batch.file_name, batch.added) == (ImportKind.UNITS, name, 4)
    assert done.batch == batch


def test_importing_the_same_file_again_changes_nothing():
    province = UnitFactory(kind=UnitKind.PROVINCE, code="11")
    name, content = table_file(tree_rows(HEADERS, province.code), "csv")
    run(UnitResource(), name, content)
    before = dump()

    again = run(UnitResource(), name, content)

    assert (again.added, again.changed, again.unchanged, again.batch) == (0, 0, 4, None)
    assert dump() == before


def test_a_later_file_moves_renames_and_merges_showing_old_and_new_values():
    province = UnitFactory(kind=UnitKind.PROVINCE, code="11")
    old_district = UnitFactory(kind=UnitKind.DISTRICT, code="H01", parent=province)
    a = UnitFactory(code="X01", parent=old_district, name="Xã A")
    b = UnitFactory(code="X02", parent=old_district, name="Xã B")
    rows = [
        [*HEADERS[:6], "valid_to", "predecessors"],
        ["X01", "Xã A", a.short_name, "commune", "H01", a.order, "30/06/2025", ""],
        ["X02", "Xã B", b.short_name, "commune", "H01", b.order, "30/06/2025", ""],
        ["X10", "Xã A-B", "A-B", "commune", "11", 1, "", "X01; X02"],
    ]
    name, content = table_file(rows, "csv")

    shown = UnitResource()
    from imports import domain
    from imports.tables import read_table

    preview = domain.preview(shown, read_table(name, content))
    assert [row.kind for row in preview.rows] == ["update", "update", "new"]
    assert ("valid_to", "", "2025-06-30") in preview.rows[0].changes
    assert ("predecessors", "", "X01; X02") in preview.rows[2].changes
    assert ("parent", "", "11") in preview.rows[2].changes

    run(UnitResource(), name, content)

    merged = Unit.objects.get(code="X10")
    assert merged.parent == province
    assert sorted(merged.predecessors.values_list("code", flat=True)) == ["X01", "X02"]
    assert Unit.objects.get(code="X01").valid_to == datetime.date(2025, 6, 30)


def test_the_export_reads_back_to_the_same_units():
    province = UnitFactory(kind=UnitKind.PROVINCE, code="11")
    district = UnitFactory(kind=UnitKind.DISTRICT, code="H01", parent=province)
    old = UnitFactory(code="X01", parent=district)
    merged = UnitFactory(code="X10", parent=district, name='=HYPERLINK("x")')
    merged.predecessors.add(old)

    exported = UnitResource().export()

    assert exported.headers == [*HEADERS, "predecessors"]
    rows = {row[0]: row for row in exported}
    assert rows["X10"][4] == "H01"
    assert rows["X10"][8] == "X01"
    assert rows["X10"][1] == '\'=HYPERLINK("x")'
    assert rows["11"][3] == "province"


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [["X01", "Xã A", "A", "commune", "H99", 1]],
            "Dòng 3, cột “parent”: Không có đơn vị nào mang mã “H99” trong cơ sở dữ liệu "
            "hoặc trong tệp này.",
        ),
        (
            [["X01", "Xã A", "A", "commune", "X02", 1], ["X02", "Xã B", "B", "commune", "X01", 1]],
            "Dòng 3, cột “parent”: “X02” không thể là đơn vị cấp trên của “X01”: như vậy tạo "
            "thành vòng lặp (X01 → X02 → X01).",
        ),
        (
            [["X01", "Xã A", "A", "commune", "X01", 1]],
            "Dòng 3, cột “parent”: “X01” không thể là đơn vị cấp trên của “X01”",
        ),
        (
            [["X01", "Xã A", "A", "thôn", "", 1]],
            "Dòng 3, cột “kind”: “thôn” không phải loại đơn vị.",
        ),
        (
            [["X01", "Xã A", "A", "commune", "", "-1"]],
            "Dòng 3, cột “order”: -1 là số âm",
        ),
        (
            [["X01", "Xã A", "A", "commune", "", 1], ["X01", "Xã A", "A", "commune", "", 1]],
            "Dòng 4, cột “code”: Đơn vị “X01” đã có ở dòng 3.",
        ),
        (
            [["X01", "", "A", "commune", "", 1]],
            "Dòng 3, cột “name”:",
        ),
    ],
    ids=["unknown-parent", "loop", "own-parent", "kind", "negative", "twice", "no-name"],
)
def test_a_bad_row_refuses_the_whole_file(rows, expected):
    UnitFactory(kind=UnitKind.PROVINCE, code="11")
    good = ["X09", "Xã Tốt", "Tốt", "commune", "11", 9]
    name, content = table_file([HEADERS[:6], good, *rows], "csv")

    assert expected in refusal(UnitResource(), name, content)


def test_an_unknown_predecessor_and_valid_to_before_valid_from_are_refused():
    rows = [
        ["code", "name", "short_name", "kind", "valid_from", "valid_to", "predecessors"],
        ["X10", "Xã Mới", "Mới", "commune", "01/07/2025", "30/06/2025", "X77"],
    ]
    name, content = table_file(rows, "xlsx")

    messages = refusal(UnitResource(), name, content)

    assert "Dòng 2, cột “predecessors”: Không có đơn vị nào mang mã “X77”" in messages
    assert "Dòng 2: “Hiệu lực đến ngày” không được trước “hiệu lực từ ngày”." in messages


def test_wrong_columns_are_named_once():
    name, content = table_file([["mã", "tên xã"], ["X01", "Xã A"]], "csv")

    messages = refusal(UnitResource(), name, content)

    assert messages == (
        "Cột không có trong mẫu: “tên xã”. Các cột của mẫu: code, name, short_name, kind, "
        "parent, order, valid_from, valid_to, predecessors."
    )
