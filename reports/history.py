"""The report's history told in sentences, from its append-only events (``ReportEvent``)."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.models import Report, ReportEvent, ReportEventKind
from scoring.history import Change, Line, person


def lines(report: Report) -> list[Line]:
    """Newest first, as the scorecard's history."""
    events = report.events.select_related("actor").order_by("-created_at", "-id")
    return [describe(event) for event in events]


def describe(event: ReportEvent) -> Line:
    at = timezone.localtime(event.created_at)
    words = {"time": at.strftime("%H:%M"), "date": at.strftime("%d/%m/%Y")}
    if event.kind in (ReportEventKind.EDITED, ReportEventKind.REDRAFTED):
        words |= {"actor": _person(event), "fields": ", ".join(_label(n) for n in event.after)}
        changes = [
            Change(_label(name), _shown(name, event.before.get(name)), _shown(name, value))
            for name, value in event.after.items()
        ]
        return Line(str(SENTENCES[event.kind]) % words, changes)
    words |= {
        "actor": _leader(event),
        "reason": event.note,
        "signer": event.after.get("signer") or event.after.get("certificate_subject", ""),
    }
    return Line(str(SENTENCES[event.kind]) % words)


SENTENCES = {
    ReportEventKind.EDITED: gettext_lazy(
        "%(actor)s edited the report at %(time)s on %(date)s: %(fields)s."
    ),
    ReportEventKind.REDRAFTED: gettext_lazy(
        "%(actor)s redrafted from the data at %(time)s on %(date)s: %(fields)s."
    ),
    ReportEventKind.APPROVED: gettext_lazy(
        "%(actor)s approved the report at %(time)s on %(date)s."
    ),
    ReportEventKind.WITHDRAWN: gettext_lazy(
        "Approval withdrawn: reason: %(reason)s (%(actor)s, at %(time)s on %(date)s)."
    ),
    ReportEventKind.SIGNED: gettext_lazy(
        "%(actor)s signed the report at %(time)s on %(date)s with the organisation's "
        "certificate: %(signer)s."
    ),
    ReportEventKind.SIGNED_UPLOADED: gettext_lazy(
        "%(actor)s uploaded the report signed by %(signer)s at %(time)s on %(date)s."
    ),
}


def _person(event: ReportEvent) -> str:
    return person(event.actor)


def _leader(event: ReportEvent) -> str:
    """Only leaders approve, withdraw and sign (``reports.access``)."""
    if event.actor is None:
        return _("The system")
    return _("Leader %(name)s") % {"name": _person(event)}


def _label(name: str) -> str:
    return str(Report._meta.get_field(name).verbose_name)


def _shown(name: str, value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name == "issue_date":
        return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
    return str(value)
