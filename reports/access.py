"""Access to reports: whoever sees the period's board sees its report (reviewers and leaders
of the organiser); reviewers and leaders edit a draft; only leaders approve and sign."""

from django.core.exceptions import PermissionDenied

from reports import domain
from reports.models import Report
from scoring import access as scoring_access
from units.access import led_units


def get_report(user, period_pk: int, *, action: str = "view") -> Report:
    period = scoring_access.get_period(user, period_pk)
    if action == "lead" and not can_lead(user, period):
        raise PermissionDenied
    return domain.report_for(period)


def can_lead(user, period) -> bool:
    return led_units(user).filter(pk=period.organizer_id).exists()
