"""The scorecard's history page: every kind of event reads as Vietnamese sentences or a small
before/after table, never as stored JSON or a bare hash."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from scoring import domain
from scoring.domain import Entry, Transition
from scoring.files import check_evidence_file
from scoring.models import EventKind, Scorecard, ScorecardEvent, ScorecardStatus
from tests.factories import attach_required_evidence
from tests.scoring.test_evidence import pdf_bytes, upload


def page(client, card) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"  # the product's language
    response = client.get(reverse("scoring:history", args=[card.pk]))
    assert response.status_code == 200
    return re.sub(r"\s*(<[^>]+>)\s*", r"\1", response.content.decode())  # no layout spaces


def criterion(card, code):
    return card.scores.get(criterion__code=code).criterion


def no_program_data(html: str) -> None:
    for leak in ("{'", '{"', "':", "sha256", "None", "'points'", "self_points", "Decimal("):
        assert leak not in html, leak


@pytest.fixture
def scored(card, staff):
    three = criterion(card, "3")
    domain.record_self_scores(card, {three.pk: Entry(Decimal(1), "Niêm yết đủ")}, actor=staff)
    domain.record_self_scores(
        card, {three.pk: Entry(Decimal(2), "Niêm yết đủ, có ảnh chụp")}, actor=staff
    )
    return card


def test_self_scores_read_as_a_before_after_table(staff_client, scored):
    html = page(staff_client, scored)
    assert "Lưu điểm tự chấm các tiêu chí 3." in html
    assert '<th scope="row">Tiêu chí 3: điểm</th><td>1</td><td>2</td>' in html
    assert (
        "Tiêu chí 3: giải trình</th><td>Niêm yết đủ</td><td>Niêm yết đủ, có ảnh chụp</td>" in html
    )
    assert "Mở phiếu chấm cho kỳ đánh giá." in html
    no_program_data(html)


def test_decimal_points_use_a_comma(staff_client, card, staff):
    nine = criterion(card, "9")
    nine.max_points = Decimal(2)
    ScorecardEvent.objects.create(
        scorecard=card,
        actor=staff,
        kind=EventKind.SELF_SCORED,
        before={"9": {"points": None, "note": ""}},
        after={"9": {"points": "1.50", "note": "Một nửa"}},
    )
    html = page(staff_client, card)
    assert "<td>—</td><td>1,5</td>" in html


def test_transitions_say_the_status_before_and_after_with_the_comment(
    staff_client, reviewer, scored, staff
):
    card = scored
    for code in "12456789":
        c = criterion(card, code)
        domain.record_self_scores(card, {c.pk: Entry(Decimal(0), "Không có")}, actor=staff)
    attach_required_evidence(card)
    card.refresh_from_db()
    domain.transition(card, Transition.SUBMIT, actor=staff)
    domain.transition(card, Transition.RETURN, actor=reviewer, note="Bổ sung minh chứng")
    html = page(staff_client, card)
    assert "Trạng thái: Nháp → Đã gửi." in html
    assert "Trạng thái: Đã gửi → Trả lại. Nhận xét: Bổ sung minh chứng" in html
    no_program_data(html)


def test_review_deadline_and_no_procedure(reviewer_client, reviewer, card, staff, period):
    three = criterion(card, "3")
    domain.record_self_scores(card, {three.pk: Entry(Decimal(2), "Đủ")}, actor=staff)
    domain.declare_no_tthc(card, True, "Không có hồ sơ", actor=staff)
    domain.declare_no_tthc(card, False, actor=staff)
    Scorecard.objects.filter(pk=card.pk).update(status=ScorecardStatus.SUBMITTED)  # set-up
    domain.record_review(card, {three.pk: Entry(Decimal(1), "Thiếu ảnh")}, actor=reviewer)
    later = (period.self_deadline or datetime.date.today()) + datetime.timedelta(days=30)
    domain.extend_deadline(
        card, later, actor=reviewer, note="Mất điện", today=later - datetime.timedelta(days=1)
    )
    html = page(reviewer_client, card)
    assert "Tiêu chí 3: điểm thẩm định</th><td>—</td><td>1</td>" in html
    assert "Tiêu chí 3: lý do</th><td>—</td><td>Thiếu ảnh</td>" in html
    assert f"→ {later:%d/%m/%Y}. Lý do: Mất điện" in html
    assert "Khai báo không phát sinh thủ tục hành chính trong quý. Lý do: Không có hồ sơ" in html
    assert "Rút khai báo không phát sinh thủ tục hành chính." in html
    no_program_data(html)


def test_evidence_names_the_file_and_its_size_and_keeps_the_hash_for_auditors(
    staff_client, card, staff
):
    score = card.scores.get(criterion__code="6")
    file = upload("bien-ban.pdf", pdf_bytes())
    checked = check_evidence_file(file)
    evidence = domain.add_evidence(score, file, checked, actor=staff)
    domain.remove_evidence(evidence, actor=staff)
    html = page(staff_client, card)
    assert len(pdf_bytes()) in range(1400, 1500)  # shown as 1,4 KB
    assert re.search(r"Thêm minh chứng bien-ban\.pdf \(1,4.KB\) cho tiêu chí 6\.", html)
    assert "Xoá minh chứng bien-ban.pdf" in html
    assert f"SHA-256 {checked.sha256}" in html  # the details line, not the sentence
    assert f"bien-ban.pdf {checked.sha256}" not in html


def test_an_import_lists_each_field_it_changed(staff_client, card):
    ScorecardEvent.objects.create(
        scorecard=card,
        kind=EventKind.IMPORTED,
        note="diem-quy-2.xlsx",
        before={
            "2": {
                "self_points": None,
                "self_note": "",
                "reviewed_points": None,
                "review_reason": "",
            },
            "no_tthc": False,
            "no_tthc_note": "",
        },
        after={
            "2": {
                "self_points": "2.00",
                "self_note": "Đủ",
                "reviewed_points": None,
                "review_reason": "",
            },
            "no_tthc": True,
            "no_tthc_note": "Không có",
        },
    )
    html = page(staff_client, card)
    assert "Nhập từ tệp diem-quy-2.xlsx." in html
    assert "Tiêu chí 2: điểm</th><td>—</td><td>2</td>" in html
    assert "Tiêu chí 2: điểm thẩm định" not in html  # unchanged fields are not listed
    assert "Không phát sinh TTHC</th><td>không</td><td>có</td>" in html
    no_program_data(html)


def test_a_long_explanation_is_shortened_with_the_whole_text_one_click_away(
    staff_client, card, staff
):
    long = "Giải trình rất dài " * 30
    three = criterion(card, "3")
    domain.record_self_scores(card, {three.pk: Entry(Decimal(1), long.strip())}, actor=staff)
    html = page(staff_client, card)
    assert "Xem đầy đủ" in html
    assert long.strip() in html  # inside the <details>
    assert html.count("Giải trình rất dài") > 30  # shortened copy + whole text


@pytest.mark.parametrize("kind", list(EventKind))
def test_every_kind_of_event_has_its_own_words(staff_client, card, kind):
    ScorecardEvent.objects.create(scorecard=card, kind=kind, before={}, after={})
    html = page(staff_client, card)
    no_program_data(html)
    assert str(kind.label) in html or kind == EventKind.OPENED
