"""A quarter in a real browser: the reviewer opens the next quarter from last quarter's
explanations; a unit edits its carried-over draft, is refused without its evidence files,
adds them, submits, withdraws and submits again; confirmation dialogs can be cancelled; a
reviewer reopening after the report is signed is warned; the board on a phone is a list of
cards (its screenshot is kept in test-artifacts/)."""

import re

import pytest
from playwright.sync_api import Page, expect

from reports.domain import report_for
from reports.models import Report, ReportStatus
from scoring.domain import Transition, transition
from scoring.models import Period, Scorecard, ScorecardStatus
from scoring.periods import open_period
from tests.e2e.conftest import ARTIFACTS, World
from tests.e2e.test_roles import CODES, log_in
from tests.factories import self_score

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CARRIED = "Niêm yết đủ TTHC tại Bộ phận Một cửa"


def approved_last_quarter(w: World) -> Scorecard:
    card = self_score(w.card, 2, note=CARRIED)
    return transition(transition(card, Transition.SUBMIT), Transition.APPROVE)


def next_quarter(period: Period) -> tuple[int, int]:
    return (period.year, period.quarter + 1) if period.quarter < 4 else (period.year + 1, 1)


def test_a_reviewer_opens_the_next_quarter_from_last_quarters_explanations(
    page: Page, live_server, world: World
):
    approved_last_quarter(world)
    year, quarter = next_quarter(world.period)

    log_in(page, live_server.url, "reviewer")
    page.locator("#open-period-link").click()
    form = page.locator("#open-period")
    expect(form.locator("input[name=year]")).to_have_value(str(year))
    expect(form.locator("select[name=quarter]")).to_have_value(str(quarter))
    expect(form.locator("input[name=self_deadline]")).to_have_value(re.compile(r"-10$"))
    expect(form.locator("input[name=review_deadline]")).to_have_value(re.compile(r"-20$"))
    expect(form.locator("input[name=carry_over]")).to_be_checked()
    page.locator("#open-preview").click()

    preview = page.locator("#opening-preview")
    expect(preview).to_contain_text(world.unit_name)
    expect(page.locator("#carry-over-summary")).to_be_visible()
    assert not Period.objects.filter(year=year, quarter=quarter).exists()  # nothing yet
    page.locator("#open-confirm").click()

    opened = Period.objects.get(year=year, quarter=quarter)
    expect(page).to_have_url(re.compile(rf"/periods/{opened.pk}/$"))
    expect(page.locator(".messages .msg-success")).to_be_visible()
    card = opened.scorecards.get(unit=world.card.unit)
    assert set(card.scores.values_list("self_note", flat=True)) == {CARRIED}
    assert set(card.scores.values_list("self_points", flat=True)) == {None}
    assert page.js_errors == []


@pytest.fixture
def carried(world: World) -> Scorecard:
    """Next quarter opened with carry-over; the unit's only editable card is its draft."""
    approved_last_quarter(world)
    year, quarter = next_quarter(world.period)
    period = open_period(
        world.period.organizer,
        year,
        quarter,
        world.period.criteria_set,
        self_deadline=world.period.self_deadline,
        carry_over=True,
    )
    return period.scorecards.get(unit=world.card.unit)


