"""Fuzzing the doors files come in by (hypothesis): random bytes as evidence, random CSV and
XLSX shapes with random header names as imports. Never a server error, never a partial write:
a refused file changes nothing, and what is accepted is only ever staged for a preview."""

import csv
import io
import string

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE as ILLEGAL

from scoring.models import DossierStats, Evidence, ImportBatch, Scorecard, SurveySummary
from tests.scoring.test_evidence import field, form_data

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NAMES = st.sampled_from(
    ["a.pdf", "b.png", "c.jpg", "d.docx", "e.xlsx", "f.doc", "g.exe", "h", "i.PDF", "j.txt"]
)
HEADERS = st.lists(
    st.one_of(
        st.sampled_from(["unit", "year", "quarter", "received_online", "Tên đơn vị", "STT"]),
        st.text(string.ascii_letters + "ăâđêôơư _", min_size=0, max_size=12),
    ),
    min_size=0,
    max_size=8,
)
CELLS = st.one_of(
    st.none(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=20),
)


def state(card) -> tuple:
    fresh = Scorecard.objects.get(pk=card.pk)
    return (fresh.version, fresh.events.count(), Evidence.objects.count())


@FUZZ
@given(content=st.binary(max_size=4096), name=NAMES)
def test_random_bytes_as_evidence_never_break_the_page_or_half_save(
    staff_client, card, content, name
):
    before = state(card)
    data = form_data(card)
    data[field(card, "6")] = SimpleUploadedFile(name, content, "application/octet-stream")

    response = staff_client.post(reverse("scoring:scorecard", args=[card.pk]), data)

    assert response.status_code in (200, 302)
    if response.status_code == 200:  # refused: nothing at all was written
        assert state(card) == before


def csv_file(headers, rows, separator) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def xlsx_file(headers, rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append([ILLEGAL.sub("", header) for header in headers])
    for row in rows:  # a workbook cannot hold control characters: writing it would refuse
        sheet.append([ILLEGAL.sub("", v) if isinstance(v, str) else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def stored() -> tuple:
    return (
        DossierStats.objects.count(),
        SurveySummary.objects.count(),
        ImportBatch.objects.count(),
    )


@FUZZ
@given(
    headers=HEADERS,
    rows=st.lists(st.lists(CELLS, max_size=8), max_size=6),
    kind=st.sampled_from(["bieu06", "dossier_stats", "surveys"]),
    shape=st.sampled_from(["csv,", "csv;", "xlsx", "bytes"]),
    noise=st.binary(max_size=512),
)
def test_random_tables_never_break_the_import_or_write_anything_before_confirmation(
    reviewer_client, period, headers, rows, kind, shape, noise
):
    if shape == "xlsx":
        content, name = xlsx_file(headers, rows), "bang.xlsx"
    elif shape == "bytes":
        content, name = noise, "bang.xlsx"
    else:
        content, name = csv_file(headers, rows, shape[-1]), "bang.csv"
    before = stored()

    response = reviewer_client.post(
        reverse("imports:upload", args=[period.pk]),
        {"kind": kind, "file": SimpleUploadedFile(name, content)},
    )

    assert response.status_code == 200  # the form with its errors, or the preview
    assert stored() == before  # a preview stages the file; only "confirm" writes
