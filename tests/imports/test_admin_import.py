"""The admin's import pages (django-import-export: upload → preview → confirm) and export for
the product's resources, and admin edits of quarter figures recomputing the suggestions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.domain import sha256_of
from scoring.models import DossierStats, ImportBatch, Score
from tests.imports.filekit import csv_bytes, dump, xlsx_bytes
from tests.imports.test_resources_figures import STATS, STATS_VI, stats_row
from tests.imports.test_resources_scores import HEADERS, VIETNAMESE, score_rows
from units.models import Unit

pytestmark = pytest.mark.django_db


def upload(client, model: str, name: str, content: bytes):
    return client.post(
        reverse(f"admin:{model}_import"),
        {"resource": "0", "format": "", "import_file": SimpleUploadedFile(name, content)},
    )


def confirm(client, model: str, preview):
    form = preview.context["confirm_form"]
    return client.post(reverse(f"admin:{model}_process_import"), form.initial)


def test_a_score_file_is_previewed_then_imported_on_confirmation(admin_client, period, tuan_giao):
    unit = tuan_giao.communes[0]
    content = xlsx_bytes(score_rows([unit], VIETNAMESE))
    before = dump()

    preview = upload(admin_client, "scoring_score", "diem.xlsx", content)

    assert preview.status_code == 200
    page = preview.content.decode()
    assert page.count(unit.code) >= 9
    assert "Hồ sơ trễ hạn" in page
    assert preview.context["confirm_form"] is not None
    assert dump() == before  # the preview wrote nothing

    done = confirm(admin_client, "scoring_score", preview)

    assert done.status_code == 302
    card = period.scorecards.get(unit=unit)
    assert card.scores.filter(self_points=2).count() == 8
    assert card.scores.get(criterion__code="3").review_reason == "Hồ sơ trễ hạn"
    batch = ImportBatch.objects.get()
    assert (batch.file_name, batch.sha256, batch.rows) == ("diem.xlsx", sha256_of(content), 9)
    assert batch.file.read() == content
    assert card.events.get(kind="imported").import_batch == batch


def test_a_file_with_a_bad_row_shows_its_errors_and_changes_nothing(admin_client, card):
    rows = [HEADERS, ["2021-Q2", card.unit.code, "1", "1,5", "", "", ""]]
    before = dump()

    response = upload(admin_client, "scoring_score", "diem.csv", csv_bytes(rows, bom=True))

    page = response.content.decode()
    assert "Tiêu chí 1: điểm phải là một trong các mức 0, 1, 2." in page
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert dump() == before


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("diem.xlsx", b"period,unit\n", "không phải sổ tính Excel (.xlsx)"),
        ("diem.csv", "period\nQuý Hai\n".encode("utf-16"), "không phải văn bản UTF-8"),
    ],
)
def test_a_file_that_is_not_a_table_is_refused_next_to_the_field(
    admin_client, card, name, content, expected
):
    before = dump()

    response = upload(admin_client, "scoring_score", name, content)

    assert expected in str(response.context["form"].errors["import_file"])
    assert dump() == before


def test_units_and_dossier_statistics_import_from_the_admin(admin_client, period, tuan_giao):
    rows = [
        ["Mã đơn vị", "Tên đơn vị", "Tên ngắn", "Loại", "Mã đơn vị cấp trên"],
        ["X77", "Xã Mới", "Mới", "Xã", tuan_giao.district.code],
    ]
    preview = upload(admin_client, "units_unit", "don-vi.csv", csv_bytes(rows))
    assert "X77" in preview.content.decode()
    assert confirm(admin_client, "units_unit", preview).status_code == 302
    assert Unit.objects.get(code="X77").parent == tuan_giao.district

    unit = tuan_giao.communes[0]
    preview = upload(
        admin_client, "scoring_dossierstats", "bieu.xlsx", xlsx_bytes([STATS_VI, stats_row(unit)])
    )
    assert confirm(admin_client, "scoring_dossierstats", preview).status_code == 302
    assert DossierStats.objects.get(unit=unit).received_online == 1234
    assert Score.objects.get(scorecard__unit=unit, criterion__code="1").suggested_points is not None


def test_the_admin_exports_scores_as_values(admin_client, card):
    card.scores.filter(criterion__code="1").update(self_note="=1+1")
    fields = {f"scoreresource_{name}": "on" for name in HEADERS}

    response = admin_client.post(
        reverse("admin:scoring_score_export"), {"format": "0", "resource": "0", **fields}
    )

    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(HEADERS)
    assert f"2021-Q2,{card.unit.code},1,,'=1+1,," in text


def stats_form(unit, **changes) -> dict:
    data = dict(zip(STATS, stats_row(unit), strict=True))
    data.update({key: value.replace(".", "") for key, value in data.items() if key != "unit"})
    data.update(unit=unit.pk, import_batch="", **changes)
    return data


def suggested(unit):
    return Score.objects.get(scorecard__unit=unit, criterion__code="1").suggested_points


def test_editing_statistics_in_the_admin_recomputes_the_suggestions(
    admin_client, period, tuan_giao
):
    unit = tuan_giao.communes[0]
    assert suggested(unit) is None

    added = admin_client.post(reverse("admin:scoring_dossierstats_add"), stats_form(unit))
    assert added.status_code == 302
    stats = DossierStats.objects.get(unit=unit)
    assert suggested(unit) is not None

    moved = admin_client.post(
        reverse("admin:scoring_dossierstats_change", args=[stats.pk]),
        stats_form(unit, quarter="3"),
    )
    assert moved.status_code == 302
    assert suggested(unit) is None  # the figures left 2021-Q2

    admin_client.post(
        reverse("admin:scoring_dossierstats_change", args=[stats.pk]), stats_form(unit)
    )
    assert suggested(unit) is not None
    admin_client.post(
        reverse("admin:scoring_dossierstats_delete", args=[stats.pk]), {"post": "yes"}
    )
    assert not DossierStats.objects.exists()
    assert suggested(unit) is None


def test_the_preview_escapes_the_file_s_text(admin_client, card):
    rows = [HEADERS, ["2021-Q2", card.unit.code, "1", "2", "<script>alert(1)</script>", "", ""]]

    page = upload(admin_client, "scoring_score", "diem.csv", csv_bytes(rows)).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page
