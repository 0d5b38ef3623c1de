"""Who may open which page: one table over every URL of the site and every persona.

The object under test is always ``staff``'s own scorecard (commune 0 of Tuần Giáo), with one
evidence file, in the period Tuần Giáo opened. After the period opened, the commune was moved
to the neighbouring district (as the 2025 reform moves units): the scorecard stays with the
district that scored it, so Tuần Giáo's reviewer still reaches it and the new district's
reviewer (``outside_reviewer``) does not. Outsiders (another unit's staff, a reviewer of
another district) get a 404 on it, never a 403: they must not learn that it exists. A persona
that may see it but not do the action gets a 403. Anonymous visitors go to the login page.

A refused or completed POST that a persona is allowed to attempt redirects (302) or re-renders
the form with an error (200); what matters here is that it got past the permission check.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from reports.domain import report_for
from reports.issuing import issue
from reports.models import IssuedDocumentKind, RenderJob
from scoring.domain import add_evidence
from scoring.files import check_evidence_file
from scoring.models import Evidence, Scorecard
from tests.factories import MembershipFactory
from units.models import Role

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

# Which object each URL points at: the scorecard, its evidence file, its period, or nothing.
TARGET = {
    "home": None,
    "start": None,
    "healthz": None,
    "two_factor_setup": None,
    "two_factor_verify": None,
    "password_change": None,
    "password_change_done": None,
    "scoring:scorecard": "card",
    "scoring:submit": "card",
    "scoring:no_tthc": "card",
    "scoring:history": "card",
    "scoring:review": "card",
    "scoring:reopen": "card",
    "scoring:deadline": "card",
    "scoring:evidence": "evidence",
    "scoring:evidence_delete": "evidence",
    "scoring:board": "period",
    "scoring:bulk_approve": "period",
    "scoring:board_xlsx": "period",
    "scoring:open_period": None,
    "scoring:close_period": "period",
    "scoring:withdraw": "card",
    "scoring:results": "period",
    "reports:report": "period",
    "reports:approve": "period",
    "reports:withdraw": "period",
    "reports:sign": "period",
    "reports:upload_signed": "period",
    "reports:download": "period",
    "reports:issued_document": "period",
    "reports:job": "job",
    "imports:figures": "period",
    "imports:figures_xlsx": "period",
    "imports:figures_csv": "period",
    "imports:upload": "period",
    "imports:confirm": "period",
    "imports:cancel": "period",
    "imports:sheet": "card",
    "imports:sheet_upload": "card",
    "imports:sheet_confirm": "card",
    "imports:review_sheet": "period",
    "imports:review_sheet_upload": "period",
    "imports:review_sheet_confirm": "period",
    "dashboards:period": "period",
    "dashboards:compare": "period",
    "dashboards:unit": "unit",
    "dashboards:province": "province",
}

PERSONAS = ["anonymous", "staff", "other_staff", "outside_reviewer", "reviewer", "leader"]


def row(method: str, name: str, *statuses: int) -> list[tuple[str, str, str, int]]:
    """One URL and method, with the status each persona gets, in the order of PERSONAS."""
    return [(p, method, name, s) for p, s in zip(PERSONAS, statuses, strict=True)]


# Tested on their own below: they are the way in and out, not pages behind the login.
SEPARATELY_TESTED = {"login", "logout", "set_language"}

# (persona, method, URL name, expected status)
# Personas: anonymous; staff (the scorecard's own unit); other_staff (another commune of the
# same district); outside_reviewer (reviewer of a neighbouring district); reviewer and leader
# (of Tuần Giáo district).
TABLE = [
    # Home: everyone's list of work. Logging in lands on "start", which sends a unit user
    # with one editable scorecard and no board straight to it.
    ("anonymous", "GET", "home", 302),
    ("staff", "GET", "home", 200),
    ("other_staff", "GET", "home", 200),
    ("outside_reviewer", "GET", "home", 200),
    ("reviewer", "GET", "home", 200),
    ("leader", "GET", "home", 200),
    *row("GET", "start", 302, 302, 302, 302, 302, 302),
    # Health for monitoring: anyone, it says nothing about the data.
    *row("GET", "healthz", 200, 200, 200, 200, 200, 200),
    # Two-step login: every signed-in user may set it up and use it (a POST without a code
    # shows the form again).
    *row("GET", "two_factor_setup", 302, 200, 200, 200, 200, 200),
    *row("POST", "two_factor_setup", 302, 200, 200, 200, 200, 200),
    *row("GET", "two_factor_verify", 302, 200, 200, 200, 200, 200),
    *row("POST", "two_factor_verify", 302, 200, 200, 200, 200, 200),
    # Password change: every signed-in user.
    ("anonymous", "GET", "password_change", 302),
    ("staff", "GET", "password_change", 200),
    ("other_staff", "GET", "password_change", 200),
    ("outside_reviewer", "GET", "password_change", 200),
    ("reviewer", "GET", "password_change", 200),
    ("leader", "GET", "password_change", 200),
    ("anonymous", "GET", "password_change_done", 302),
    ("staff", "GET", "password_change_done", 200),
    ("other_staff", "GET", "password_change_done", 200),
    ("outside_reviewer", "GET", "password_change_done", 200),
    ("reviewer", "GET", "password_change_done", 200),
    ("leader", "GET", "password_change_done", 200),
    # Scorecard: seen by its unit and by the district; self-scored only by its unit.
    ("anonymous", "GET", "scoring:scorecard", 302),
    ("staff", "GET", "scoring:scorecard", 200),
    ("other_staff", "GET", "scoring:scorecard", 404),
    ("outside_reviewer", "GET", "scoring:scorecard", 404),
    ("reviewer", "GET", "scoring:scorecard", 200),
    ("leader", "GET", "scoring:scorecard", 200),
    ("anonymous", "POST", "scoring:scorecard", 302),
    ("staff", "POST", "scoring:scorecard", 302),
    ("other_staff", "POST", "scoring:scorecard", 404),
    ("outside_reviewer", "POST", "scoring:scorecard", 404),
    ("reviewer", "POST", "scoring:scorecard", 403),
    ("leader", "POST", "scoring:scorecard", 403),
    # Submit: the unit's staff only.
    ("anonymous", "GET", "scoring:submit", 302),
    ("staff", "GET", "scoring:submit", 405),
    ("other_staff", "GET", "scoring:submit", 405),
    ("outside_reviewer", "GET", "scoring:submit", 405),
    ("reviewer", "GET", "scoring:submit", 405),
    ("leader", "GET", "scoring:submit", 405),
    ("anonymous", "POST", "scoring:submit", 302),
    ("staff", "POST", "scoring:submit", 302),
    ("other_staff", "POST", "scoring:submit", 404),
    ("outside_reviewer", "POST", "scoring:submit", 404),
    ("reviewer", "POST", "scoring:submit", 403),
    ("leader", "POST", "scoring:submit", 403),
    # "No procedure arose": the unit's staff only.
    ("anonymous", "GET", "scoring:no_tthc", 302),
    ("staff", "GET", "scoring:no_tthc", 405),
    ("other_staff", "GET", "scoring:no_tthc", 405),
    ("outside_reviewer", "GET", "scoring:no_tthc", 405),
    ("reviewer", "GET", "scoring:no_tthc", 405),
    ("leader", "GET", "scoring:no_tthc", 405),
    ("anonymous", "POST", "scoring:no_tthc", 302),
    ("staff", "POST", "scoring:no_tthc", 302),
    ("other_staff", "POST", "scoring:no_tthc", 404),
    ("outside_reviewer", "POST", "scoring:no_tthc", 404),
    ("reviewer", "POST", "scoring:no_tthc", 403),
    ("leader", "POST", "scoring:no_tthc", 403),
    # History: whoever sees the scorecard.
    ("anonymous", "GET", "scoring:history", 302),
    ("staff", "GET", "scoring:history", 200),
    ("other_staff", "GET", "scoring:history", 404),
    ("outside_reviewer", "GET", "scoring:history", 404),
    ("reviewer", "GET", "scoring:history", 200),
    ("leader", "GET", "scoring:history", 200),
    # Review: the district's reviewers only (the POST re-renders: a draft cannot be reviewed).
    ("anonymous", "GET", "scoring:review", 302),
    ("staff", "GET", "scoring:review", 403),
    ("other_staff", "GET", "scoring:review", 404),
    ("outside_reviewer", "GET", "scoring:review", 404),
    ("reviewer", "GET", "scoring:review", 200),
    ("leader", "GET", "scoring:review", 403),
    ("anonymous", "POST", "scoring:review", 302),
    ("staff", "POST", "scoring:review", 403),
    ("other_staff", "POST", "scoring:review", 404),
    ("outside_reviewer", "POST", "scoring:review", 404),
    ("reviewer", "POST", "scoring:review", 200),
    ("leader", "POST", "scoring:review", 403),
    # Reopen: the district's reviewers only.
    ("anonymous", "GET", "scoring:reopen", 302),
    ("staff", "GET", "scoring:reopen", 405),
    ("other_staff", "GET", "scoring:reopen", 405),
    ("outside_reviewer", "GET", "scoring:reopen", 405),
    ("reviewer", "GET", "scoring:reopen", 405),
    ("leader", "GET", "scoring:reopen", 405),
    ("anonymous", "POST", "scoring:reopen", 302),
    ("staff", "POST", "scoring:reopen", 403),
    ("other_staff", "POST", "scoring:reopen", 404),
    ("outside_reviewer", "POST", "scoring:reopen", 404),
    ("reviewer", "POST", "scoring:reopen", 302),
    ("leader", "POST", "scoring:reopen", 403),
    # Extend a unit's deadline: the district's reviewers only.
    ("anonymous", "GET", "scoring:deadline", 302),
    ("staff", "GET", "scoring:deadline", 405),
    ("other_staff", "GET", "scoring:deadline", 405),
    ("outside_reviewer", "GET", "scoring:deadline", 405),
    ("reviewer", "GET", "scoring:deadline", 405),
    ("leader", "GET", "scoring:deadline", 405),
    ("anonymous", "POST", "scoring:deadline", 302),
    ("staff", "POST", "scoring:deadline", 403),
    ("other_staff", "POST", "scoring:deadline", 404),
    ("outside_reviewer", "POST", "scoring:deadline", 404),
    ("reviewer", "POST", "scoring:deadline", 200),
    ("leader", "POST", "scoring:deadline", 403),
    # Evidence file: whoever sees the scorecard.
    ("anonymous", "GET", "scoring:evidence", 302),
    ("staff", "GET", "scoring:evidence", 200),
    ("other_staff", "GET", "scoring:evidence", 404),
    ("outside_reviewer", "GET", "scoring:evidence", 404),
    ("reviewer", "GET", "scoring:evidence", 200),
    ("leader", "GET", "scoring:evidence", 200),
    # Remove an evidence file: the unit's staff only.
    ("anonymous", "GET", "scoring:evidence_delete", 302),
    ("staff", "GET", "scoring:evidence_delete", 405),
    ("other_staff", "GET", "scoring:evidence_delete", 405),
    ("outside_reviewer", "GET", "scoring:evidence_delete", 405),
    ("reviewer", "GET", "scoring:evidence_delete", 405),
    ("leader", "GET", "scoring:evidence_delete", 405),
    ("anonymous", "POST", "scoring:evidence_delete", 302),
    ("staff", "POST", "scoring:evidence_delete", 302),
    ("other_staff", "POST", "scoring:evidence_delete", 404),
    ("outside_reviewer", "POST", "scoring:evidence_delete", 404),
    ("reviewer", "POST", "scoring:evidence_delete", 403),
    ("leader", "POST", "scoring:evidence_delete", 403),
    # The period's board: the district's reviewers and leaders; units never see it.
    ("anonymous", "GET", "scoring:board", 302),
    ("staff", "GET", "scoring:board", 404),
    ("other_staff", "GET", "scoring:board", 404),
    ("outside_reviewer", "GET", "scoring:board", 404),
    ("reviewer", "GET", "scoring:board", 200),
    ("leader", "GET", "scoring:board", 200),
    # Bulk approval from the board: the district's reviewers only.
    ("anonymous", "GET", "scoring:bulk_approve", 302),
    ("staff", "GET", "scoring:bulk_approve", 405),
    ("other_staff", "GET", "scoring:bulk_approve", 405),
    ("outside_reviewer", "GET", "scoring:bulk_approve", 405),
    ("reviewer", "GET", "scoring:bulk_approve", 405),
    ("leader", "GET", "scoring:bulk_approve", 405),
    ("anonymous", "POST", "scoring:bulk_approve", 302),
    ("staff", "POST", "scoring:bulk_approve", 404),
    ("other_staff", "POST", "scoring:bulk_approve", 404),
    ("outside_reviewer", "POST", "scoring:bulk_approve", 404),
    ("reviewer", "POST", "scoring:bulk_approve", 302),
    ("leader", "POST", "scoring:bulk_approve", 403),
    # Opening a quarter: reviewers of a district (for their own district); the POST without
    # its fields re-renders the form with the errors.
    *row("GET", "scoring:open_period", 302, 403, 403, 200, 200, 403),
    *row("POST", "scoring:open_period", 302, 403, 403, 200, 200, 403),
    # Closing a quarter: the district's reviewers (refused while the report is not signed:
    # back to the board with the reason).
    *row("GET", "scoring:close_period", 302, 405, 405, 405, 405, 405),
    *row("POST", "scoring:close_period", 302, 404, 404, 404, 302, 403),
    # The board as an Excel file: whoever sees the board.
    *row("GET", "scoring:board_xlsx", 302, 404, 404, 404, 200, 200),
    # Withdraw a submission: the unit's staff only (a draft cannot be withdrawn: the refusal
    # redirects back to the scorecard).
    *row("GET", "scoring:withdraw", 302, 405, 405, 405, 405, 405),
    *row("POST", "scoring:withdraw", 302, 302, 404, 404, 403, 403),
    # The period's results: the district's reviewers and leaders.
    ("anonymous", "GET", "scoring:results", 302),
    ("staff", "GET", "scoring:results", 404),
    ("other_staff", "GET", "scoring:results", 404),
    ("outside_reviewer", "GET", "scoring:results", 404),
    ("reviewer", "GET", "scoring:results", 200),
    ("leader", "GET", "scoring:results", 200),
    # The quarterly report: the district's reviewers and leaders; approval and signature are
    # the leaders' (a reviewer gets 403). A refused action redirects back to the report page;
    # a POST of the edit form without its fields re-renders it (200).
    #                 method  URL                     anon staff other outside reviewer leader
    *row("GET", "reports:report", 302, 404, 404, 404, 200, 200),
    *row("POST", "reports:report", 302, 404, 404, 404, 200, 200),
    *row("POST", "reports:approve", 302, 404, 404, 404, 403, 302),
    *row("POST", "reports:withdraw", 302, 404, 404, 404, 403, 302),
    *row("POST", "reports:sign", 302, 404, 404, 404, 403, 302),
    *row("POST", "reports:upload_signed", 302, 404, 404, 404, 403, 302),
    *row("GET", "reports:approve", 302, 405, 405, 405, 405, 405),
    *row("GET", "reports:withdraw", 302, 405, 405, 405, 405, 405),
    *row("GET", "reports:sign", 302, 405, 405, 405, 405, 405),
    *row("GET", "reports:upload_signed", 302, 405, 405, 405, 405, 405),
    *row("GET", "reports:download", 302, 404, 404, 404, 200, 200),
    *row("GET", "reports:issued_document", 302, 404, 404, 404, 200, 200),
    *row("GET", "reports:job", 302, 404, 404, 404, 200, 200),
    # The period's dossier figures: the district's reviewers and leaders see and download
    # them; only reviewers import (an upload POST without a file re-renders the form; a
    # confirmation without a staged file redirects back with a message).
    *row("GET", "imports:figures", 302, 404, 404, 404, 200, 200),
    *row("GET", "imports:figures_xlsx", 302, 404, 404, 404, 200, 200),
    *row("GET", "imports:figures_csv", 302, 404, 404, 404, 200, 200),
    *row("GET", "imports:upload", 302, 404, 404, 404, 200, 403),
    *row("POST", "imports:upload", 302, 404, 404, 404, 200, 403),
    *row("GET", "imports:confirm", 302, 405, 405, 405, 405, 405),
    *row("POST", "imports:confirm", 302, 404, 404, 404, 302, 403),
    *row("GET", "imports:cancel", 302, 405, 405, 405, 405, 405),
    *row("POST", "imports:cancel", 302, 404, 404, 404, 302, 403),
    # A unit's scoring sheet: its own staff only (an upload POST without a file re-renders the
    # form; a confirmation without a staged file redirects back with a message).
    *row("GET", "imports:sheet", 302, 200, 404, 404, 403, 403),
    *row("POST", "imports:sheet", 302, 405, 405, 405, 405, 405),
    *row("GET", "imports:sheet_upload", 302, 200, 404, 404, 403, 403),
    *row("POST", "imports:sheet_upload", 302, 200, 404, 404, 403, 403),
    *row("GET", "imports:sheet_confirm", 302, 405, 405, 405, 405, 405),
    *row("POST", "imports:sheet_confirm", 302, 302, 404, 404, 403, 403),
    # The period's review sheet: the district's reviewers only.
    *row("GET", "imports:review_sheet", 302, 404, 404, 404, 200, 403),
    *row("POST", "imports:review_sheet", 302, 405, 405, 405, 405, 405),
    *row("GET", "imports:review_sheet_upload", 302, 404, 404, 404, 200, 403),
    *row("POST", "imports:review_sheet_upload", 302, 404, 404, 404, 200, 403),
    *row("GET", "imports:review_sheet_confirm", 302, 405, 405, 405, 405, 405),
    *row("POST", "imports:review_sheet_confirm", 302, 404, 404, 404, 302, 403),
    # The period's dashboard and its comparison with another quarter: whoever sees the board.
    *row("GET", "dashboards:period", 302, 404, 404, 404, 200, 200),
    *row("GET", "dashboards:compare", 302, 404, 404, 404, 200, 200),
    # A unit's results quarter by quarter: its staff, and whoever oversees the unit today
    # (the commune was moved: the neighbouring district's reviewer, not Tuần Giáo's).
    *row("GET", "dashboards:unit", 302, 200, 404, 200, 404, 404),
    # The province's districts side by side: the province's reviewers and leaders only
    # (tested in tests/dashboards); nobody here holds a role on the province.
    *row("GET", "dashboards:province", 302, 404, 404, 404, 404, 404),
]


@pytest.fixture
def card(period, tuan_giao, other_district, staff) -> Scorecard:
    moved = tuan_giao.communes[0]
    moved.parent = other_district.district
    moved.save()
    return period.scorecards.get(unit=moved)


@pytest.fixture
def evidence(card, staff) -> Evidence:
    score = card.scores.order_by("criterion__order").first()
    upload = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    return add_evidence(score, upload, check_evidence_file(upload), actor=staff)


@pytest.fixture
def personas(staff, other_staff, outside_reviewer, reviewer, leader) -> dict:
    return {
        "anonymous": None,
        "staff": staff,
        "other_staff": other_staff,
        "outside_reviewer": outside_reviewer,
        "reviewer": reviewer,
        "leader": leader,
    }


@pytest.fixture
def job(card) -> RenderJob:
    return RenderJob.objects.create(report=report_for(card.period))


def url_for(name: str, card: Scorecard, evidence: Evidence, job: RenderJob) -> str:
    targets = {
        "card": card,
        "evidence": evidence,
        "period": card.period,
        "job": job,
        "unit": card.unit,
        "province": card.period.organizer.parent,
        None: None,
    }
    target = targets[TARGET[name]]
    if name == "reports:issued_document":
        # A PDF the period's report was issued as; only this URL needs one.
        document = issue(job.report, IssuedDocumentKind.APPROVED, PDF, None)
        return reverse(name, args=[target.pk, document.pk])
    if name == "reports:download":
        return reverse(name, args=[target.pk, "table.xlsx"])
    return reverse(name, args=[target.pk] if target else [])


def request_as(client, user, method: str, url: str, card: Scorecard):
    """GET, or POST the scorecard's current version, as ``user`` (None: not logged in)."""
    if user is not None:
        client.force_login(user)
    card.refresh_from_db()
    if method == "GET":
        return client.get(url)
    # Confirmed, as after the confirmation dialog: the permission check comes first anyway.
    return client.post(url, {"version": card.version, "confirmed": "1"})


