"""The "Số liệu hồ sơ" page of a period: upload → preview (old → new) → confirm → figures;
the same file twice, refused files, other users' staged files, cancelling; the figures with
their rates, sorted and downloaded; a constant number of queries."""

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from imports.figures import FigureRow, columns
from scoring.models import DossierStats, ImportBatch, PeriodStatus, SurveySummary
from scoring.periods import open_period
from tests.clients import client_for, flashes
from tests.factories import MembershipFactory, district
from tests.imports.bieu06_files import FIELDS, bieu06, figures
from units.models import Role

pytestmark = pytest.mark.django_db

XLSX = "bieu-06-quy-2.xlsx"


def url(period, name: str = "imports:figures") -> str:
    return reverse(name, args=[period.pk])


def upload(client, period, content: bytes, *, name: str = XLSX, kind: str = "bieu06"):
    file = SimpleUploadedFile(name, content)
    return client.post(url(period, "imports:upload"), {"kind": kind, "file": file})


def confirm(client, period, response, *, kind: str = "bieu06"):
    token = response.context["result"].token
    return client.post(url(period, "imports:confirm"), {"token": token, "kind": kind})


def pending_files() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "imports" / "pending"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", "scoring", "units", "criteria", "auth", stdout=out)
    return out.getvalue()


def stats_of(unit) -> list[int]:
    stats = DossierStats.objects.get(unit=unit, year=2021, quarter=2)
    return [getattr(stats, field) for field in FIELDS]


def as_fields(values: list[int]) -> dict[str, int]:
    return dict(zip(FIELDS, values, strict=True))


def sheet(units, **overrides) -> bytes:
    """A Biểu 06 of the district's scored units, all with ``figures()`` unless overridden
    (unit → figures)."""
    return bieu06([(u.name, overrides.get(u.code, figures())) for u in units])


@pytest.fixture(autouse=True)
def default_language():
    # The pages activate the request's language (English for these clients) and leave it
    # active: give the next tests the default back.
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def units(tuan_giao):
    return tuan_giao.scored


# --- Upload → preview → confirm ---------------------------------------------------------------


def test_a_reviewer_previews_the_changes_old_to_new_and_confirms_them(
    reviewer_client, reviewer, period, units
):
    first = units[0]
    DossierStats.objects.create(unit=first, year=2021, quarter=2, **as_fields(figures()))
    content = sheet(units, **{first.code: figures(early=31, overdue=0)})

    response = upload(reviewer_client, period, content)

    assert response.status_code == 200
    result = response.context["result"]
    assert (result.preview.added, result.preview.changed, result.preview.unchanged) == (4, 1, 0)
    with translation.override("en"):  # the page's language
        changed = next(row for row in result.changed_rows if row.kind == "update")
        assert changed.line == 8  # 4 title rows, 2 header rows, the numbers row, then the units
        assert changed.changes == [("Resolved early", "30", "31"), ("Resolved overdue", "1", "0")]
    assert "<del>30</del> → <strong>31</strong>" in response.content.decode()
    assert DossierStats.objects.count() == 1 and not ImportBatch.objects.exists()

    response = confirm(reviewer_client, period, response)

    assert response.status_code == 302 and response["Location"] == url(period)
    batch = ImportBatch.objects.get()
    assert flashes(response) == [
        f"Imported “{XLSX}” as batch no. {batch.pk}: 4 rows added, 1 changed, 0 unchanged."
    ]
    assert (batch.period, batch.imported_by, batch.rows, batch.added, batch.changed) == (
        period,
        reviewer,
        5,
        4,
        1,
    )
    assert stats_of(first) == figures(early=31, overdue=0)
    assert all(stats_of(unit) == figures() for unit in units[1:])
    assert pending_files() == []
    page = reviewer_client.get(url(period)).content.decode()
    assert XLSX in page and "Lò" not in page  # the batch is listed


