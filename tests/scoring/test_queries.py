"""Every page runs as many queries for a district of 30 units as for one of 3.

Each test builds a small and a large district through the factories and ``open_period``, puts
their scorecards in a mix of draft, submitted and approved states with evidence files on them,
opens the same page on both and compares the query counts. The pages of a single scorecard
list its criteria and their files, not the units, so the large side also has more criteria and
more files per scorecard: a missing prefetch there shows as well.
"""

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from criteria.models import CriteriaSet
from scoring.domain import Transition, add_evidence, transition
from scoring.files import check_evidence_file
from scoring.models import Period, Scorecard, ScorecardStatus
from scoring.periods import open_period
from tests.factories import (
    BandFactory,
    CriteriaSetFactory,
    CriterionFactory,
    District,
    MembershipFactory,
    district,
    self_score,
)
from units.models import Role


@dataclass(frozen=True)
class Size:
    units: int
    criteria: int
    files: int  # evidence files on each scorecard


SMALL = Size(units=3, criteria=3, files=1)
LARGE = Size(units=30, criteria=12, files=3)
# Far above what any page needs today, far below one query per unit of the large district.
MAX_QUERIES = 25
# The unit's own scorecard page and a save of it, the requests the load bench is made of
# (bench/README.md): session, user, memberships, scorecard, scores, then evidence for the
# page (a draft's rank is not shown before review, so not read); the save's transaction (a
# savepoint in tests) locks the card, writes every changed score in one UPDATE, logs them in
# one INSERT (the audit log), appends the event and stores the card.
SCORECARD_QUERIES = 6
SAVE_QUERIES = 12
STATUSES = [ScorecardStatus.DRAFT, ScorecardStatus.SUBMITTED, ScorecardStatus.APPROVED]
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass
class Scene:
    district: District
    period: Period
    draft: Scorecard
    submitted: Scorecard
    reviewer: object
    staff: object
    clerk: object  # staff of every unit: their home page lists every scorecard


def _attach_evidence(card: Scorecard, files: int) -> None:
    for score in card.scores.order_by("criterion__order")[:files]:
        upload = SimpleUploadedFile(f"{score.criterion.code}.pdf", PDF)
        add_evidence(score, upload, check_evidence_file(upload))


def _drive(card: Scorecard, status: str) -> Scorecard:
    card = self_score(card, 2)
    if status == ScorecardStatus.DRAFT:
        return card
    card = transition(card, Transition.SUBMIT)
    if status == ScorecardStatus.APPROVED:
        card = transition(card, Transition.APPROVE)
    return card


def criteria_set_of(size: Size) -> CriteriaSet:
    criteria_set = CriteriaSetFactory()
    CriterionFactory.create_batch(size.criteria, criteria_set=criteria_set)
    BandFactory(criteria_set=criteria_set, label="Tốt", lower_bound=size.criteria, order=1)
    BandFactory(criteria_set=criteria_set, label="Chưa tốt", lower_bound=0, order=2)
    return criteria_set


def build(size: Size) -> Scene:
    """A district of ``size.units`` scored units (a third agencies), one open period."""
    d = district(n_communes=size.units - size.units // 3, n_agencies=size.units // 3)
    period = open_period(d.district, 2021, 2, criteria_set_of(size))
    cards = list(period.scorecards.order_by("unit__order"))
    for i, card in enumerate(cards):
        _attach_evidence(card, size.files)
        cards[i] = _drive(card, STATUSES[i % len(STATUSES)])
    draft = next(c for c in cards if c.status == ScorecardStatus.DRAFT)
    submitted = next(c for c in cards if c.status == ScorecardStatus.SUBMITTED)
    clerk = MembershipFactory(unit=d.scored[0], role=Role.UNIT_STAFF).user
    for unit in d.scored[1:]:
        MembershipFactory(user=clerk, unit=unit, role=Role.UNIT_STAFF)
    return Scene(
        district=d,
        period=period,
        draft=draft,
        submitted=submitted,
        reviewer=MembershipFactory(unit=d.district, role=Role.REVIEWER).user,
        staff=MembershipFactory(unit=draft.unit, role=Role.UNIT_STAFF).user,
        clerk=clerk,
    )


# page → (who opens it, URL name, what the URL points at)
PAGES = {
    "board": ("reviewer", "scoring:board", "period"),
    "results": ("reviewer", "scoring:results", "period"),
    "review": ("reviewer", "scoring:review", "submitted"),
    "scorecard": ("staff", "scoring:scorecard", "draft"),
    "scorecard-as-reviewer": ("reviewer", "scoring:scorecard", "submitted"),
    "home-of-reviewer": ("reviewer", "home", None),
    "home-of-clerk": ("clerk", "home", None),
}


def count_queries(client, scene: Scene, page: str) -> int:
    persona, name, target = PAGES[page]
    client.force_login(getattr(scene, persona))
    url = reverse(name, args=[getattr(scene, target).pk] if target else [])
    client.get(url)  # the session's first request also pushes its expiry back (one write)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def scenes(db) -> tuple[Scene, Scene]:
    return build(SMALL), build(LARGE)


@pytest.mark.parametrize("page", list(PAGES))
def test_the_page_runs_as_many_queries_for_30_units_as_for_3(client, scenes, page):
    small, large = scenes

    few = count_queries(client, small, page)
    many = count_queries(client, large, page)

    assert many == few
    assert few <= MAX_QUERIES


def count_save_queries(client, scene: Scene) -> int:
    """Queries of the draft's own staff pressing "Save" with new points and notes everywhere."""
    card = Scorecard.objects.get(pk=scene.draft.pk)
    criteria = list(card.scores.values_list("criterion_id", flat=True))
    data = {"version": card.version, "action": "save"}
    for cid in criteria:
        data[f"points_{cid}"], data[f"note_{cid}"] = "1", "Đã rà soát"
    client.force_login(scene.staff)
    client.get(reverse("home"))  # the session's first request pushes its expiry back
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("scoring:scorecard", args=[card.pk]), data)
    assert response.status_code == 302
    assert card.scores.filter(self_points=1, self_note="Đã rà soát").count() == len(criteria)
    return len(queries)


def test_the_scorecard_page_and_a_save_run_a_fixed_number_of_queries(client, scenes):
    counts = [
        (count_queries(client, scene, "scorecard"), count_save_queries(client, scene))
        for scene in scenes
    ]

    assert counts == [(SCORECARD_QUERIES, SAVE_QUERIES)] * 2


def shape(scene: Scene) -> tuple:
    return (
        scene.period.scorecards.count(),
        scene.draft.scores.count(),
        scene.draft.scores.filter(evidence__isnull=False).count(),
        scene.submitted.scores.filter(evidence__isnull=False).count(),
        {card.status for card in scene.period.scorecards.all()},
    )


def test_the_large_side_is_larger_on_every_axis(scenes):
    small, large = scenes

    assert shape(small) == (3, 3, 1, 1, set(STATUSES))
    assert shape(large) == (30, 12, 3, 3, set(STATUSES))
    assert {c.status for c in large.period.scorecards.all()} == set(STATUSES)
