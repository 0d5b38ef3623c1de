"""The criteria-set loader and ``manage.py load_criteria``: shipped files, versions, bad files.

Every load runs under ``translation.override("en")`` so that the English reasons asserted here
stay valid once the Vietnamese catalogue exists.
"""

import datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

from criteria.loader import CriteriaFileError, load_criteria_file
from criteria.models import Band, CriteriaSet, CriteriaSetStatus, Criterion

SETS = Path(settings.BASE_DIR) / "criteria" / "sets"
TT01_FILE = SETS / "tt01-2018-dien-bien.yaml"
QD766_FILE = SETS / "qd766-2022.yaml"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def tt01() -> dict:
    return yaml.safe_load(TT01_FILE.read_text(encoding="utf-8"))


def qd766() -> dict:
    return yaml.safe_load(QD766_FILE.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict, name: str = "set.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def counts() -> tuple[int, int, int]:
    return CriteriaSet.objects.count(), Criterion.objects.count(), Band.objects.count()


def refused(path: Path) -> CriteriaFileError:
    """Load ``path``, expecting an error, and check that nothing was written."""
    before = counts()
    with pytest.raises(CriteriaFileError) as info:
        load_criteria_file(path)
    assert counts() == before
    assert info.value.path == str(path)
    return info.value


def band(data: dict, label: str) -> dict:
    return next(b for b in data["bands"] if b["label"] == label)


@pytest.fixture
def loaded_tt01():
    return load_criteria_file(TT01_FILE).criteria_set


# --- The shipped files ---------------------------------------------------------------------


def test_it_loads_the_shipped_tt01_set():
    result = load_criteria_file(TT01_FILE)

    criteria_set = result.criteria_set
    assert result.outcome == "created"
    assert (criteria_set.code, criteria_set.version) == ("TT01-2018-DB", 1)
    assert criteria_set.status == CriteriaSetStatus.PUBLISHED
    assert criteria_set.legal_bases == [
        "Quyết định số 1187/QĐ-UBND ngày 13/11/2019",
        "Công văn 1510/UBND-VP ngày 07/12/2020",
    ]
    assert criteria_set.effective_from == datetime.date(2019, 11, 13)
    assert criteria_set.effective_to == datetime.date(2025, 6, 30)
    criteria = list(criteria_set.criteria.order_by("order"))
    assert [c.code for c in criteria] == [str(n) for n in range(1, 10)]
    assert all(not c.is_group and c.parent is None for c in criteria)
    assert {c.max_points for c in criteria} == {Decimal(2)}
    assert {tuple(c.choices()) for c in criteria} == {(Decimal(0), Decimal(1), Decimal(2))}
    assert [c.code for c in criteria if c.evidence_required] == ["5", "6", "8"]
    assert criteria[8].short_title == "Tiến độ và chất lượng cung cấp DVC trực tuyến"
    assert criteria[8].suggestion_rule["statistic"] == "online_service"
    assert criteria_set.max_total() == Decimal(18)


def test_it_loads_the_tt01_bands_best_first_with_their_bounds():
    criteria_set = load_criteria_file(TT01_FILE).criteria_set

    bands = [
        (b.order, b.label, b.lower_bound, b.upper_bound, b.report_phrase)
        for b in criteria_set.bands.order_by("order")
    ]
    assert bands == [
        (1, "Xuất sắc", Decimal(15), None, "đạt xuất sắc"),
        (2, "Tốt", Decimal(12), Decimal(15), "đạt kết quả tốt"),
        (3, "Khá", Decimal(9), Decimal(12), "đạt kết quả khá"),
        (4, "Trung bình", Decimal(6), Decimal(9), "đạt kết quả trung bình"),
        (5, "Yếu", Decimal(0), Decimal(6), "xếp loại yếu"),
    ]


def test_it_loads_the_shipped_766_set_with_five_groups_worth_100_points():
    result = load_criteria_file(QD766_FILE)

    criteria_set = result.criteria_set
    assert result.outcome == "created"
    assert (criteria_set.code, criteria_set.version) == ("QD766-2022", 2)
    assert criteria_set.status == CriteriaSetStatus.PUBLISHED
    assert criteria_set.legal_bases == [
        "Quyết định số 766/QĐ-TTg ngày 23/6/2022 của Thủ tướng Chính phủ"
    ]
    assert criteria_set.effective_from == datetime.date(2022, 6, 23)
    assert criteria_set.effective_to is None
    groups = list(criteria_set.criteria.filter(is_group=True).order_by("order"))
    assert [(g.code, g.title, g.max_points, g.parent) for g in groups] == [
        ("1", "Công khai, minh bạch", Decimal(18), None),
        ("2", "Tiến độ, kết quả giải quyết", Decimal(20), None),
        ("3", "Số hóa hồ sơ", Decimal(22), None),
        ("4", "Cung cấp dịch vụ trực tuyến", Decimal(22), None),
        ("5", "Mức độ hài lòng", Decimal(18), None),
    ]
    assert criteria_set.max_total() == Decimal(100)


def test_every_766_leaf_belongs_to_a_group_and_the_leaves_sum_to_each_group():
    criteria_set = load_criteria_file(QD766_FILE).criteria_set

    leaves = list(criteria_set.scored_criteria())
    assert len(leaves) >= 10
    assert all(leaf.parent is not None and leaf.parent.is_group for leaf in leaves)
    assert all(leaf.code.startswith(f"{leaf.parent.code}.") for leaf in leaves)
    for group in criteria_set.criteria.filter(is_group=True):
        assert sum(c.max_points for c in group.children.all()) == group.max_points
    assert all(leaf.allowed_values == [] for leaf in leaves)
    assert {leaf.step for leaf in leaves} <= {Decimal("0.01"), Decimal("0.5")}
    assert all(leaf.title and leaf.short_title and leaf.guidance for leaf in leaves)


def test_the_766_groups_come_before_their_own_leaves_in_order():
    criteria_set = load_criteria_file(QD766_FILE).criteria_set

    codes = list(criteria_set.criteria.order_by("order").values_list("code", flat=True))
    assert codes[:5] == ["1", "1.1", "1.2", "1.3", "2"]
    assert codes.index("5") < codes.index("5.1")


def test_it_loads_the_766_bands_best_first_with_their_bounds():
    criteria_set = load_criteria_file(QD766_FILE).criteria_set

    bands = [
        (b.label, b.lower_bound, b.upper_bound, b.report_phrase)
        for b in criteria_set.bands.order_by("order")
    ]
    assert bands == [
        ("Xuất sắc", Decimal(90), None, "đạt xuất sắc"),
        ("Tốt", Decimal(80), Decimal(90), "đạt kết quả tốt"),
        ("Khá", Decimal(70), Decimal(80), "đạt kết quả khá"),
        ("Trung bình", Decimal(50), Decimal(70), "đạt kết quả trung bình"),
        ("Yếu", Decimal(0), Decimal(50), "xếp loại yếu"),
    ]


# --- Loading again, versions, drafts -------------------------------------------------------


def test_loading_the_same_file_twice_is_unchanged_and_creates_nothing(loaded_tt01):
    before = counts()
    criterion_ids = list(Criterion.objects.order_by("pk").values_list("pk", flat=True))

    result = load_criteria_file(TT01_FILE)

    assert result.outcome == "unchanged"
    assert result.criteria_set.pk == loaded_tt01.pk
    assert counts() == before == (1, 9, 5)
    assert list(Criterion.objects.order_by("pk").values_list("pk", flat=True)) == criterion_ids


def test_a_comment_or_layout_change_is_not_a_change(loaded_tt01, tmp_path):
    path = tmp_path / "commented.yaml"
    path.write_text("# a new comment\n\n" + TT01_FILE.read_text(encoding="utf-8"), "utf-8")

    result = load_criteria_file(path)

    assert result.outcome == "unchanged"
    assert counts() == (1, 9, 5)


def test_it_refuses_a_changed_published_file_with_the_same_code_and_version(loaded_tt01, tmp_path):
    data = tt01()
    data["criteria"][0]["title"] = "Một tiêu đề khác"
    data["bands"][0]["report_phrase"] = "xuất sắc"

    error = refused(write(tmp_path, data))

    assert error.item == "criteria set TT01-2018-DB"
    assert error.reason == (
        "version 1 is published and cannot change; give the changed file a new version"
    )
    first = Criterion.objects.get(criteria_set=loaded_tt01, code="1")
    assert first.title == "Tổng thời gian giải quyết TTHC so với thời gian quy định"
    assert Band.objects.get(label="Xuất sắc").report_phrase == "đạt xuất sắc"


def test_it_refuses_to_turn_a_published_set_back_into_a_draft(loaded_tt01, tmp_path):
    data = tt01()
    data["status"] = "draft"

    error = refused(write(tmp_path, data))

    assert error.item == "criteria set TT01-2018-DB"
    assert error.reason.startswith("version 1 is published and cannot change")
    loaded_tt01.refresh_from_db()
    assert loaded_tt01.status == CriteriaSetStatus.PUBLISHED


def test_a_changed_file_with_a_new_version_creates_a_second_set(loaded_tt01, tmp_path):
    data = tt01()
    data["version"] = 2
    data["criteria"][0]["title"] = "Tổng thời gian giải quyết (phiên bản 2)"

    result = load_criteria_file(write(tmp_path, data))

    assert result.outcome == "created"
    assert result.criteria_set.pk != loaded_tt01.pk
    assert list(CriteriaSet.objects.values_list("code", "version")) == [
        ("TT01-2018-DB", 2),
        ("TT01-2018-DB", 1),
    ]
    assert counts() == (2, 18, 10)
    titles = dict(Criterion.objects.filter(code="1").values_list("criteria_set__version", "title"))
    assert titles == {
        1: "Tổng thời gian giải quyết TTHC so với thời gian quy định",
        2: "Tổng thời gian giải quyết (phiên bản 2)",
    }


def test_a_draft_set_is_updated_in_place(tmp_path):
    data = tt01()
    data["status"] = "draft"
    draft = load_criteria_file(write(tmp_path, data)).criteria_set
    data["name"] = "Bộ chỉ số dự thảo, sửa lần 2"
    del data["criteria"][8]
    data["bands"][0]["report_phrase"] = "đạt loại xuất sắc"

    result = load_criteria_file(write(tmp_path, data))

    assert result.outcome == "updated"
    assert result.criteria_set.pk == draft.pk
    draft.refresh_from_db()
    assert draft.name == "Bộ chỉ số dự thảo, sửa lần 2"
    assert draft.status == CriteriaSetStatus.DRAFT
    assert [c.code for c in draft.criteria.order_by("order")] == [str(n) for n in range(1, 9)]
    assert draft.max_total() == Decimal(16)
    assert draft.bands.get(order=1).report_phrase == "đạt loại xuất sắc"
    assert counts() == (1, 8, 5)


def test_publishing_a_draft_updates_it_and_then_freezes_it(tmp_path):
    data = tt01()
    data["status"] = "draft"
    draft = load_criteria_file(write(tmp_path, data)).criteria_set
    data["status"] = "published"

    result = load_criteria_file(write(tmp_path, data))

    assert (result.outcome, result.criteria_set.pk) == ("updated", draft.pk)
    assert result.criteria_set.is_published
    data["name"] = "Sửa sau khi ban hành"
    error = refused(write(tmp_path, data))
    assert error.item == "criteria set TT01-2018-DB"


# --- Bad files: the set ----------------------------------------------------------------------


@pytest.mark.parametrize("field", ["code", "name", "criteria", "bands"])
def test_it_refuses_a_set_missing_a_required_field(tmp_path, field):
    data = tt01()
    del data[field]

    error = refused(write(tmp_path, data))

    assert error.item == "criteria set"
    assert error.reason == f"missing field “{field}”"


def test_it_refuses_an_unknown_field_in_the_set(loaded_tt01, tmp_path):
    data = tt01()
    data["author"] = "Văn phòng UBND"

    error = refused(write(tmp_path, data))

    assert error.item == "criteria set"
    assert error.reason == "unknown field “author”"


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("version", 0, "“version” must be a whole number from 1"),
        ("version", "2a", "“version” must be a whole number from 1"),
        ("status", "final", "“status” must be draft or published"),
        ("legal_bases", "Quyết định 1187", "“legal_bases” must be a list of texts"),
        ("criteria", [], "“criteria” must be a non-empty list"),
        ("effective_from", "13/11/2019", "“effective_from” is not a date (YYYY-MM-DD)"),
    ],
)
def test_it_refuses_a_set_field_with_a_bad_value(tmp_path, field, value, reason):
    data = tt01()
    data[field] = value

    error = refused(write(tmp_path, data))

    assert (error.item, error.reason) == ("criteria set TT01-2018-DB", reason)


