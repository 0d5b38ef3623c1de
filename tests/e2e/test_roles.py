"""The three roles in a real browser: a commune scores and submits, the district reviews,
returns and approves, the leader only looks.

Elements are found by name, role and ``st-<status>`` classes rather than by Vietnamese text;
the band labels ("Xuất sắc", "Tốt") are data from the criteria set, not translations.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from scoring.domain import Transition, transition
from tests.e2e.conftest import PASSWORD, World
from tests.factories import self_score

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CODES = [str(n) for n in range(1, 10)]  # TT 01/2018: nine criteria, 0/1/2 points each


# ---------------------------------------------------------------------------------------------
# Helpers


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    form = page.locator("main form[method=post]")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page.locator(".usernav .who")).to_have_text(username)
    page.wait_for_load_state("load")  # the deferred scripts (confirmation dialogs) are in


def log_out(page: Page) -> None:
    page.locator(".usernav form button").click()
    expect(page.locator("input[name=username]")).to_be_visible()


def board_row(page: Page, unit_name: str):
    link = page.get_by_role("link", name=unit_name, exact=True)
    return page.locator("table.board tbody tr").filter(has=link)


def open_review_from_board(page: Page, w: World) -> None:
    """From the reviewer's home: the period's board, then the unit's review page."""
    page.locator(f"a[href='/periods/{w.period.pk}/']").click()
    expect(page.locator("table.board").first).to_be_visible()
    board_row(page, w.unit_name).get_by_role("link", name=w.unit_name, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/scorecards/{w.card.pk}/review/$"))


# ---------------------------------------------------------------------------------------------
# The workflow, in order, through the browser only


def test_commune_submits_reviewer_returns_commune_resubmits_reviewer_approves(
    page: Page, live_server, world: World, evidence_pdf
):
    base, w, ids = live_server.url, world, world.criteria
    header = page.locator(".cardhead")

    # (1) The commune scores every criterion, explains, attaches a PDF and submits.
    log_in(page, base, "staff")
    # One editable scorecard and no boards to oversee: home goes straight to it.
    expect(page).to_have_url(re.compile(rf"/scorecards/{w.card.pk}/$"))
    expect(header.locator(".badge.st-draft")).to_be_visible()
    for code in CODES:
        page.locator(f"select[name=points_{ids[code]}]").select_option("2")
        page.locator(f"textarea[name=note_{ids[code]}]").fill(f"Chỉ số {code}: theo sổ theo dõi")
    for code in ("5", "6", "8"):  # the criteria that require a file
        page.locator(f"input[name=evidence_{ids[code]}]").set_input_files(evidence_pdf)
    expect(page.locator("#running-total")).to_have_text("18")
    expect(page.locator("#running-band")).to_have_text("Xuất sắc")
    page.locator("button[name=action][value=submit]").click()

    expect(header.locator(".badge.st-submitted")).to_be_visible()
    expect(page.locator(".messages .msg-success")).to_be_visible()
    expect(page.locator("#self-total")).to_have_text("18")
    expect(page.locator("#band")).to_have_text("Xuất sắc")
    expect(page.locator("#c5 .evidence a")).to_have_text(evidence_pdf.name)
    expect(page.locator("select[name^=points_]")).to_have_count(0)  # read-only once submitted
    log_out(page)

    # (2) The reviewer opens the board, then the unit; lowers criterion 3 and returns it.
    log_in(page, base, "reviewer")
    page.locator(f"a[href='/periods/{w.period.pk}/']").click()
    row = board_row(page, w.unit_name)
    expect(row.locator(".badge.st-submitted")).to_be_visible()
    expect(row.locator("input[name=cards]")).to_have_count(1)  # bulk approval is offered
    row.get_by_role("link", name=w.unit_name, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/scorecards/{w.card.pk}/review/$"))

    evidence = page.locator("#c5 .evidence a")
    expect(evidence).to_have_text(evidence_pdf.name)
    served = page.request.get(base + evidence.get_attribute("href"))
    assert served.ok
    assert served.headers["content-type"] == "application/pdf"
    assert served.body() == evidence_pdf.read_bytes()

    form = page.locator("#review-form")
    form.locator(f"select[name=points_{ids['3']}]").select_option("1")
    form.locator(f"textarea[name=reason_{ids['3']}]").fill("Có 01 hồ sơ phải bổ sung")
    form.locator(f"textarea[name=comment_{ids['3']}]").fill("Kiểm tra lại sổ tiếp nhận")
    form.locator("textarea[name=note]").fill("Đề nghị rà soát chỉ số 3 và 7")
    form.locator("button[name=action][value=return]").click()

    expect(header.locator(".badge.st-returned")).to_be_visible()
    expect(page.locator(".messages .msg-success")).to_be_visible()
    log_out(page)

    # (3) The commune reads the comments, corrects its scores and resubmits.
    log_in(page, base, "staff")
    expect(page).to_have_url(re.compile(rf"/scorecards/{w.card.pk}/$"))
    expect(header.locator(".badge.st-returned")).to_be_visible()
    expect(page.locator("main > .msg-warning")).to_contain_text("Đề nghị rà soát chỉ số 3 và 7")
    expect(page.locator("#c3 .msg-warning")).to_contain_text("Kiểm tra lại sổ tiếp nhận")
    expect(page.locator("#c3")).to_contain_text("Có 01 hồ sơ phải bổ sung")  # reviewed points
    expect(page.locator(f"select[name=points_{ids['3']}]")).to_have_value("2")
    page.locator(f"select[name=points_{ids['7']}]").select_option("1")
    page.locator(f"select[name=points_{ids['9']}]").select_option("0")
    page.locator(f"textarea[name=note_{ids['3']}]").fill("Đã rà soát: 01 hồ sơ phải bổ sung")
    expect(page.locator("#running-total")).to_have_text("15")
    page.locator("button[name=action][value=submit]").click()

    expect(header.locator(".badge.st-submitted")).to_be_visible()
    expect(page.locator("#self-total")).to_have_text("15")
    expect(page.locator("#c5 .evidence a")).to_have_text(evidence_pdf.name)  # file kept
    log_out(page)

    # (4) The reviewer sees the new self points, keeps the adjustment and approves.
    log_in(page, base, "reviewer")
    open_review_from_board(page, w)
    expect(page.locator("#c7 td.num").first).to_have_text("1")
    expect(page.locator("#c9 td.num").first).to_have_text("0")
    form = page.locator("#review-form")
    expect(form.locator(f"select[name=points_{ids['3']}]")).to_have_value("1")
    form.locator("button[name=action][value=approve]").click()

    expect(header.locator(".badge.st-approved")).to_be_visible()
    expect(page.locator("#review-form select")).to_have_count(0)

    # (5) The board shows it approved: self 15, final 14 (criterion 3 lowered), band "Tốt".
    page.locator(f"nav.crumbs a[href='/periods/{w.period.pk}/']").click()
    row = board_row(page, w.unit_name)
    expect(row.locator(".badge.st-approved")).to_be_visible()
    expect(row.locator("td.num")).to_have_text(["15", "14"])
    expect(row.locator("td.num + td:not(.num)")).to_have_text("Tốt")  # the band column
    expect(row.locator("input[name=cards]")).to_have_count(0)
    expect(page.locator(".counts li.st-approved strong")).to_have_text("1")
    assert page.js_errors == []


# ---------------------------------------------------------------------------------------------
# Phone


def test_scorecard_fits_a_phone_and_totals_as_you_type(page: Page, live_server, world: World):
    page.set_viewport_size({"width": 375, "height": 740})
    log_in(page, live_server.url, "staff")
    expect(page).to_have_url(re.compile(rf"/scorecards/{world.card.pk}/$"))

    overflow = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1] + 1, f"page is {overflow[0]}px wide on a 375px screen"

    total, band = page.locator("#running-total"), page.locator("#running-band")
    expect(total).to_have_text("0")
    page.locator(f"select[name=points_{world.criteria['1']}]").select_option("2")
    expect(total).to_have_text("2")
    expect(band).to_have_text("Yếu")
    page.locator(f"select[name=points_{world.criteria['2']}]").select_option("1")
    expect(total).to_have_text("3")
    page.locator(f"select[name=points_{world.criteria['1']}]").select_option("")
    expect(total).to_have_text("1")
    assert page.js_errors == []


# ---------------------------------------------------------------------------------------------
# Leader


def test_leader_sees_the_board_read_only_and_the_results(page: Page, live_server, world: World):
    approved = self_score(world.card, 2)
    approved = transition(approved, Transition.SUBMIT)
    transition(approved, Transition.APPROVE)
    base, pk = live_server.url, world.period.pk

    log_in(page, base, "leader")
    page.locator(f"a[href='/periods/{pk}/']").click()
    expect(page.locator("table.board").first).to_be_visible()
    row = board_row(page, world.unit_name)
    expect(row.locator(".badge.st-approved")).to_be_visible()
    expect(page.locator("input[name=cards]")).to_have_count(0)
    expect(page.locator(f"form[action='/periods/{pk}/approve/'] button")).to_have_count(0)
    # Units open as the unit sees them, not on the review page.
    link = row.get_by_role("link", name=world.unit_name, exact=True)
    expect(link).to_have_attribute("href", f"/scorecards/{world.card.pk}/")
    review = page.goto(f"{base}/scorecards/{world.card.pk}/review/")
    assert review.status == 403

    page.goto(f"{base}/periods/{pk}/")
    page.locator(f"a[href='/periods/{pk}/results/']").click()
    name_cell = page.locator("td", has_text=re.compile(rf"^{re.escape(world.unit_name)}$"))
    results = page.locator("main table tbody tr").filter(has=name_cell)
    expect(results.locator("td")).to_have_text(
        ["1", world.unit_name, "18", "18", "Xuất sắc", re.compile(".+")]
    )
    expect(results.locator(".badge.st-approved")).to_be_visible()
    assert page.js_errors == []
