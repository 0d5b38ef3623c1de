"""Browser tests: one Chromium per session, a fresh context and page per test, data per test.

Playwright's sync API runs an event loop in the test thread, so Django's guard against ORM
calls from async code has to be switched off for these tests (the calls are still sync).
A failed test leaves a full-page screenshot in ``test-artifacts/<test name>.png``.
"""

import datetime
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connections
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from scoring.demo import DEMO_PASSWORD, build_demo
from scoring.models import Period, Scorecard
from scoring.periods import open_period

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"  # what tests.factories.UserFactory sets
TIMEOUT_MS = 10_000


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item (``rep_setup``, ``rep_call``) for the fixtures."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def live_server(request) -> LiveServer:
    """pytest-django's live server, started while ``MEDIA_URL`` is a string.

    The project sets ``MEDIA_URL = None`` on purpose: evidence has no public URL and is only
    served through permission-checked views. Django's ``LiveServerThread`` wraps the site in a
    media-file handler that parses ``MEDIA_URL`` when the thread starts and fails on every
    request when it is None (``TypeError: startswith first arg must be str ... not bytes``).
    Give that handler a prefix nothing links to while the server starts; the setting is back
    to None for the tests themselves.
    """
    addr = request.config.getvalue("liveserver") or os.getenv(
        "DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"
    )
    with override_settings(MEDIA_URL="/__live-server-media-unused__/"):
        server = LiveServer(addr)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Browser:
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(browser: Browser, request) -> Page:
    # An English browser: the product still speaks Vietnamese unless the user chooses.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    # Confirmation dialogs (static/js/confirm.js): recorded, and accepted unless a test sets
    # page.accept_dialogs = False to see that cancelling changes nothing.
    page.dialogs = []
    page.accept_dialogs = True

    def answer(dialog):
        page.dialogs.append(dialog.message)
        dialog.accept() if page.accept_dialogs else dialog.dismiss()

    page.on("dialog", answer)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()


def build_demo_beside_the_browser() -> None:
    """The demo signs its reports with pyHanko, which runs its own asyncio loop: not in this
    thread, where Playwright's loop is running."""
    failures = []

    def build():
        try:
            build_demo()
        except BaseException as exc:  # re-raised in the test's thread
            failures.append(exc)
        finally:
            connections.close_all()

    worker = threading.Thread(target=build)
    worker.start()
    worker.join()
    if failures:
        raise failures[0]


def log_in_demo(page: Page, base: str, username: str) -> None:
    """Log in as one of the demo's users (``scoring.demo``), through the form."""
    page.goto(f"{base}/accounts/login/")
    form = page.locator("main form[method=post]")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page.locator(".usernav .who")).to_be_visible()


@dataclass
class World:
    period: Period
    card: Scorecard  # the staff user's commune
    unit_name: str
    criteria: dict[str, int]  # criterion code → id, as in the form field names


@pytest.fixture
def world(transactional_db, tuan_giao, criteria_set, staff, reviewer, leader) -> World:
    """An open current quarter on the district, deadline in two weeks, and the three personas."""
    today = timezone.localdate()
    period = open_period(
        tuan_giao.district,
        today.year,
        (today.month - 1) // 3 + 1,
        criteria_set,
        self_deadline=today + datetime.timedelta(days=14),
    )
    card = period.scorecards.select_related("unit").get(unit=tuan_giao.communes[0])
    criteria = dict(card.scores.values_list("criterion__code", "criterion_id"))
    return World(period=period, card=card, unit_name=card.unit.name, criteria=criteria)


@pytest.fixture
def evidence_pdf(tmp_path) -> Path:
    path = tmp_path / "bien-ban-mot-cua.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
    return path
