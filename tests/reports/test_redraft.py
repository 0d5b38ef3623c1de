"""Editing and redrafting the report without surprises: a browser's CRLF is not an edit,
"Soạn lại từ dữ liệu" shows what would change before it writes and leaves hand edits alone
unless ticked, and approval says why it cannot happen yet."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from reports import domain
from reports.forms import ReportForm
from reports.models import Report, ReportEventKind, normalised
from tests.clients import asking_client, client_for, flashes
from tests.reports.conftest import numbered, score_period


def page_url(period) -> str:
    return reverse("reports:report", args=[period.pk])


def posted(report: Report, **changes) -> dict:
    """The report form as a browser posts it back: every field, text with CRLF line ends."""
    form = ReportForm(instance=report, initial={"version": report.version})
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    for name in domain.SECTIONS:
        data[name] = str(data[name]).replace("\n", "\r\n") + "  "
    data["issue_date"] = report.issue_date.isoformat() if report.issue_date else ""
    data.update(changes)
    return data


def test_normalised_text_ignores_line_endings_and_trailing_spaces():
    assert normalised("a  \r\nb\r\n\r\n") == normalised("a\nb") == "a\nb"
    assert normalised("a\n\nb") != normalised("a\nb")  # an empty line is a real change


def test_saving_the_form_unchanged_flags_nothing_as_edited(period, reviewer):
    report = domain.report_for(period)
    client = client_for(reviewer)

    answer = client.post(page_url(period), posted(report, action="save"))

    fresh = Report.objects.get(pk=report.pk)
    assert answer.status_code == 302
    assert fresh.hand_edited() == []
    assert not fresh.events.filter(kind=ReportEventKind.EDITED).exists()
    assert fresh.version == report.version


def test_a_real_edit_is_stored_with_plain_line_endings(period, reviewer):
    report = domain.report_for(period)
    client = client_for(reviewer)

    client.post(page_url(period), posted(report, action="save", issues="- Một\r\n- Hai  \r\n"))

    fresh = Report.objects.get(pk=report.pk)
    assert fresh.issues == "- Một\n- Hai"
    assert fresh.hand_edited() == ["issues"]


@pytest.fixture
def redraftable(period):
    """A report drafted before the scores were in: redrafting would change its sections."""
    report = domain.report_for(period)
    report = domain.edit(report, {"issues": "- Tồn tại do lãnh đạo viết."})
    score_period(period)
    return Report.objects.get(pk=report.pk)


def test_redrafting_shows_what_would_change_and_writes_nothing(redraftable, reviewer):
    asking = asking_client(reviewer)
    before = Report.objects.get(pk=redraftable.pk)

    page = asking.post(page_url(redraftable.period), {"action": "regenerate"})

    html = page.content.decode()
    assert page.status_code == 200 and 'id="redraft"' in html
    assert 'id="redraft-specific"' in html  # the results section would change
    assert re.search(r'id="redraft-issues">.*name="replace" value="issues"', html, re.S)
    assert 'name="replace" value="specific"' not in html  # not edited by hand: no choice
    after = Report.objects.get(pk=redraftable.pk)
    assert (after.version, after.specific, after.issues) == (
        before.version,
        before.specific,
        before.issues,
    )


def test_confirming_keeps_the_hand_edited_section_unless_ticked(redraftable, reviewer):
    asking = asking_client(reviewer)
    url = page_url(redraftable.period)

    asking.post(url, {"action": "regenerate", "confirmed": "1"})
    kept = Report.objects.get(pk=redraftable.pk)
    assert kept.issues == "- Tồn tại do lãnh đạo viết."
    assert "Các xã: 03 đơn vị đạt xuất sắc." in kept.specific

    asking.post(url, {"action": "regenerate", "confirmed": "1", "replace": ["issues"]})
    assert Report.objects.get(pk=redraftable.pk).issues != "- Tồn tại do lãnh đạo viết."


def test_redrafting_from_the_form_saves_the_edits_first(redraftable, reviewer):
    asking = asking_client(reviewer)
    data = posted(redraftable, action="regenerate", closing="Nơi nhận viết tay.")

    page = asking.post(page_url(redraftable.period), data)

    assert page.status_code == 200
    assert Report.objects.get(pk=redraftable.pk).closing == "Nơi nhận viết tay."


def test_nothing_to_redraft_says_so(period, reviewer):
    domain.report_for(period)

    answer = asking_client(reviewer).post(page_url(period), {"action": "regenerate"})

    assert answer.status_code == 302
    assert flashes(answer) == ["Redrafting would change nothing: the sections match the data."]


# Approval


def test_approval_is_disabled_with_the_reasons_after_the_number_and_date(period, leader):
    domain.report_for(period)

    html = client_for(leader).get(page_url(period)).content.decode()

    assert re.search(r'<button class="primary" id="approve-report" disabled', html)
    problems = html[html.index('id="approval-problems"') :]
    assert "Set the report&#x27;s number." in problems or "Set the report's number." in problems
    assert html.index('name="number"') < html.index('id="approve-report"')
    assert html.index('name="issue_date"') < html.index('id="approve-report"')


def test_approval_is_possible_once_nothing_is_missing_and_asks_first(period, leader, demo_signing):
    score_period(period)
    report = numbered(domain.report_for(period))
    asking = asking_client(leader)

    html = asking.get(page_url(period)).content.decode()
    assert re.search(r'id="approve-report" data-confirm=', html)

    page = asking.post(reverse("reports:approve", args=[period.pk]))
    assert 'id="confirm"' in page.content.decode()
    assert Report.objects.get(pk=report.pk).is_draft


# The online-share threshold, in words and per cent


def test_the_threshold_is_shown_and_entered_as_a_percentage(period, reviewer):
    report = domain.report_for(period)
    client = client_for(reviewer)

    html = client.get(page_url(period)).content.decode()
    assert re.search(r'name="online_threshold" value="30"', html)
    assert "30 means 30 %" in html

    client.post(page_url(period), posted(report, action="save", online_threshold="25"))
    assert Report.objects.get(pk=report.pk).online_threshold == Decimal("0.250")