def test_the_same_file_again_says_who_imported_it_and_when_and_offers_nothing(
    reviewer_client, reviewer, period, units
):
    content = sheet(units)
    confirm(reviewer_client, period, upload(reviewer_client, period, content))
    batch = ImportBatch.objects.get()

    response = upload(reviewer_client, period, content, name="again.xlsx")

    assert response.context["result"].earlier == batch
    page = response.content.decode()
    assert "This file was already imported on" in page
    assert reviewer.username in page or reviewer.get_full_name() in page
    assert 'id="confirm-form"' not in page
    assert pending_files() == []


def test_a_file_equal_to_the_figures_has_nothing_to_confirm(reviewer_client, period, units):
    for unit in units:
        DossierStats.objects.create(unit=unit, year=2021, quarter=2, **as_fields(figures()))

    response = upload(reviewer_client, period, sheet(units))

    assert response.context["result"].preview.unchanged == len(units)
    assert 'id="nothing-to-import"' in response.content.decode()
    assert 'id="confirm-form"' not in response.content.decode()
    assert pending_files() == []


def test_the_preview_names_the_units_left_out_of_the_file(reviewer_client, period, units):
    response = upload(reviewer_client, period, sheet(units[:3]))

    assert response.context["result"].missing_units == units[3:]


BAD = figures(early=300)  # more resolved than received: the model refuses it


@pytest.mark.parametrize(
    ("name", "content", "kind", "message"),
    [
        (XLSX, b"PK\x03\x04 not really", "bieu06", "is not an Excel (.xlsx) workbook"),
        ("notes.txt", b"unit,year\n", "bieu06", "is not a table file"),
        (XLSX, bieu06([("Xã Không Có", figures())]), "bieu06", "No unit of this period"),
        (
            "b.csv",
            b"STT,Ten don vi\n1,Xa A\n",
            "bieu06",
            "No Biểu 06 header in “b.csv”",
        ),
        (
            "stats.csv",
            b"unit,year,quarter,received_online\nX,2021,1,3\n",
            "dossier_stats",
            "2021-Q1",
        ),
        (
            "stats.csv",
            b"unit,year,quarter,colour\nX,2021,2,3\n",
            "dossier_stats",
            "Unknown columns",
        ),
    ],
)
def test_a_refused_file_changes_nothing_and_says_why_next_to_the_field(
    reviewer_client, period, units, name, content, kind, message
):
    before = dump()

    response = upload(reviewer_client, period, content, name=name, kind=kind)

    assert response.status_code == 200
    with translation.override("en"):  # the page's language
        assert any(message in error for error in response.context["form"].errors["file"])
    assert "Nothing was imported" in response.content.decode()
    assert dump() == before
    assert pending_files() == []


def test_a_row_the_model_refuses_rejects_the_whole_file_naming_its_line(
    reviewer_client, period, units
):
    before = dump()

    response = upload(reviewer_client, period, sheet(units, **{units[2].code: BAD}))

    errors = response.context["form"].errors["file"]
    assert len(errors) == 1 and errors[0].startswith("Row 10: ")
    assert dump() == before
    assert pending_files() == []


def test_units_outside_the_period_are_unknown_even_by_code(
    reviewer_client, period, units, other_district
):
    outsider = other_district.communes[0]
    content = f"unit,year,quarter,received_online\n{outsider.code},2021,2,3\n".encode()

    response = upload(reviewer_client, period, content, name="s.csv", kind="dossier_stats")

    assert response.context["form"].errors["file"] == [
        f"Row 2, column “unit”: No unit has the code “{outsider.code}”."
    ]
    assert not DossierStats.objects.exists()


def test_a_closed_period_takes_no_figures(reviewer_client, period, units):
    period.status = PeriodStatus.CLOSED
    period.save()

    response = upload(reviewer_client, period, sheet(units[:1]))

    assert "is closed" in response.context["form"].errors["file"][0]
    assert not DossierStats.objects.exists()