def test_it_refuses_a_file_that_is_not_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- code: X\n", encoding="utf-8")

    error = refused(path)

    assert (error.item, error.reason) == ("criteria set", "expected a mapping of fields")


# --- Bad files: criteria ---------------------------------------------------------------------


def test_it_refuses_a_criterion_missing_its_title(tmp_path):
    data = tt01()
    del data["criteria"][2]["title"]

    error = refused(write(tmp_path, data))

    assert error.item == "criteria[2]"
    assert error.reason == "missing field “title”"


def test_it_refuses_a_criterion_missing_its_code(tmp_path):
    data = tt01()
    del data["criteria"][4]["code"]

    error = refused(write(tmp_path, data))

    assert (error.item, error.reason) == ("criteria[4]", "missing field “code”")


def test_it_refuses_a_scored_criterion_missing_its_max_points(tmp_path):
    data = tt01()
    del data["criteria"][2]["max_points"]
    del data["criteria"][2]["values"]

    error = refused(write(tmp_path, data))

    assert (error.item, error.reason) == ("criterion 3", "missing field “max_points”")


def test_it_names_the_position_of_a_bad_child_criterion(tmp_path):
    data = qd766()
    del data["criteria"][1]["children"][2]["title"]

    error = refused(write(tmp_path, data))

    assert error.item == "criteria[1].children[2]"
    assert error.reason == "missing field “title”"


