"""Per-object access for the scoring pages: one helper per model, 404 for outsiders.

Scope comes from ``units.access`` only, and a scorecard belongs to the period it was scored
in: the reviewers and leaders of the unit that organised the period (the district, at the time
of the period) reach it, whatever district the unit belongs to today. A unit's staff reach
their own unit's scorecards. Nobody reviews their own unit's scorecard. Anyone else gets a 404,
never a 403, so they cannot even learn that the object exists. Within scope, a role that may
look but not act (a leader on a review action) gets a 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from scoring.models import Evidence, Period, Scorecard
from units.access import overseen_unit_ids, own_unit_ids, staff_unit_ids
from units.models import Role


def periods_for(user) -> QuerySet[Period]:
    """Periods whose board the user may see: organised by a unit they review or lead."""
    ids = overseen_unit_ids(user)
    return Period.objects.all() if ids is None else Period.objects.filter(organizer_id__in=ids)


def scorecards_for(user) -> QuerySet[Scorecard]:
    """Scorecards the user may see: their own unit's, and every one of a period they oversee."""
    ids = overseen_unit_ids(user)
    if ids is None:
        return Scorecard.objects.all()
    return Scorecard.objects.filter(
        Q(unit_id__in=staff_unit_ids(user)) | Q(period__organizer_id__in=ids)
    )


def reviewable_scorecards(user) -> QuerySet[Scorecard]:
    """Scorecards the user may review: in periods organised under their reviewer units, except
    their own unit's."""
    ids = overseen_unit_ids(user, [Role.REVIEWER])
    cards = (
        Scorecard.objects.all()
        if ids is None
        else Scorecard.objects.filter(period__organizer_id__in=ids)
    )
    return cards.exclude(unit_id__in=own_unit_ids(user))


def get_scorecard(user, pk: int, *, action: str = "view") -> Scorecard:
    """The scorecard if the user may see it (404 otherwise) and do ``action`` on it (403).

    Actions: "view", "self" (enter self-scores: the unit's staff), "review" (reviewers).
    """
    card = get_object_or_404(
        scorecards_for(user).select_related("unit", "period__criteria_set", "period__organizer"),
        pk=pk,
    )
    allowed = {
        "view": lambda: True,
        "self": lambda: can_self_score(user, card),
        "review": lambda: can_review(user, card),
    }[action]
    if not allowed():
        raise PermissionDenied
    return card


def can_review(user, card: Scorecard) -> bool:
    return reviewable_scorecards(user).filter(pk=card.pk).exists()


def can_self_score(user, card: Scorecard) -> bool:
    return card.unit_id in staff_unit_ids(user)


def get_period(user, pk: int, *, action: str = "view") -> Period:
    period = get_object_or_404(periods_for(user).select_related("organizer", "criteria_set"), pk=pk)
    if action == "review" and not can_review_period(user, period):
        raise PermissionDenied
    return period


def can_review_period(user, period: Period) -> bool:
    ids = overseen_unit_ids(user, [Role.REVIEWER])
    return ids is None or period.organizer_id in ids


def get_evidence(user, pk: int, *, action: str = "view") -> Evidence:
    evidence = get_object_or_404(
        Evidence.objects.select_related("score__scorecard", "score__criterion"), pk=pk
    )
    card = evidence.score.scorecard
    if not scorecards_for(user).filter(pk=card.pk).exists():
        raise Http404
    if action == "self" and not can_self_score(user, card):
        raise PermissionDenied
    return evidence
