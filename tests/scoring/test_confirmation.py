"""Final or destructive actions ask first, on a page of their own when the browser runs no
JavaScript (``tthc_scoring.confirmation``); cancelling changes nothing, and nothing the user
typed is lost on the way."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from scoring.domain import Entry, Transition, add_evidence, record_self_scores, transition
from scoring.files import check_evidence_file
from scoring.models import Evidence, Scorecard, ScorecardStatus
from tests.clients import asking_client, flashes
from tests.factories import attach_required_evidence, criterion_ids, self_score
from tests.scoring.test_evidence import form_data, pdf_bytes


def url(card, name="scoring:scorecard"):
    return reverse(name, args=[card.pk])


def confirmation(response) -> dict:
    """The confirmation page's form: where it posts and the fields it posts again."""
    html = response.content.decode()
    assert response.status_code == 200 and 'id="confirm"' in html
    html = html[html.index('id="confirm"') :]
    html = html[: html.index("</section>")]
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1)
    fields = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html)
    return {"action": action, "fields": fields, "html": html}


@pytest.fixture
def asking(staff):
    return asking_client(staff)


@pytest.fixture
def asking_reviewer(reviewer):
    return asking_client(reviewer)


def test_save_and_submit_without_javascript_saves_then_asks(asking, card):
    attach_required_evidence(card)
    card.refresh_from_db()
    data = form_data(card, dict.fromkeys("123456789", "2"))
    data |= {f"note_{cid}": "Theo sổ theo dõi" for cid in criterion_ids(card).values()}
    data["action"] = "submit"

    page = asking.post(url(card), data)

    asked = confirmation(page)
    fresh = Scorecard.objects.get(pk=card.pk)
    assert fresh.status == ScorecardStatus.DRAFT  # not submitted yet
    assert fresh.self_total == 18  # but nothing typed is lost
    assert asked["action"] == url(card, "scoring:submit")
    assert ("version", str(fresh.version)) in asked["fields"]

    done = asking.post(asked["action"], dict(asked["fields"]))
    assert done.status_code == 302
    assert Scorecard.objects.get(pk=card.pk).status == ScorecardStatus.SUBMITTED


def test_save_and_submit_of_an_incomplete_card_saves_and_says_why_without_asking(asking, card):
    data = form_data(card, {"1": "2"})
    data["action"] = "submit"

    answer = asking.post(url(card), data)

    assert answer.status_code == 302
    assert "Saved as a draft, but not submitted:" in flashes(answer)
    assert "Criterion 2 has no points." in flashes(answer)
    assert Scorecard.objects.get(pk=card.pk).self_total == 2


def test_cancelling_leaves_the_card_as_it_was(asking, card):
    card = self_score(card, 2)
    before = Scorecard.objects.get(pk=card.pk).version

    page = asking.post(url(card, "scoring:submit"), {"version": card.version})

    asked = confirmation(page)
    assert f'href="{url(card)}"' in asked["html"]  # "Huỷ": back, nothing posted
    fresh = Scorecard.objects.get(pk=card.pk)
    assert (fresh.status, fresh.version) == (ScorecardStatus.DRAFT, before)


def test_removing_evidence_saves_the_other_edits_first_then_asks(asking, card, staff):
    score = card.scores.get(criterion__code="6")
    upload = SimpleUploadedFile("bien-ban.pdf", pdf_bytes(), content_type="application/pdf")
    evidence = add_evidence(score, upload, check_evidence_file(upload), actor=staff)
    card.refresh_from_db()
    data = form_data(card, {"1": "2"})
    data[f"note_{criterion_ids(card)['1']}"] = "Đã rà soát sổ"

    page = asking.post(reverse("scoring:evidence_delete", args=[evidence.pk]), data)

    asked = confirmation(page)
    assert "bien-ban.pdf" in asked["html"]
    assert Evidence.objects.filter(pk=evidence.pk).exists()  # not yet removed
    kept = card.scores.get(criterion__code="1")
    assert (kept.self_points, kept.self_note) == (2, "Đã rà soát sổ")  # the edits are saved

    asking.post(asked["action"], dict(asked["fields"]))
    assert not Evidence.objects.filter(pk=evidence.pk).exists()


@pytest.mark.parametrize(("action", "status"), [("approve", "approved"), ("return", "returned")])
def test_approving_or_returning_asks_first_and_keeps_the_review(
    asking_reviewer, card, action, status
):
    card = transition(self_score(card, 2), Transition.SUBMIT)
    ids = criterion_ids(card)
    data = {"version": card.version, "action": action, "note": "Bổ sung minh chứng"}
    for cid in ids.values():
        data[f"points_{cid}"] = ""
        data[f"reason_{cid}"] = ""
        data[f"comment_{cid}"] = ""

    page = asking_reviewer.post(url(card, "scoring:review"), data)

    asked = confirmation(page)
    assert Scorecard.objects.get(pk=card.pk).status == ScorecardStatus.SUBMITTED
    assert ("note", "Bổ sung minh chứng") in asked["fields"]
    assert ("action", action) in asked["fields"]

    asking_reviewer.post(asked["action"], dict(asked["fields"]) | {"confirmed": "1"})
    assert Scorecard.objects.get(pk=card.pk).status == status


# Withdrawing a submission


def test_the_unit_can_withdraw_until_a_reviewer_opens_the_card(staff_client, reviewer_client, card):
    card = transition(self_score(card, 2), Transition.SUBMIT)
    assert 'id="withdraw"' in staff_client.get(url(card)).content.decode()

    staff_client.post(url(card, "scoring:withdraw"))
    assert Scorecard.objects.get(pk=card.pk).status == ScorecardStatus.DRAFT

    card = transition(Scorecard.objects.get(pk=card.pk), Transition.SUBMIT)
    reviewer_client.get(url(card, "scoring:review"))  # a reviewer opens it
    html = staff_client.get(url(card)).content.decode()
    assert 'id="withdraw"' not in html and 'id="review-started"' in html

    answer = staff_client.post(url(card, "scoring:withdraw"))
    assert any("can no longer be withdrawn" in m for m in flashes(answer))
    assert Scorecard.objects.get(pk=card.pk).status == ScorecardStatus.SUBMITTED


# What the scorecard says before and after review


def test_a_draft_shows_its_self_total_and_band_but_no_final_total_or_rank(staff_client, card):
    card = self_score(card, 2)

    html = staff_client.get(url(card)).content.decode()

    assert re.search(r'id="final-total"[^>]*>not reviewed yet<', html)
    assert re.search(r'id="band">Xuất sắc<', html)
    assert "Classification by the self total" in html
    assert 'id="rank"' not in html
    assert re.search(r'id="progress">9/9 criteria scored<', html)


def test_after_review_the_final_total_band_and_rank_appear(staff_client, reviewer, card):
    card = transition(transition(self_score(card, 2), Transition.SUBMIT), Transition.APPROVE)

    html = staff_client.get(url(card)).content.decode()

    assert re.search(r'id="final-total">18 <small class="muted">\(reviewed, same points\)', html)
    assert re.search(r'id="rank">1<', html)


def test_progress_counts_the_scored_criteria(staff_client, card):
    ids = criterion_ids(card)
    record_self_scores(card, {ids[c]: Entry(Decimal(1), "x") for c in "1234567"})

    html = staff_client.get(url(card)).content.decode()

    assert re.search(r'id="progress">7/9 criteria scored<', html)
