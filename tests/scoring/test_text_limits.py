"""Texts people write have limits, said in the page (maxlength, with a counter) and enforced
by the form, the domain and the model; an error stands next to its field."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import override

from scoring import domain
from scoring.domain import Entry, ScoringError, Transition, transition
from scoring.models import EXPLANATION_MAX, REASON_MAX, Score, Scorecard
from tests.factories import criterion_ids, self_score
from tests.scoring.test_evidence import form_data


def test_the_scorecard_page_states_the_limit_and_the_accepted_files(staff_client, card):
    html = staff_client.get(reverse("scoring:scorecard", args=[card.pk])).content.decode()

    assert f'maxlength="{EXPLANATION_MAX}"' in html
    assert "Accepted: DOC, DOCX, JPEG, JPG, PDF, PNG, PPT, PPTX, XLS, XLSX; at most 10.0" in html
    assert "js/counter.js" in html


def test_an_explanation_over_the_limit_is_refused_next_to_its_field(staff_client, card):
    ids = criterion_ids(card)
    data = form_data(card, {"1": "2"})
    data[f"note_{ids['1']}"] = "x" * (EXPLANATION_MAX + 1)

    page = staff_client.post(reverse("scoring:scorecard", args=[card.pk]), data)

    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(
        rf'name="note_{ids["1"]}".*?</label>\s*<span class="error">Ensure this value has at most',
        html,
        re.S,
    )
    assert Scorecard.objects.get(pk=card.pk).version == card.version  # nothing saved
    assert not Score.objects.filter(scorecard=card, self_points__isnull=False).exists()


def test_the_domain_refuses_a_long_explanation_from_any_caller(card):
    ids = criterion_ids(card)

    with override("en"), pytest.raises(ScoringError) as error:
        domain.record_self_scores(card, {ids["3"]: Entry(Decimal(1), "y" * (EXPLANATION_MAX + 5))})

    assert error.value.messages == [
        f"The explanation of criterion 3 is {EXPLANATION_MAX + 5} characters long; "
        f"at most {EXPLANATION_MAX} are allowed."
    ]
    assert Scorecard.objects.get(pk=card.pk).version == card.version


def test_the_domain_refuses_a_long_comment_on_a_transition(card):
    card = self_score(card, 2)

    with override("en"), pytest.raises(ScoringError):
        transition(
            transition(card, Transition.SUBMIT), Transition.RETURN, note="z" * (REASON_MAX + 1)
        )

    assert Scorecard.objects.get(pk=card.pk).status == "submitted"


def test_the_model_knows_the_limits(card):
    score = card.scores.first()
    score.self_note = "x" * (EXPLANATION_MAX + 1)

    with pytest.raises(ValidationError) as error:
        score.full_clean()

    assert "self_note" in error.value.message_dict


def test_a_changed_review_without_its_reason_is_refused_next_to_the_reason(reviewer_client, card):
    card = transition(self_score(card, 2), Transition.SUBMIT)
    ids = criterion_ids(card)
    data = {"version": card.version, "action": "save", "note": ""}
    for code, cid in ids.items():
        data[f"points_{cid}"] = "1" if code == "3" else ""
        data[f"reason_{cid}"] = ""
        data[f"comment_{cid}"] = ""

    page = reviewer_client.post(reverse("scoring:review", args=[card.pk]), data)

    html = page.content.decode()
    assert re.search(
        rf'name="reason_{ids["3"]}".*?</label>\s*<span class="error">Give a reason for changing',
        html,
        re.S,
    )
    assert not Score.objects.filter(scorecard=card, reviewed_points__isnull=False).exists()


def test_a_refused_extension_shows_its_errors_next_to_the_fields(reviewer_client, card):
    import datetime

    from django.utils import timezone

    card = transition(self_score(card, 2), Transition.SUBMIT)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    page = reviewer_client.post(
        reverse("scoring:deadline", args=[card.pk]), {"deadline": yesterday.isoformat(), "note": ""}
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(
        r'name="deadline"[^>]*>\s*<span class="error">The new deadline must be after', html
    )
    assert re.search(r'name="note"[^>]*>\s*<span class="error">Give the reason', html)
    assert Scorecard.objects.get(pk=card.pk).deadline is None