def test_another_users_staged_file_cannot_be_confirmed(reviewer_client, period, units, tuan_giao):
    staged = upload(reviewer_client, period, sheet(units))
    colleague = MembershipFactory(unit=tuan_giao.district, role=Role.REVIEWER).user
    token = staged.context["result"].token

    response = client_for(colleague).post(
        url(period, "imports:confirm"), {"token": token, "kind": "bieu06"}
    )

    assert flashes(response) == [
        "This upload is no longer waiting for confirmation; upload the file again."
    ]
    assert not DossierStats.objects.exists() and not ImportBatch.objects.exists()
    confirm(reviewer_client, period, staged)  # the owner still can
    assert DossierStats.objects.count() == len(units)


def test_cancelling_discards_the_staged_file(reviewer_client, period, units):
    staged = upload(reviewer_client, period, sheet(units))
    token = staged.context["result"].token

    response = reviewer_client.post(url(period, "imports:cancel"), {"token": token})

    assert flashes(response) == ["The upload was cancelled; nothing was imported."]
    assert pending_files() == []
    response = confirm(reviewer_client, period, staged)
    assert flashes(response)[-1] == (
        "This upload is no longer waiting for confirmation; upload the file again."
    )
    assert not DossierStats.objects.exists()


def test_dossier_statistics_and_surveys_in_the_contract_columns_import_too(
    reviewer_client, period, units
):
    unit = units[0]
    stats = f"unit,year,quarter,received_online,received_offline\n{unit.code},2021,2,4,40\n"
    survey = (
        f"Mã đơn vị;Năm;Quý;Số phiếu;Hài lòng;Điểm trung bình\n{unit.code};2021;2;20;19;7: 1,9\n"
    )

    for name, content, kind in [("s.csv", stats, "dossier_stats"), ("k.csv", survey, "surveys")]:
        response = upload(reviewer_client, period, content.encode(), name=name, kind=kind)
        confirm(reviewer_client, period, response, kind=kind)

    assert stats_of(unit)[1:3] == [4, 40]
    summary = SurveySummary.objects.get(unit=unit)
    assert (summary.forms, summary.satisfied, summary.averages) == (20, 19, {"7": 1.9})
    assert ImportBatch.objects.filter(period=period).count() == 2


def test_confirming_refreshes_the_suggested_points(reviewer_client, period, units):
    card = period.scorecards.get(unit=units[0])
    score = card.scores.get(criterion__code="1")  # dossier timeliness
    assert score.suggested_points is None

    confirm(reviewer_client, period, upload(reviewer_client, period, sheet(units)))

    score.refresh_from_db()
    assert score.suggested_points is not None
    assert score.suggestion_batch == ImportBatch.objects.get()


# --- The figures ------------------------------------------------------------------------------


def test_leaders_see_the_figures_but_no_upload_form(client, leader, reviewer_client, period):
    leader_page = client_for(leader).get(url(period)).content.decode()
    reviewer_page = reviewer_client.get(url(period)).content.decode()

    assert 'id="figures"' in leader_page and 'id="upload-form"' not in leader_page
    assert 'id="upload-form"' in reviewer_page


def test_the_board_links_the_figures(reviewer_client, period):
    assert (
        url(period)
        in reviewer_client.get(reverse("scoring:board", args=[period.pk])).content.decode()
    )


def test_units_without_figures_are_shown_as_such(reviewer_client, period, units):
    DossierStats.objects.create(unit=units[0], year=2021, quarter=2, received_offline=3)

    page = reviewer_client.get(url(period)).content.decode()

    assert page.count("No dossier statistics imported for this quarter.") == len(units) - 1
    assert page.count("No survey") == len(units)


def test_rates_are_derived_and_written_the_vietnamese_way(reviewer, period, units):
    DossierStats.objects.create(
        unit=units[0],
        year=2021,
        quarter=2,
        **as_fields(figures(offline=1240, early=1230, on_time=10, overdue=1)),
    )
    SurveySummary.objects.create(unit=units[0], year=2021, quarter=2, forms=30, satisfied=29)
    client = Client()  # Vietnamese, the default
    client.force_login(reviewer)

    response = client.get(url(period))

    row = response.context["rows"][0].row
    assert row.on_time_rate == Decimal("0.9992")  # 1240 of 1241 resolved early or on time
    assert row.online_share == Decimal("0.0040")  # 5 of 1245 newly received
    assert row.satisfaction == Decimal("0.9667")
    page = response.content.decode()
    assert "Số liệu hồ sơ" in page
    for shown in ["1.247", "1.241", "99,9%", "0,4%", "96,7%"]:
        assert f">{shown}</td>" in page


