"""Access to reports: whoever sees the period's board sees its report (reviewers and leaders
of the organiser); reviewers and leaders edit a draft; only leaders approve and sign."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from reports import domain
from reports.models import RenderJob, Report
from scoring import access as scoring_access
from units.access import overseen_unit_ids
from units.models import Role


def get_report(user, period_pk: int, *, action: str = "view") -> Report:
    period = scoring_access.get_period(user, period_pk)
    if action == "lead" and not can_lead(user, period):
        raise PermissionDenied
    return domain.report_for(period)


def can_lead(user, period) -> bool:
    ids = overseen_unit_ids(user, [Role.LEADER])
    return ids is None or period.organizer_id in ids


def get_job(user, pk: int, *, action: str = "view") -> RenderJob:
    """A rendering of a report the user may see (404 otherwise). Retrying the approved PDF's
    rendering is for leaders, as approval is (403)."""
    visible = RenderJob.objects.filter(report__period__in=scoring_access.periods_for(user))
    job = get_object_or_404(visible.select_related("report__period"), pk=pk)
    lead_only = action == "retry" and job.kind == RenderJob.Kind.APPROVED
    if lead_only and not can_lead(user, job.report.period):
        raise PermissionDenied
    return job