def test_it_refuses_an_unknown_field_in_a_criterion(tmp_path):
    data = tt01()
    data["criteria"][0]["points"] = 2

    error = refused(write(tmp_path, data))

    assert (error.item, error.reason) == ("criteria[0]", "unknown field “points”")


def test_it_refuses_a_duplicate_criterion_code(loaded_tt01, tmp_path):
    data = tt01()
    data["code"] = "OTHER"
    data["criteria"][4]["code"] = "3"

    error = refused(write(tmp_path, data))

    assert (error.item, error.reason) == ("criterion 3", "duplicate code")


def test_it_refuses_a_child_criterion_reusing_a_code_from_another_group(tmp_path):
    data = qd766()
    data["criteria"][1]["children"][0]["code"] = "1.2"

    error = refused(write(tmp_path, data))

    assert (error.item, error.reason) == ("criterion 1.2", "duplicate code")


def test_it_refuses_max_points_below_zero(tmp_path):
    data = tt01()
    data["criteria"][0]["max_points"] = -1

    error = refused(write(tmp_path, data))

    assert error.item == "criterion 1"
    assert error.reason == "“max_points” must not be below zero"


@pytest.mark.parametrize(
    ("value", "shown"),
    [("hai", "hai"), ("2 điểm", "2 điểm"), (float("nan"), "nan"), ([2], "[2]"), (True, "True")],
)
def test_it_refuses_non_numeric_max_points(tmp_path, value, shown):
    data = tt01()
    data["criteria"][6]["max_points"] = value

    error = refused(write(tmp_path, data))

    assert error.item == "criterion 7"
    assert error.reason == f"“max_points” is not a number: {shown}"


