"""The unit's Excel round trip in a real browser: download the scoring sheet from the
scorecard, fill it in (openpyxl, as a spreadsheet would), upload it, read the preview, confirm;
the scorecard shows the new values and its history the import. Also on a phone-sized screen.

The sheet is written in the interface's language (Vietnamese here): columns are found by
their Vietnamese headers, as a district official would read them.
"""

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from scoring.models import ImportBatch
from tests.e2e.conftest import World
from tests.e2e.test_roles import log_in
from tests.factories import self_score

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def fill_sheet(path: Path, changes: dict[str, tuple]) -> None:
    """Write (points, explanation) per criterion code into the downloaded sheet."""
    book = load_workbook(path)
    ws = book.active
    header = next(r for r in ws.iter_rows() if r[0].value == "Mã tiêu chí")
    columns = {cell.value: cell.column for cell in header}
    for row in range(header[0].row + 1, ws.max_row + 1):
        code = ws.cell(row, columns["Mã tiêu chí"]).value
        if code in changes:
            points, note = changes[code]
            ws.cell(row, columns["Điểm tự chấm"]).value = points
            ws.cell(row, columns["Giải trình"]).value = note
    book.save(path)


def test_a_unit_fills_its_sheet_offline_and_uploads_it(
    page: Page, live_server, world: World, tmp_path
):
    base, w, ids = live_server.url, world, world.criteria
    self_score(w.card, 1)
    page.set_viewport_size({"width": 375, "height": 740})  # a phone

    # (1) From the scorecard, download the sheet.
    log_in(page, base, "staff")
    expect(page).to_have_url(re.compile(rf"/scorecards/{w.card.pk}/$"))
    with page.expect_download() as info:
        page.locator("#sheet-download-link").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = tmp_path / "bang-cham-diem.xlsx"
    download.save_as(sheet)

    # (2) Offline: criterion 2 up to 2 points, criterion 8 down to 0, with explanations.
    fill_sheet(sheet, {"2": (2, "Đúng hạn 100%"), "8": (0, "Có 01 phản ánh chưa xử lý")})

    # (3) Upload it and read the preview: exactly the two criteria, old → new.
    page.locator("#sheet-upload-link").click()
    page.locator("#sheet-upload input[type=file]").set_input_files(sheet)
    page.locator("#sheet-upload button").click()
    preview = page.locator("#sheet-preview")
    expect(preview.locator("tbody tr")).to_have_count(2)
    expect(preview.locator("#change-2")).to_contain_text("1 → 2")
    expect(preview.locator("#change-8")).to_contain_text("1 → 0")
    expect(preview.locator("#change-8")).to_contain_text("Có 01 phản ánh chưa xử lý")
    overflow = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1] + 1, f"page is {overflow[0]}px wide on a 375px screen"

    # (4) Confirm: back on the scorecard, a draft with the new values.
    page.locator("#sheet-confirm button[value=confirm]").click()
    expect(page).to_have_url(re.compile(rf"/scorecards/{w.card.pk}/$"))
    expect(page.locator(".messages .msg-success")).to_contain_text("bang-cham-diem.xlsx")
    expect(page.locator(".cardhead .badge.st-draft")).to_be_visible()
    expect(page.locator(f"select[name=points_{ids['2']}]")).to_have_value("2")
    expect(page.locator(f"select[name=points_{ids['8']}]")).to_have_value("0")
    expect(page.locator(f"textarea[name=note_{ids['8']}]")).to_have_value(
        "Có 01 phản ánh chưa xử lý"
    )
    expect(page.locator("#self-total")).to_have_text("9")

    # (5) The history records the save as coming from the sheet.
    page.locator(f"a[href='/scorecards/{w.card.pk}/history/']").click()
    batch = ImportBatch.objects.get()
    newest = page.locator("ol.history li").first
    expect(newest.locator(".note")).to_contain_text(f"“{batch.file_name}”")
    expect(newest.locator(".note")).to_contain_text(f"số {batch.pk}")
    assert page.js_errors == []
