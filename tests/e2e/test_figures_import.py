"""The demo's reviewer imports the sample Biểu 06 file in a real browser: upload, preview rows,
confirm, the figures; then the review page shows the suggestion the new figures give.

The demo already holds the sample's figures (the sample is built from them), so before the
upload two communes' statistics are removed and one is altered, as if the provincial system's
file came in after a partial entry by hand: confirming then really adds and changes rows.
"""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from scoring.domain import refresh_suggestions
from scoring.models import DossierStats, ImportBatch, Period, Score
from tests.e2e.conftest import build_demo_beside_the_browser, log_in_demo

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SAMPLE = Path(settings.BASE_DIR) / "docs" / "samples" / "bieu-06-tuan-giao-2021-q2.xlsx"


@pytest.fixture
def demo() -> Period:
    build_demo_beside_the_browser()
    period = Period.objects.get(organizer__code="tuan-giao", year=2021, quarter=2)
    DossierStats.objects.filter(unit__code__in=["tg-quai-to", "tg-na-tong"]).delete()
    DossierStats.objects.filter(unit__code="tg-muong-khong").update(resolved_early=100)
    refresh_suggestions(period)
    return period


def test_the_reviewer_imports_the_sample_bieu06_and_sees_figures_and_suggestions(
    page: Page, live_server, demo: Period
):
    base = live_server.url
    card = demo.scorecards.get(unit__code="tg-quai-to")
    timeliness = Score.objects.get(scorecard=card, criterion__code="1")
    assert timeliness.suggested_points is None  # no statistics for Quài Tở yet

    log_in_demo(page, base, "thamdinh")
    page.locator(f"a[href='/periods/{demo.pk}/']").first.click()
    page.locator(f"a[href='/periods/{demo.pk}/figures/']").click()
    expect(page.locator("#unit-tg-quai-to")).to_have_class("no-figures")

    upload = page.locator("#upload-form")
    expect(upload.locator("input[value=bieu06]")).to_be_checked()
    upload.locator("input[type=file]").set_input_files(SAMPLE)
    upload.locator("button.primary").click()

    rows = page.locator("#preview-rows tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#preview-rows tr.change-new")).to_have_count(2)
    expect(page.locator("#preview-rows tr.change-new").first).to_contain_text("Xã Nà Tòng")
    expect(page.locator("#preview-rows tr.change-new").last).to_contain_text("Xã Quài Tở")
    changed = page.locator("#preview-rows tr.change-update")
    expect(changed).to_contain_text("Xã Mường Khong")
    expect(changed.locator("del")).to_have_text("100")
    expect(changed.locator("strong")).to_have_text("105")
    expect(page.locator("#preview-counts strong")).to_have_text(["2", "1", "29"])
    assert not ImportBatch.objects.exists()  # nothing until confirmed

    page.locator("#confirm-form button").click()

    expect(page).to_have_url(f"{base}/periods/{demo.pk}/figures/")
    expect(page.locator(".msg-success")).to_contain_text(SAMPLE.name)
    quai_to = page.locator("#unit-tg-quai-to")
    expect(quai_to).not_to_have_class("no-figures")
    expect(quai_to.locator("td.num").nth(1)).to_have_text("129")  # received in all
    expect(page.locator("#batches")).to_contain_text(SAMPLE.name)
    batch = ImportBatch.objects.get()
    assert (batch.period, batch.imported_by.username, batch.added, batch.changed) == (
        demo,
        "thamdinh",
        2,
        1,
    )

    page.goto(f"{base}/scorecards/{card.pk}/review/")
    suggested = page.locator("tr#c1 td").nth(2)
    expect(suggested.locator("span").first).to_have_text("1")  # 6 of 129 late: within 10%
    expect(suggested).to_contain_text("129")
    expect(suggested).to_contain_text(SAMPLE.name)
    assert page.js_errors == []
