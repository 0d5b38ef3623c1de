"""Every resource refuses a file that is not a readable table before reading a row of it,
with a sentence, and the database is unchanged."""

import pytest

from scoring.resources import (
    DossierStatsResource,
    IndicatorFigureResource,
    ScorecardResource,
    ScoreResource,
    SurveySummaryResource,
)
from tests.imports.filekit import csv_bytes, refusal, xlsx_bytes
from units.resources import UnitResource

pytestmark = pytest.mark.django_db

RESOURCES = [
    UnitResource,
    ScorecardResource,
    ScoreResource,
    DossierStatsResource,
    SurveySummaryResource,
    IndicatorFigureResource,
]


def header_of(resource) -> list[str]:
    return [f.column_name for f in resource().get_import_fields()]


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.__name__)
@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "bang.xlsx",
            lambda headers: csv_bytes([headers]),
            "Nội dung tệp “bang.xlsx” không phải sổ tính Excel (.xlsx).",
        ),
        (
            "bang.xlsx",
            lambda headers: xlsx_bytes([headers])[:300],
            "Nội dung tệp “bang.xlsx” không phải sổ tính Excel (.xlsx).",
        ),
        (
            "bang.csv",
            lambda headers: ",".join(headers).encode() + "\nHuyện Tuần Giáo\n".encode("utf-16"),
            "“bang.csv” không phải văn bản UTF-8.",
        ),
        (
            "bang.csv",
            lambda headers: xlsx_bytes([headers]),
            "“bang.csv” không phải",
        ),
    ],
    ids=["xlsx-not-a-zip", "xlsx-truncated", "csv-not-utf8", "csv-binary"],
)
def test_a_file_that_is_not_a_table_changes_nothing(period, resource, name, content, expected):
    assert expected in refusal(resource(), name, content(header_of(resource)))


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.__name__)
def test_too_many_rows_and_too_many_bytes_are_refused_before_reading(period, resource, settings):
    headers = header_of(resource)
    content = csv_bytes([headers] + [["x"] * len(headers)] * 4)

    settings.IMPORT_MAX_ROWS = 3
    assert "“bang.csv” có 4 dòng, vượt quá giới hạn 3 dòng." in refusal(
        resource(), "bang.csv", content
    )
    settings.IMPORT_MAX_ROWS = 100
    settings.IMPORT_MAX_BYTES = len(content) - 1
    assert "vượt quá giới hạn" in refusal(resource(), "bang.csv", content)
