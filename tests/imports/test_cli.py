"""``manage.py import`` (all or nothing, Vietnamese reasons, exit status 1) and the library's
``manage.py export`` for every resource of the contract: values, never formulas."""

import csv
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from scoring.models import ImportBatch, Score
from tests.factories import self_score
from tests.imports.filekit import csv_bytes, dump, xlsx_bytes
from tests.imports.test_resources_scores import HEADERS, score_rows

pytestmark = pytest.mark.django_db

RESOURCES = [
    "units.resources.UnitResource",
    "scoring.resources.ScorecardResource",
    "scoring.resources.ScoreResource",
    "scoring.resources.DossierStatsResource",
    "scoring.resources.SurveySummaryResource",
    "scoring.resources.IndicatorFigureResource",
]


def import_file(resource: str, path, *options: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", resource, str(path), "--noinput", *options, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_score_file_imports_from_the_command_line(period, tuan_giao, tmp_path):
    path = tmp_path / "diem.xlsx"
    path.write_bytes(xlsx_bytes(score_rows(tuan_giao.communes)))

    out, _err = import_file("scoring.resources.ScoreResource", path)

    assert out.strip() == "Đã nhập diem.xlsx: thêm 0, thay đổi 27, giữ nguyên 0."
    assert Score.objects.filter(self_points__isnull=False).count() == 27
    assert ImportBatch.objects.get().file_name == "diem.xlsx"


def test_a_dry_run_changes_nothing(period, tuan_giao, tmp_path):
    path = tmp_path / "diem.csv"
    path.write_bytes(csv_bytes(score_rows(tuan_giao.communes[:1]), bom=True))
    before = dump()

    out, _err = import_file("scoring.resources.ScoreResource", path, "--dry-run")

    assert out.strip() == "Sẽ nhập diem.csv: thêm 0, thay đổi 9, giữ nguyên 0."
    assert dump() == before


def test_a_bad_file_exits_with_status_1_and_its_reasons(card, tmp_path):
    rows = [HEADERS, ["2021-Q2", card.unit.code, "1", "2", "", "", ""]]
    rows += [
        ["2021-Q2", card.unit.code, "2", "5", "", "", ""],
        ["2021-Q2", "X", "3", "", "", "", ""],
    ]
    path = tmp_path / "diem.csv"
    path.write_bytes(csv_bytes(rows))
    before = dump()

    with pytest.raises(SystemExit) as exited:
        import_file("scoring.resources.ScoreResource", path)

    assert exited.value.code == 1
    assert dump() == before


def test_the_reasons_are_printed(card, tmp_path):
    rows = [HEADERS, ["2021-Q2", card.unit.code, "2", "5", "", "", ""]]
    path = tmp_path / "diem.csv"
    path.write_bytes(csv_bytes(rows))
    err = io.StringIO()

    with pytest.raises(SystemExit):
        call_command(
            "import", "scoring.resources.ScoreResource", str(path), "--noinput", stderr=err
        )

    assert err.getvalue().splitlines() == [
        "Không nhập gì:",
        "  Dòng 2, cột “self_points”: Tiêu chí 2: điểm phải từ 0 đến 2.",
    ]


def export(format_name: str, resource: str) -> bytes:
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="utf-8")
    call_command("export", format_name, resource, stdout=stdout)
    stdout.flush()
    return raw.getvalue()


FORMULAS = ["=SUM(A1:A2)", "+1", "-2", "@cmd"]


@pytest.fixture
def formulas(card, tuan_giao):
    """A formula-like text in a text column of every resource."""
    from scoring.models import DossierStats, IndicatorFigure, Scorecard, SurveySummary

    self_score(card, 2)
    unit = card.unit
    unit.name = FORMULAS[0]
    unit.save()
    Scorecard.objects.filter(pk=card.pk).update(no_tthc_note=FORMULAS[1])
    card.scores.filter(criterion__code="1").update(self_note=FORMULAS[2])
    DossierStats.objects.create(unit=unit, year=2021, quarter=2, received_online=3)
    SurveySummary.objects.create(unit=unit, year=2021, quarter=2, forms=1, satisfied=1)
    IndicatorFigure.objects.create(unit=unit, year=2021, quarter=2, name="synced", value=3)
    Score.objects.filter(pk=card.scores.get(criterion__code="2").pk).update(
        review_reason=FORMULAS[3], reviewed_points=2
    )
    return unit


@pytest.mark.parametrize("resource", RESOURCES)
def test_every_resource_exports_to_csv_with_its_contract_headers(formulas, resource):
    text = export("CSV", resource).decode("utf-8")

    rows = list(csv.reader(io.StringIO(text)))
    from import_export.command_utils import get_resource_class

    assert rows[0] == get_resource_class(resource)().get_export_headers()
    assert len(rows) > 1
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]


def test_formula_like_texts_are_neutralised_in_csv_and_xlsx(formulas):
    units = export("CSV", "units.resources.UnitResource").decode()
    scores = export("CSV", "scoring.resources.ScoreResource").decode()
    cards = export("CSV", "scoring.resources.ScorecardResource").decode()

    assert "'=SUM(A1:A2)" in units
    assert ",'-2," in scores and ",'@cmd" in scores
    assert ",'+1," in cards

    book = load_workbook(io.BytesIO(export("XLSX", "scoring.resources.ScoreResource")))
    values = [cell for row in book.active.iter_rows() for cell in row if cell.value]
    assert not [c for c in values if c.data_type == "f"]
    assert "'-2" in [c.value for c in values]
