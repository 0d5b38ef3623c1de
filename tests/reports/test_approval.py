"""Approval freezes the report: later score changes never alter the approved PDF; withdrawing
and approving again issues the new results. Approval is refused while anything is missing."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from reports import domain, signing
from reports.models import ReportStatus
from scoring.domain import Entry, Transition, record_review, transition
from tests.clients import english
from tests.factories import criterion_ids
from tests.reports.conftest import (
    WITHDRAW_REASON,
    normalise,
    numbered,
    pdf_text,
    read,
    reopen,
    report_state,
    score_period,
    stored_files,
)

pytestmark = pytest.mark.django_db

STALE_WARNING = "Scores changed after this report was approved."


def refused(function, *args, **kwargs) -> list[str]:
    with translation.override("en"), pytest.raises(domain.ReportError) as excinfo:
        function(*args, **kwargs)
    return excinfo.value.messages


def lower_criterion_1(card, points: str = "0"):
    """Reopen an approved scorecard and lower its criterion 1 (a reviewer's correction)."""
    card = reopen(card)
    entry = Entry(Decimal(points), "Còn hồ sơ trễ hẹn trên Cổng dịch vụ công của tỉnh")
    return record_review(card, {criterion_ids(card)["1"]: entry})


def table_row(content: bytes, unit_name: str) -> str:
    rows = [normalise(line) for line in pdf_text(content, raw=True).splitlines()]
    return next(row for row in rows if f" {unit_name} " in row)


def report_page(client, user, period) -> str:
    english(client).force_login(user)
    response = client.get(reverse("reports:report", args=[period.pk]))
    return response.content.decode()


# ---------------------------------------------------------------------------------------------
# Approval


def test_approval_freezes_the_results_and_renders_the_pdf(scored_period, demo_signing, leader):
    report = numbered(domain.report_for(scored_period))

    report = domain.approve(report, actor=leader)

    content = read(report.pdf)
    assert report.status == ReportStatus.APPROVED
    assert report.approved_by == leader
    assert report.pdf_sha256 == signing.sha256(content)
    assert [len(group["units"]) for group in report.snapshot["groups"]] == [2, 3]
    assert "Số: 15/BC-UBND" in normalise(pdf_text(content))


def test_approval_waits_for_every_scorecard(scored_period, tuan_giao, settings):
    card = scored_period.scorecards.get(unit=tuan_giao.communes[1])
    reopen(card)
    report = numbered(domain.report_for(scored_period))
    before, files = report_state(report), stored_files(settings.MEDIA_ROOT)

    messages = refused(domain.approve, report)

    assert messages == [f"1 scorecard is not approved yet ({tuan_giao.communes[1].short_name})."]
    assert (report_state(report), stored_files(settings.MEDIA_ROOT)) == (before, files)


def test_approval_needs_a_number_and_a_date(scored_period, settings):
    report = domain.report_for(scored_period)
    before, files = report_state(report), stored_files(settings.MEDIA_ROOT)

    messages = refused(domain.approve, report)

    assert messages == ["Set the report's number.", "Set the report's date."]
    assert (report_state(report), stored_files(settings.MEDIA_ROOT)) == (before, files)


def test_a_number_of_spaces_is_no_number(scored_period):
    report = domain.edit(
        domain.report_for(scored_period), {"number": "  ", "issue_date": datetime.date.today()}
    )

    assert refused(domain.approve, report) == ["Set the report's number."]


def test_an_approved_report_cannot_be_approved_or_edited_again(approved_report, settings):
    before, files = report_state(approved_report), stored_files(settings.MEDIA_ROOT)
    approval_only = "The report is approved; withdraw the approval before changing it."

    assert refused(domain.approve, approved_report) == [approval_only]
    assert refused(domain.edit, approved_report, {"number": "16"}) == [approval_only]
    assert refused(domain.regenerate, approved_report) == [approval_only]
    assert (report_state(approved_report), stored_files(settings.MEDIA_ROOT)) == (before, files)


def test_a_stale_version_is_refused(scored_period):
    report = domain.report_for(scored_period)
    opened = report.version
    domain.edit(report, {"number": "15"}, expected_version=opened)

    messages = refused(domain.edit, report, {"number": "16"}, expected_version=opened)

    assert messages == [
        "Someone else changed this report after you opened it. Reload and try again."
    ]


# ---------------------------------------------------------------------------------------------
# Frozen after approval


def test_a_score_changed_after_approval_leaves_the_approved_pdf_as_it_was(
    approved_report, tuan_giao, client, leader
):
    content, checksum = read(approved_report.pdf), approved_report.pdf_sha256
    snapshot = approved_report.snapshot
    assert STALE_WARNING not in report_page(client, leader, approved_report.period)
    card = approved_report.period.scorecards.get(unit=tuan_giao.communes[0])

    lower_criterion_1(card)

    report = type(approved_report).objects.get(pk=approved_report.pk)
    assert read(report.pdf) == content
    assert (report.pdf_sha256, signing.sha256(read(report.pdf))) == (checksum, checksum)
    assert report.snapshot == snapshot
    assert STALE_WARNING in report_page(client, leader, report.period)


def test_withdrawing_makes_a_draft_again(approved_report, leader):
    report = domain.withdraw(approved_report, reason=WITHDRAW_REASON, actor=leader)

    state = report_state(report)
    del state["version"]
    assert state == {
        "status": ReportStatus.DRAFT,
        "snapshot": None,
        "approved_at": None,
        "pdf": "",
        "pdf_sha256": "",
        "signed_pdf": "",
        "signed_sha256": "",
        "certificate_subject": "",
        "signed_at": None,
        "signed_by": None,
    }


def test_withdrawing_a_signed_report_clears_the_signature(approved_report):
    signed = domain.sign(approved_report)

    report = domain.withdraw(signed, reason=WITHDRAW_REASON)

    assert (report.status, report.signed_pdf.name, report.signed_sha256) == ("draft", "", "")


def test_a_draft_cannot_be_withdrawn(scored_period):
    report = domain.report_for(scored_period)

    assert refused(domain.withdraw, report, reason=WITHDRAW_REASON) == [
        "The report is already a draft."
    ]


def test_approving_again_issues_the_new_total(approved_report, tuan_giao):
    unit = tuan_giao.communes[0]
    card = approved_report.period.scorecards.get(unit=unit)
    assert table_row(read(approved_report.pdf), unit.name) == f"1 {unit.name} " + (
        "2 2 2 2 2 2 2 2 2 18 18 Xuất sắc 1"
    )
    transition(lower_criterion_1(card), Transition.APPROVE)

    report = domain.withdraw(approved_report, reason=WITHDRAW_REASON)
    report = domain.approve(report)

    assert table_row(read(report.pdf), unit.name) == f"1 {unit.name} " + (
        "0 2 2 2 2 2 2 2 2 18 16 Xuất sắc 3"
    )


def test_regenerating_after_withdrawal_redrafts_the_counts(approved_report, tuan_giao):
    card = approved_report.period.scorecards.get(unit=tuan_giao.communes[0])
    transition(lower_criterion_1(card, "0"), Transition.APPROVE)
    card = approved_report.period.scorecards.get(unit=tuan_giao.communes[1])
    # 18 - 2 - 2 = 14 points: "tốt"
    card = reopen(card)
    ids = criterion_ids(card)
    reason = "Chưa niêm yết đầy đủ"
    card = record_review(
        card, {ids["1"]: Entry(Decimal(0), reason), ids["6"]: Entry(Decimal(0), reason)}
    )
    transition(card, Transition.APPROVE)
    report = domain.withdraw(approved_report, reason=WITHDRAW_REASON)

    report = domain.approve(domain.regenerate(report))

    text = normalise(pdf_text(read(report.pdf)))
    assert "Các xã: 02 đơn vị đạt xuất sắc, 01 đơn vị đạt kết quả tốt." in text


def test_opening_the_report_before_scoring_ends_does_not_freeze_old_prose(period):
    report = domain.report_for(period)  # drafted while nothing is scored yet
    score_period(period)

    report = domain.approve(numbered(report))

    text = normalise(pdf_text(read(report.pdf)))
    assert "Các xã: 03 đơn vị đạt xuất sắc." in text
    assert "chưa có đơn vị nào đạt điểm số" not in text


def test_withdrawing_and_approving_again_redrafts_the_counts(approved_report, tuan_giao):
    card = approved_report.period.scorecards.get(unit=tuan_giao.communes[1])
    card = reopen(card)
    ids = criterion_ids(card)
    reason = "Chưa niêm yết đầy đủ"
    card = record_review(
        card,
        {
            ids["1"]: Entry(Decimal(0), reason),
            ids["6"]: Entry(Decimal(0), reason),
            ids["7"]: Entry(Decimal(0), reason),
        },
    )
    transition(card, Transition.APPROVE)

    report = domain.approve(domain.withdraw(approved_report, reason=WITHDRAW_REASON))

    text = normalise(pdf_text(read(report.pdf)))
    assert "Các xã: 02 đơn vị đạt xuất sắc, 01 đơn vị đạt kết quả tốt." in text


def test_a_section_edited_by_hand_is_kept_at_approval(period):
    report = domain.report_for(period)
    report = domain.edit(report, {"issues": "- Một tồn tại do lãnh đạo viết."})
    score_period(period)

    report = domain.approve(numbered(report))

    assert report.issues == "- Một tồn tại do lãnh đạo viết."
    assert report.hand_edited() == ["issues"]
    assert "Các xã: 03 đơn vị đạt xuất sắc." in report.specific


def test_regenerating_keeps_hand_edits_unless_asked_to_replace_them(period):
    report = domain.edit(domain.report_for(period), {"issues": "- Viết tay."})

    kept = domain.regenerate(report)
    assert (kept.issues, kept.hand_edited()) == ("- Viết tay.", ["issues"])

    replaced = domain.regenerate(kept, replace=["issues"])
    assert replaced.hand_edited() == []
    assert replaced.issues != "- Viết tay."