def figures_with(period, units) -> None:
    rates = [(40, 0), (30, 10), (10, 30)]  # early + on time, overdue
    for unit, (good, late) in zip(units, rates, strict=False):
        DossierStats.objects.create(
            unit=unit,
            year=2021,
            quarter=2,
            received_offline=good + late,
            resolved_early=good,
            resolved_overdue=late,
        )


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("-on_time_rate", [0, 1, 2, 3, 4]),
        ("on_time_rate", [2, 1, 0, 3, 4]),
        ("-resolved_overdue", [2, 1, 0, 3, 4]),
        ("-received", [0, 1, 2, 3, 4]),  # equal: the units' order, also reversed
        ("no-such-column", [0, 1, 2, 3, 4]),
    ],
)
def test_the_figures_sort_by_any_column_with_units_without_figures_last(
    reviewer_client, period, units, sort, order
):
    figures_with(period, units)

    response = reviewer_client.get(url(period), {"sort": sort})

    assert [item.row.unit for item in response.context["rows"]] == [units[i] for i in order]


def test_the_column_headers_link_to_their_sort_and_back(reviewer_client, period):
    page = reviewer_client.get(url(period), {"sort": "resolved"}).content.decode()

    assert 'href="?sort=-resolved"' in page and 'href="?sort=received"' in page
    assert 'aria-sort="ascending"' in page


def test_the_figures_download_as_csv_with_values_and_no_formulas(reviewer_client, period, units):
    figures_with(period, units)
    units[1].name = '=HYPERLINK("http://x")'
    units[1].save()

    response = reviewer_client.get(url(period, "imports:figures_csv"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    with translation.override("en"):  # the page's language
        labels = [str(c.label) for c in columns()]
    assert rows[0] == ["Unit code", *labels]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert (first["Unit code"], first["Received"], first["On-time rate"]) == (
        units[0].code,
        "40",
        "1.0000",
    )
    assert rows[2][1] == '\'=HYPERLINK("http://x")'
    assert rows[4][2:] == [""] * (len(labels) - 1)  # no figures: empty cells
    assert len(rows) == 1 + len(units)


def test_the_figures_download_as_xlsx_with_values_and_no_formulas(reviewer_client, period, units):
    figures_with(period, units)
    units[1].name = "=1+1"
    units[1].save()

    response = reviewer_client.get(url(period, "imports:figures_xlsx"))

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("Unit code", "Unit", "Received")
    on_time = rows[1].index("On-time rate")
    assert rows[3][on_time] == 0.75 and sheet.cell(4, on_time + 1).number_format == "0.0%"
    assert sheet.cell(4, 2).value == "=1+1" and sheet.cell(4, 2).data_type == "s"


def test_a_figure_row_without_resolved_dossiers_has_no_on_time_rate(units):
    stats = DossierStats(unit=units[0], year=2021, quarter=2, received_online=3, pending_on_time=3)

    row = FigureRow(1, units[0], None, stats, None)

    assert (row.on_time_rate, row.online_share, row.satisfaction) == (None, Decimal(1), None)


def test_the_figures_page_runs_as_many_queries_for_many_units_as_for_few(reviewer, criteria_set):
    counts = []
    for size in (3, 15):
        place = district(n_communes=size, n_agencies=1)
        period = open_period(place.district, 2021, 2, criteria_set)
        for unit in place.scored:
            DossierStats.objects.create(unit=unit, year=2021, quarter=2, received_offline=3)
            SurveySummary.objects.create(unit=unit, year=2021, quarter=2, forms=3, satisfied=3)
        ImportBatch.objects.create(kind="dossier_stats", file_name="a.xlsx", period=period)
        client = client_for(MembershipFactory(unit=place.district, role=Role.REVIEWER).user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(period)).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]
