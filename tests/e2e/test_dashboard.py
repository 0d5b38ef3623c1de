"""The leader's dashboard of the demo quarter in Chromium, wide and at phone width: the seed
report's counts in the chart's table, criterion 9 at zero for every unit in the heat map.
Screenshots are kept in test-artifacts/ (dashboard.png, dashboard-390px.png)."""

import pytest
from playwright.sync_api import Page, expect

from scoring.models import Period
from tests.e2e.conftest import ARTIFACTS, build_demo_beside_the_browser, log_in_demo

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The seed report: agencies 9 xuất sắc + 4 không phát sinh TTHC; communes 11 xuất sắc + 8 tốt.
# Columns: the five bands best first, no procedure arose, not approved yet, all units.
SEED = {
    "Các cơ quan, đơn vị": ["9", "0", "0", "0", "0", "4", "0", "13"],
    "Các xã, thị trấn": ["11", "8", "0", "0", "0", "0", "0", "19"],
}


def band_table(page: Page) -> dict[str, list[str]]:
    rows = {}
    for row in page.locator("#band-table tbody tr").all():
        rows[row.locator("th").inner_text().strip()] = [
            cell.strip() for cell in row.locator("td").all_inner_texts()
        ]
    return rows


@pytest.mark.parametrize(("width", "shot"), [(1280, "dashboard.png"), (390, "dashboard-390px.png")])
def test_the_leader_sees_the_seed_counts_and_criterion_9_at_zero(browser, live_server, width, shot):
    build_demo_beside_the_browser()
    period = Period.objects.get(organizer__short_name="Tuần Giáo", year=2021, quarter=2)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
    page = context.new_page()
    try:
        log_in_demo(page, live_server.url, "lanhdao")
        page.goto(live_server.url + "/")
        page.locator(f"a[href='/periods/{period.pk}/dashboard/']").click()
        expect(page.locator("main h1")).to_contain_text("Quý II năm 2021")

        assert band_table(page) == SEED
        chart = page.locator("#results img.chart")
        expect(chart).to_be_visible()
        assert chart.evaluate("img => img.naturalWidth") > 0  # the SVG decoded and drew
        nine = page.locator('#heat-table td[data-criterion="9"]')
        assert nine.count() == 28  # every unit with procedures: 9 agencies + 19 communes
        assert set(nine.all_inner_texts()) == {"0"}
        assert set(nine.evaluate_all("cells => cells.map(c => c.className)")) == {"num lv-zero"}
        expect(page.locator("#nobody")).to_be_visible()
        # Readable on a phone: nothing pushes the page sideways; wide tables scroll in place.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        expect(page.locator("#band-table")).to_be_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / shot, full_page=True)
    finally:
        context.close()
