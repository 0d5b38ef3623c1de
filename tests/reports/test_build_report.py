"""``manage.py build_report``: a period's report as PDF (and Excel) from the command line."""

from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import load_workbook

from scoring.domain import Entry, Transition, record_review, transition
from tests.factories import criterion_ids
from tests.reports.conftest import normalise, pdf_text, reopen, signature_validation

pytestmark = pytest.mark.django_db


def build(period, output, *options: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command(
            "build_report",
            "--organizer",
            period.organizer.code,
            "--period",
            f"{period.year}-Q{period.quarter}",
            "--output",
            str(output),
            *options,
            stdout=out,
        )
    return out.getvalue()


def refused(period, output, *options: str) -> CommandError:
    with pytest.raises(CommandError) as excinfo:
        build(period, output, *options)
    return excinfo.value


def test_a_draft_is_built_from_unapproved_scorecards_and_marked(period, tmp_path):
    output = tmp_path / "du-thao.pdf"

    log = build(period, output, "--draft")

    assert "DỰ THẢO" in normalise(pdf_text(output.read_bytes(), raw=True))
    assert f"Wrote {output} (" in log


def test_without_draft_every_scorecard_must_be_approved(scored_period, tuan_giao, tmp_path):
    reopen(scored_period.scorecards.get(unit=tuan_giao.communes[0]))
    output = tmp_path / "bao-cao.pdf"

    error = refused(scored_period, output)

    assert (str(error), error.returncode) == (
        "1 scorecard is not approved; approve it or use --draft.",
        1,
    )
    assert not output.exists()


def test_an_approved_period_builds_an_unmarked_report(scored_period, tmp_path):
    output = tmp_path / "bao-cao.pdf"

    build(scored_period, output)

    text = normalise(pdf_text(output.read_bytes(), raw=True))
    assert "DỰ THẢO" not in text
    assert "Các xã: 03 đơn vị đạt xuất sắc." in text


def test_it_also_writes_the_table_to_excel(period, tmp_path):
    workbook_path = tmp_path / "bieu.xlsx"

    build(period, tmp_path / "du-thao.pdf", "--draft", "--xlsx", str(workbook_path))

    ws = load_workbook(BytesIO(workbook_path.read_bytes())).worksheets[0]
    assert ws["A1"].value == "BIỂU CHẤM ĐIỂM, ĐÁNH GIÁ VIỆC GIẢI QUYẾT TTHC QUÝ II NĂM 2021"


def test_it_signs_with_the_demo_certificate(scored_period, demo_signing, tmp_path):
    output = tmp_path / "da-ky.pdf"

    build(scored_period, output, "--sign")

    assert signature_validation(output.read_bytes()) == "Signature is Valid."


def test_signing_without_a_certificate_names_what_is_missing(scored_period, settings, tmp_path):
    settings.SIGNING_DEMO = False
    settings.SIGNING_PKCS12_PATH = ""
    output = tmp_path / "da-ky.pdf"

    error = refused(scored_period, output, "--sign")

    assert str(error) == "No signing certificate is configured (SIGNING_PKCS12_PATH)."
    assert not output.exists()


def test_an_unknown_period_is_refused(period, tmp_path):
    with translation.override("en"), pytest.raises(CommandError) as excinfo:
        call_command(
            "build_report",
            "--organizer",
            period.organizer.code,
            "--period",
            "2021-Q3",
            "--output",
            str(tmp_path / "x.pdf"),
        )

    assert str(excinfo.value) == f"{period.organizer.code} has no period 2021-Q3."


def test_a_malformed_period_is_refused(period, tmp_path):
    with translation.override("en"), pytest.raises(CommandError) as excinfo:
        call_command(
            "build_report",
            "--organizer",
            period.organizer.code,
            "--period",
            "Q2/2021",
            "--output",
            str(tmp_path / "x.pdf"),
        )

    assert str(excinfo.value) == "The period must look like 2021-Q2."


def test_an_approved_report_is_rebuilt_from_its_frozen_results(
    approved_report, tuan_giao, tmp_path
):
    unit = tuan_giao.communes[0]
    card = reopen(approved_report.period.scorecards.get(unit=unit))
    ids = criterion_ids(card)
    card = record_review(card, {ids["1"]: Entry(Decimal(0), "Còn hồ sơ trễ hẹn")})
    transition(card, Transition.APPROVE)
    output = tmp_path / "bao-cao.pdf"

    build(approved_report.period, output)

    rows = [normalise(line) for line in pdf_text(output.read_bytes(), raw=True).splitlines()]
    assert f"1 {unit.name} 2 2 2 2 2 2 2 2 2 18 18 Xuất sắc 1" in rows


def test_a_draft_of_an_approved_report_shows_the_current_results(
    approved_report, tuan_giao, tmp_path
):
    unit = tuan_giao.communes[0]
    card = reopen(approved_report.period.scorecards.get(unit=unit))
    ids = criterion_ids(card)
    record_review(card, {ids["1"]: Entry(Decimal(0), "Còn hồ sơ trễ hẹn")})
    output = tmp_path / "du-thao.pdf"

    build(approved_report.period, output, "--draft")

    rows = [normalise(line) for line in pdf_text(output.read_bytes(), raw=True).splitlines()]
    assert f"1 {unit.name} 0 2 2 2 2 2 2 2 2 18 16 Xuất sắc 3" in rows