def test_a_unit_edits_its_draft_needs_its_evidence_submits_withdraws_and_resubmits(
    page: Page, live_server, world: World, carried: Scorecard, evidence_pdf
):
    ids = world.criteria
    log_in(page, live_server.url, "staff")
    expect(page).to_have_url(re.compile(rf"/scorecards/{carried.pk}/$"))
    expect(page.locator(f"textarea[name=note_{ids['1']}]")).to_have_value(CARRIED)
    expect(page.locator("#progress")).to_contain_text("0/9")

    for code in CODES:
        page.locator(f"select[name=points_{ids[code]}]").select_option("2")
    page.locator(f"textarea[name=note_{ids['1']}]").fill(CARRIED + " (cập nhật quý này)")
    page.locator("button[name=action][value=submit]").click()

    # Refused for the missing files, all or nothing: nothing is stored, and the page shows
    # everything typed again, with the criteria that still need a file.
    assert page.dialogs and "Gửi phiếu" in page.dialogs[-1]
    for code in ("5", "6", "8"):
        expect(page.locator(".messages")).to_contain_text(f"Tiêu chí {code} cần có tệp minh chứng")
    fresh = Scorecard.objects.get(pk=carried.pk)
    assert (fresh.status, fresh.self_total) == (ScorecardStatus.DRAFT, None)
    expect(page.locator(f"select[name=points_{ids['9']}]")).to_have_value("2")
    expect(page.locator(f"textarea[name=note_{ids['1']}]")).to_have_value(
        CARRIED + " (cập nhật quý này)"
    )

    for code in ("5", "6", "8"):
        page.locator(f"input[name=evidence_{ids[code]}]").set_input_files(evidence_pdf)
    page.locator("button[name=action][value=submit]").click()
    expect(page.locator(".cardhead .badge.st-submitted")).to_be_visible()

    page.locator("#withdraw button").click()
    expect(page.locator(".cardhead .badge.st-draft")).to_be_visible()
    assert "Rút lại" in page.dialogs[-1]

    page.locator("button[name=action][value=submit]").click()
    expect(page.locator(".cardhead .badge.st-submitted")).to_be_visible()
    assert Scorecard.objects.get(pk=carried.pk).status == ScorecardStatus.SUBMITTED
    assert page.js_errors == []


def test_cancelling_a_confirmation_changes_nothing(
    page: Page, live_server, world: World, evidence_pdf
):
    card = self_score(world.card, 2)
    version = Scorecard.objects.get(pk=card.pk).version
    log_in(page, live_server.url, "staff")
    page.accept_dialogs = False

    page.locator("button[name=action][value=submit]").click()
    remove = page.locator("#c6 .evidence button")
    remove.click()

    assert len(page.dialogs) == 2
    fresh = Scorecard.objects.get(pk=card.pk)
    assert (fresh.status, fresh.version) == (ScorecardStatus.DRAFT, version)
    assert fresh.scores.get(criterion__code="6").evidence.count() == 1
    expect(page.locator(".cardhead .badge.st-draft")).to_be_visible()


def test_a_reviewer_reopening_after_the_report_is_signed_is_warned(
    page: Page, live_server, world: World
):
    card = approved_last_quarter(world)
    report = report_for(world.period)
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.SIGNED)  # set-up

    log_in(page, live_server.url, "reviewer")
    page.goto(f"{live_server.url}/scorecards/{card.pk}/review/")  # waits for "load"
    expect(page.locator("#reopen-warning")).to_be_visible()
    page.locator("textarea[name=note]").last.fill("Đơn vị phản ánh sai sót chỉ số 3")

    page.accept_dialogs = False
    page.get_by_role("button", name=re.compile("Mở lại")).click()
    assert "phải duyệt lại" in page.dialogs[-1]
    assert Scorecard.objects.get(pk=card.pk).status == ScorecardStatus.APPROVED

    page.accept_dialogs = True
    page.get_by_role("button", name=re.compile("Mở lại")).click()
    expect(page.locator(".cardhead .badge.st-submitted")).to_be_visible()
    assert Scorecard.objects.get(pk=card.pk).status == ScorecardStatus.SUBMITTED


def test_the_board_on_a_phone_is_a_list_of_cards(browser, live_server, world: World):
    transition(self_score(world.card, 2), Transition.SUBMIT)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    try:
        log_in(page, live_server.url, "reviewer")
        page.goto(f"{live_server.url}/periods/{world.period.pk}/")

        expect(page.locator("table.board thead").first).to_be_hidden()
        row = page.locator("table.board tbody tr").first
        assert row.evaluate("r => getComputedStyle(r).display") == "grid"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
        expect(page.locator("table.board td.unit a").first).to_be_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "board-390px.png", full_page=True)
    finally:
        context.close()