@pytest.mark.parametrize(
    ("persona", "method", "name", "expected"),
    TABLE,
    ids=[f"{persona}-{method}-{name}-{expected}" for persona, method, name, expected in TABLE],
)
def test_it_answers_each_persona_with_the_expected_status(
    client, personas, card, evidence, job, persona, method, name, expected
):
    user = personas[persona]

    response = request_as(client, user, method, url_for(name, card, evidence, job), card)

    assert response.status_code == expected
    if user is None and expected == 302:
        assert response["Location"].startswith(reverse("login"))


def test_the_table_has_every_persona_on_every_url_and_method():
    cases = {(method, name) for _persona, method, name, _expected in TABLE}
    rows = [(persona, method, name) for persona, method, name, _expected in TABLE]
    personas = {persona for persona, *_rest in TABLE}

    assert len(rows) == len(set(rows))
    assert len(rows) == len(cases) * len(personas)


# Django's admin (behind is_staff, Django's own permissions) is left out. Any other URL name
# missing from the table above fails the suite.
ELSEWHERE = {"admin"}


def _named_urls(patterns, namespace: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in ELSEWHERE:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_of_the_site_is_in_the_table():
    covered = {name for _persona, _method, name, _expected in TABLE} | SEPARATELY_TESTED

    missing = _named_urls(get_resolver().url_patterns) - covered

    assert missing == set()


def test_every_url_in_the_table_exists():
    assert set(TARGET) == {name for _persona, _method, name, _expected in TABLE}
    assert set(TARGET) <= _named_urls(get_resolver().url_patterns)


# Login and logout


def test_anyone_can_open_the_login_page(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200


def test_logging_in_leads_to_the_start_which_leads_to_the_work(client, staff, card, reviewer):
    response = client.post(
        reverse("login"), {"username": "staff", "password": "correct horse battery staple"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("start")
    # One editable scorecard and no board: straight to it.
    assert client.get(reverse("start"))["Location"] == reverse("scoring:scorecard", args=[card.pk])
    client.force_login(reviewer)
    assert client.get(reverse("start"))["Location"] == reverse("home")


def test_logging_out_takes_a_post_and_leads_to_the_login_page(client, staff):
    client.force_login(staff)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_logging_out_refuses_a_get(client, staff):
    client.force_login(staff)

    response = client.get(reverse("logout"))

    assert response.status_code == 405


def test_anyone_can_choose_the_interface_language(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"


# A reviewer of the district who is also on the staff of the scorecard's unit: they score
# their own unit like any of its staff, see the board, and never review their own scorecard.
OWN_UNIT_REVIEWER = {
    ("GET", "home"): 200,
    ("GET", "start"): 302,
    ("GET", "healthz"): 200,
    ("GET", "two_factor_setup"): 200,
    ("POST", "two_factor_setup"): 200,
    ("GET", "two_factor_verify"): 200,
    ("POST", "two_factor_verify"): 200,
    ("GET", "password_change"): 200,
    ("GET", "password_change_done"): 200,
    ("GET", "scoring:scorecard"): 200,
    ("POST", "scoring:scorecard"): 302,
    ("GET", "scoring:submit"): 405,
    ("POST", "scoring:submit"): 302,
    ("GET", "scoring:no_tthc"): 405,
    ("POST", "scoring:no_tthc"): 302,
    ("GET", "scoring:history"): 200,
    ("GET", "scoring:review"): 403,
    ("POST", "scoring:review"): 403,
    ("GET", "scoring:reopen"): 405,
    ("POST", "scoring:reopen"): 403,
    ("GET", "scoring:deadline"): 405,
    ("POST", "scoring:deadline"): 403,
    ("GET", "scoring:evidence"): 200,
    ("GET", "scoring:evidence_delete"): 405,
    ("POST", "scoring:evidence_delete"): 302,
    ("GET", "scoring:board"): 200,
    ("GET", "scoring:bulk_approve"): 405,
    ("POST", "scoring:bulk_approve"): 302,
    ("GET", "scoring:board_xlsx"): 200,
    ("GET", "scoring:open_period"): 200,
    ("POST", "scoring:open_period"): 200,
    ("GET", "scoring:close_period"): 405,
    ("POST", "scoring:close_period"): 302,
    ("GET", "scoring:withdraw"): 405,
    ("POST", "scoring:withdraw"): 302,
    ("GET", "scoring:results"): 200,
    ("GET", "reports:report"): 200,
    ("POST", "reports:report"): 200,
    ("POST", "reports:approve"): 403,
    ("POST", "reports:withdraw"): 403,
    ("POST", "reports:sign"): 403,
    ("POST", "reports:upload_signed"): 403,
    ("GET", "reports:approve"): 405,
    ("GET", "reports:withdraw"): 405,
    ("GET", "reports:sign"): 405,
    ("GET", "reports:upload_signed"): 405,
    ("GET", "reports:download"): 200,
    ("GET", "reports:issued_document"): 200,
    ("GET", "reports:job"): 200,
    ("GET", "imports:figures"): 200,
    ("GET", "imports:figures_xlsx"): 200,
    ("GET", "imports:figures_csv"): 200,
    ("GET", "imports:upload"): 200,
    ("POST", "imports:upload"): 200,
    ("GET", "imports:confirm"): 405,
    ("POST", "imports:confirm"): 302,
    ("GET", "imports:cancel"): 405,
    ("POST", "imports:cancel"): 302,
    ("GET", "imports:sheet"): 200,
    ("POST", "imports:sheet"): 405,
    ("GET", "imports:sheet_upload"): 200,
    ("POST", "imports:sheet_upload"): 200,
    ("GET", "imports:sheet_confirm"): 405,
    ("POST", "imports:sheet_confirm"): 302,
    ("GET", "imports:review_sheet"): 200,
    ("POST", "imports:review_sheet"): 405,
    ("GET", "imports:review_sheet_upload"): 200,
    ("POST", "imports:review_sheet_upload"): 200,
    ("GET", "imports:review_sheet_confirm"): 405,
    ("POST", "imports:review_sheet_confirm"): 302,
    ("GET", "dashboards:period"): 200,
    ("GET", "dashboards:compare"): 200,
    ("GET", "dashboards:unit"): 200,
    ("GET", "dashboards:province"): 404,
}


@pytest.fixture
def own_unit_reviewer(tuan_giao):
    membership = MembershipFactory(unit=tuan_giao.district, role=Role.REVIEWER)
    MembershipFactory(user=membership.user, unit=tuan_giao.communes[0], role=Role.UNIT_STAFF)
    return membership.user


@pytest.mark.parametrize(
    ("method", "name", "expected"),
    [(method, name, expected) for (method, name), expected in OWN_UNIT_REVIEWER.items()],
    ids=[f"{method}-{name}-{expected}" for (method, name), expected in OWN_UNIT_REVIEWER.items()],
)
def test_a_reviewer_on_the_staff_of_the_unit_never_reviews_its_scorecard(
    client, own_unit_reviewer, card, evidence, job, method, name, expected
):
    url = url_for(name, card, evidence, job)

    response = request_as(client, own_unit_reviewer, method, url, card)

    assert response.status_code == expected


def test_the_own_unit_table_covers_every_url_and_method():
    assert set(OWN_UNIT_REVIEWER) == {(method, name) for _p, method, name, _e in TABLE}


# CSRF: every POST of the site refuses a request without the token, whoever sends it.
POSTS = sorted(
    {
        name
        for persona, method, name, expected in TABLE
        if method == "POST" and persona != "anonymous" and expected in (200, 302)
    }
)


@pytest.mark.parametrize("name", POSTS)
def test_every_post_refuses_a_request_without_its_csrf_token(personas, card, evidence, job, name):
    from django.test import Client

    allowed = [
        p for p, m, n, expected in TABLE if m == "POST" and n == name and expected in (200, 302)
    ]
    user = personas[next(p for p in allowed if p != "anonymous")]  # someone it would let in
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)

    response = client.post(url_for(name, card, evidence, job), {"version": card.version})

    assert response.status_code == 403
    assert 'id="csrf-failure"' in response.content.decode()  # refused for the token
    assert card.events.count() == 1 + 1  # opened + the evidence added by the fixture