@pytest.mark.parametrize("value", ["2.125", 10000])
def test_it_refuses_points_that_do_not_fit_two_decimal_places_below_10000(tmp_path, value):
    data = tt01()
    data["criteria"][0]["max_points"] = value

    error = refused(write(tmp_path, data))

    assert error.item == "criterion 1"
    assert error.reason == "“max_points” must be below 10000 with at most 2 decimal places"


def test_it_refuses_a_value_above_max_points(tmp_path):
    data = tt01()
    data["criteria"][1]["values"] = [0, 1, 3]

    error = refused(write(tmp_path, data))

    assert (error.item, error.reason) == ("criterion 2", "a value in “values” is above max_points")


def test_it_refuses_a_step_of_zero(tmp_path):
    data = qd766()
    data["criteria"][0]["children"][0]["step"] = 0

    error = refused(write(tmp_path, data))

    assert (error.item, error.reason) == ("criterion 1.1", "“step” must be above zero")


def test_it_refuses_a_group_whose_max_points_is_not_the_sum_of_its_children(tmp_path):
    data = qd766()
    data["criteria"][2]["children"][0]["max_points"] = 7

    error = refused(write(tmp_path, data))

    assert error.item == "criterion 3"
    assert error.reason == "“max_points” 22 is not the sum of its children, 21"


