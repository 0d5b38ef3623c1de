"""Every role's main pages work in Chromium under the Content-Security-Policy: the browser
reports no refused script, style or image, and the pages' scripts run."""

import pytest
from playwright.sync_api import Page, expect

from reports.domain import report_for
from scoring.domain import Transition, transition
from tests.e2e.conftest import World
from tests.e2e.test_roles import log_in, log_out
from tests.factories import self_score

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_no_page_of_any_role_breaks_the_content_security_policy(
    page: Page, live_server, world: World
):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    base, w = live_server.url, world
    other = w.period.scorecards.exclude(pk=w.card.pk).first()
    transition(self_score(other, 2), Transition.SUBMIT)
    report_for(w.period)

    log_in(page, base, "staff")
    page.locator(f"select[name=points_{w.criteria['1']}]").select_option("2")
    expect(page.locator("#running-total")).to_have_text("2")  # the page's own script runs
    for path in (f"/scorecards/{w.card.pk}/history/", f"/units/{w.card.unit_id}/results/", "/"):
        page.goto(base + path)
    log_out(page)

    log_in(page, base, "reviewer")
    for path in (
        f"/periods/{w.period.pk}/",
        f"/periods/{w.period.pk}/?sort=-self",
        f"/scorecards/{other.pk}/review/",
        f"/periods/{w.period.pk}/results/",
        f"/periods/{w.period.pk}/dashboard/",
        f"/periods/{w.period.pk}/compare/",
        f"/periods/{w.period.pk}/figures/",
        "/periods/open/",
    ):
        page.goto(base + path)
        expect(page.locator("main h1")).to_be_visible()
    log_out(page)

    log_in(page, base, "leader")
    page.goto(f"{base}/periods/{w.period.pk}/report/")
    expect(page.locator("#approval")).to_be_visible()

    assert violations == []
    assert page.js_errors == []