def test_it_refuses_a_suggestion_that_is_not_a_mapping(tmp_path):
    data = tt01()
    data["criteria"][0]["suggestion"] = "dossier_timeliness"

    error = refused(write(tmp_path, data))

    assert (error.item, error.reason) == ("criterion 1", "“suggestion” must be a mapping")


def test_it_refuses_a_criterion_code_longer_than_its_column(tmp_path):
    data = tt01()
    data["criteria"][8]["code"] = "9" * 21

    error = refused(write(tmp_path, data))

    assert (error.item, error.reason) == (
        f"criterion {'9' * 21}",
        "“code” is longer than 20 characters",
    )


# --- Bad files: bands ------------------------------------------------------------------------


def test_it_refuses_a_band_missing_its_min(tmp_path):
    data = tt01()
    del band(data, "Khá")["min"]

    error = refused(write(tmp_path, data))

    assert (error.item, error.reason) == ("band Khá", "missing field “min”")


def test_it_refuses_a_band_missing_its_label(tmp_path):
    data = tt01()
    del data["bands"][1]["label"]

    error = refused(write(tmp_path, data))

    assert (error.item, error.reason) == ("bands[1]", "missing field “label”")


def test_it_refuses_an_unknown_field_in_a_band(tmp_path):
    data = tt01()
    data["bands"][0]["max"] = 18

    error = refused(write(tmp_path, data))

    assert (error.item, error.reason) == ("bands[0]", "unknown field “max”")


def test_it_refuses_a_band_table_with_a_gap(loaded_tt01, tmp_path):
    data = tt01()
    data["version"] = 2
    band(data, "Khá")["below"] = 11

    error = refused(write(tmp_path, data))

    assert error.item == "band Khá"
    assert error.reason == "gap: no band covers totals from 11 to below 12"


def test_it_refuses_a_band_table_with_an_overlap(loaded_tt01, tmp_path):
    data = tt01()
    data["version"] = 2
    band(data, "Khá")["below"] = 13

    error = refused(write(tmp_path, data))

    assert (error.item, error.reason) == ("band Khá", "overlaps band Tốt")


def test_it_refuses_a_band_table_not_starting_at_zero(tmp_path):
    data = tt01()
    band(data, "Yếu")["min"] = 1

    error = refused(write(tmp_path, data))

    assert (error.item, error.reason) == ("band Yếu", "gap: no band covers totals from 0 to 1")


def test_it_refuses_a_band_table_not_reaching_the_maximum_total(tmp_path):
    data = tt01()
    band(data, "Xuất sắc")["below"] = 18

    error = refused(write(tmp_path, data))

    assert error.item == "band Xuất sắc"
    assert error.reason == "gap: no band covers totals from 18 to 18"


def test_it_refuses_a_best_band_starting_above_the_maximum_total(tmp_path):
    data = tt01()
    band(data, "Xuất sắc")["min"] = 19
    band(data, "Tốt")["below"] = 19

    error = refused(write(tmp_path, data))

    assert (error.item, error.reason) == ("band Xuất sắc", "starts above the maximum total 18")


def test_it_refuses_bands_not_listed_best_first(tmp_path):
    data = tt01()
    data["bands"].reverse()

    error = refused(write(tmp_path, data))

    assert error.item == "bands"
    assert error.reason == "bands must be listed from the best (highest) to the lowest"


def test_it_refuses_a_lower_band_without_an_upper_bound(tmp_path):
    data = tt01()
    del band(data, "Khá")["below"]

    error = refused(write(tmp_path, data))

    assert (error.item, error.reason) == ("band Khá", "only the best band may leave “below” empty")


def test_it_refuses_two_bands_with_the_same_label(tmp_path):
    data = tt01()
    band(data, "Trung bình")["label"] = "Khá"

    error = refused(write(tmp_path, data))

    assert (error.item, error.reason) == ("bands", "duplicate band label")


def test_it_refuses_an_empty_band_list(tmp_path):
    data = tt01()
    data["bands"] = "Xuất sắc, Tốt, Khá"

    error = refused(write(tmp_path, data))

    assert (error.item, error.reason) == ("bands", "“bands” must be a non-empty list")


# --- Bad files: the file itself --------------------------------------------------------------


def test_it_refuses_invalid_yaml(loaded_tt01, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("code: TT01\ncriteria: [unclosed\n", encoding="utf-8")

    error = refused(path)

    assert error.item == "file"
    assert error.reason.startswith("not valid YAML: ")
    assert "line 3" in error.reason


def test_it_refuses_a_nonexistent_file(loaded_tt01, tmp_path):
    path = tmp_path / "missing.yaml"

    error = refused(path)

    assert (error.item, error.reason) == ("file", "No such file or directory")


def test_it_refuses_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "cp1258.yaml"
    # "Điện Biên" as Windows-1258 stores it: ê precomposed, the dot below a combining mark.
    path.write_bytes("code: X\nname: Đi\u00ea\u0323n Bi\u00ean\n".encode("cp1258"))

    error = refused(path)

    assert error.item == "file"
    assert error.reason.startswith("not UTF-8 text: ")


def test_the_error_message_names_the_file_the_item_and_the_reason(tmp_path):
    data = tt01()
    data["criteria"][4]["code"] = "3"
    path = write(tmp_path, data)

    error = refused(path)

    assert str(error) == f"{path}: criterion 3: duplicate code"


# --- The command -----------------------------------------------------------------------------


def test_the_command_loads_a_file_and_says_so():
    out = StringIO()

    call_command("load_criteria", str(QD766_FILE), stdout=out)

    criteria_set = CriteriaSet.objects.get(code="QD766-2022")
    assert out.getvalue() == f"Created {criteria_set} from {QD766_FILE}.\n"


def test_the_command_says_when_a_file_is_unchanged(loaded_tt01):
    out = StringIO()

    call_command("load_criteria", str(TT01_FILE), stdout=out)

    assert out.getvalue() == f"{loaded_tt01} is already loaded and unchanged.\n"


def test_the_command_reports_the_file_the_item_and_the_reason(loaded_tt01, tmp_path):
    data = tt01()
    data["version"] = 2
    band(data, "Khá")["below"] = 11
    path = write(tmp_path, data)

    with pytest.raises(CommandError) as info:
        call_command("load_criteria", str(path), stdout=StringIO())

    assert str(info.value) == (
        f"{path}: band Khá: gap: no band covers totals from 11 to below 12. Nothing was loaded."
    )
    assert counts() == (1, 9, 5)


def test_the_command_stops_at_the_first_bad_file(tmp_path):
    missing = tmp_path / "missing.yaml"

    with pytest.raises(CommandError) as info:
        call_command(
            "load_criteria", str(TT01_FILE), str(missing), str(QD766_FILE), stdout=StringIO()
        )

    assert str(info.value) == f"{missing}: file: No such file or directory. Nothing was loaded."
    assert list(CriteriaSet.objects.values_list("code", flat=True)) == ["TT01-2018-DB"]
