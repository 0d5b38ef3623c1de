"""A scorecard's history told in sentences and small before/after tables, from its
append-only events (``ScorecardEvent``). Never shows the stored JSON: every kind of event has
its own wording, and a value the reader needs (points, an explanation, a status, a date) is
shown the way the rest of the site shows it. The file hashes stay for auditors in ``detail``.

``Line`` and ``Change`` are shared with the report's history (``reports.history``), and both
render through ``templates/_history.html``.
"""

import datetime
from dataclasses import dataclass, field

from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from scoring.models import EventKind, Scorecard, ScorecardEvent, ScorecardStatus
from scoring.suggestions import number


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Line:
    sentence: str
    changes: list[Change] = field(default_factory=list)
    heading: str = ""  # what happened, when and by whom (scorecards; reports say it in full)
    detail: str = ""  # for auditors: file fingerprints
    note: str = ""  # where a change came from, when the event says


def lines(card: Scorecard) -> list[Line]:
    """Newest first."""
    events = card.events.select_related("actor").order_by("-created_at", "-id")
    return [describe(event) for event in events]


def describe(event: ScorecardEvent) -> Line:
    at = timezone.localtime(event.created_at)
    line = DESCRIBERS.get(event.kind, _describe_status)(event)
    if event.note and event.kind not in NOTE_IN_SENTENCE:
        line.note = event.note  # e.g. which scoring sheet the save came from
    line.heading = _("%(what)s · %(time)s %(date)s · %(actor)s") % {
        "what": event.get_kind_display(),
        "time": at.strftime("%H:%M"),
        "date": at.strftime("%d/%m/%Y"),
        "actor": person(event.actor),
    }
    return line


def person(user) -> str:
    if user is None:
        return _("The system")
    return user.get_full_name() or user.get_username()


def points_text(value) -> str:
    """Stored points ("1.50", 2, None) as the site shows them: "1,5", "2", "—"."""
    return "—" if value in (None, "") else number(value)


def text(value) -> str:
    return value if value not in (None, "") else "—"


def date_text(value: str | None) -> str:
    if not value:
        return "—"
    return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")


def status_text(value: str | None) -> str:
    if not value:
        return "—"
    return str(ScorecardStatus(value).label)


def _criterion(code: str) -> str:
    return _("Criterion %(code)s") % {"code": code}


def _score_changes(before: dict, after: dict, fields: list[tuple[str, str, object]]) -> list:
    """One row per criterion and field that changed; ``fields`` are (key, label, formatter)."""
    changes = []
    for code, new in after.items():
        old = before.get(code) or {}
        if not isinstance(new, dict):
            continue
        for key, label, shown in fields:
            if key in new and old.get(key) != new.get(key):
                changes.append(
                    Change(f"{_criterion(code)}: {label}", shown(old.get(key)), shown(new.get(key)))
                )
    return changes


def _codes(after: dict) -> str:
    return ", ".join(code for code, value in after.items() if isinstance(value, dict))


def _describe_opened(event: ScorecardEvent) -> Line:
    if event.after.get("carried_over"):
        return Line(
            _(
                "The scorecard was opened for the quarter, with the explanations of the "
                "previous quarter as a starting draft (criteria %(codes)s)."
            )
            % {"codes": ", ".join(event.after["carried_over"])}
        )
    return Line(_("The scorecard was opened for the quarter."))


def _describe_self_scored(event: ScorecardEvent) -> Line:
    changes = _score_changes(
        event.before,
        event.after,
        [("points", _("points"), points_text), ("note", _("explanation"), text)],
    )
    return Line(
        _("Self-scores saved for criteria %(codes)s.") % {"codes": _codes(event.after)}, changes
    )


def _describe_reviewed(event: ScorecardEvent) -> Line:
    changes = _score_changes(
        event.before,
        event.after,
        [
            ("points", _("reviewed points"), points_text),
            ("reason", _("reason"), text),
            ("comment", _("comment to the unit"), text),
        ],
    )
    return Line(_("Review saved for criteria %(codes)s.") % {"codes": _codes(event.after)}, changes)


def _describe_no_tthc(event: ScorecardEvent) -> Line:
    if event.after.get("no_tthc"):
        return Line(
            _("Declared that no administrative procedure arose this quarter. Reason: %(note)s")
            % {"note": event.after.get("note") or "—"}
        )
    return Line(_("Withdrew the declaration that no administrative procedure arose."))


def _describe_evidence(event: ScorecardEvent) -> Line:
    sentences, hashes = [], []
    for code, value in (event.after or {}).items():
        sentences.append(
            _evidence_sentence(_("Added evidence %(name)s%(size)s to %(criterion)s."), code, value)
        )
        hashes.append(value.get("sha256", ""))
    for code, value in (event.before or {}).items():
        sentences.append(
            _evidence_sentence(
                _("Removed evidence %(name)s%(size)s from %(criterion)s."), code, value
            )
        )
        hashes.append(value.get("sha256", ""))
    detail = " ".join(f"SHA-256 {h}" for h in hashes if h)
    return Line(" ".join(sentences), detail=detail)


def _evidence_sentence(template: str, code: str, value: dict) -> str:
    name = value.get("added") or value.get("removed") or "—"
    size = f" ({filesizeformat(value['size'])})" if value.get("size") else ""
    return template % {"name": name, "size": size, "criterion": _criterion(code).lower()}


def _describe_status(event: ScorecardEvent) -> Line:
    sentence = _("Status: %(before)s → %(after)s.") % {
        "before": status_text(event.before.get("status")),
        "after": status_text(event.after.get("status")),
    }
    if event.note:
        sentence += " " + _("Comment: %(note)s") % {"note": event.note}
    return Line(sentence)


def _describe_deadline(event: ScorecardEvent) -> Line:
    before = event.before.get("deadline")
    sentence = _("Self-scoring deadline: %(before)s → %(after)s.") % {
        "before": date_text(before) if before else _("the period's deadline"),
        "after": date_text(event.after.get("deadline")),
    }
    if event.note:
        sentence += " " + _("Reason: %(note)s") % {"note": event.note}
    return Line(sentence)


def _describe_imported(event: ScorecardEvent) -> Line:
    changes = _score_changes(
        event.before,
        event.after,
        [
            ("self_points", _("points"), points_text),
            ("self_note", _("explanation"), text),
            ("reviewed_points", _("reviewed points"), points_text),
            ("review_reason", _("reason"), text),
        ],
    )
    if "no_tthc" in event.after:
        yes_no = {True: _("yes"), False: _("no")}
        changes.append(
            Change(
                _("No procedure arose"),
                yes_no.get(event.before.get("no_tthc"), "—"),
                yes_no.get(event.after.get("no_tthc"), "—"),
            )
        )
        changes.append(
            Change(
                _("Reason no procedure arose"),
                text(event.before.get("no_tthc_note")),
                text(event.after.get("no_tthc_note")),
            )
        )
    if event.note:
        sentence = _("Imported from the file %(name)s.") % {"name": event.note}
    else:
        sentence = _("Imported from a file.")
    return Line(sentence, changes)


NOTE_IN_SENTENCE = {
    EventKind.NO_TTHC,
    EventKind.DEADLINE,
    EventKind.IMPORTED,
    EventKind.SUBMITTED,
    EventKind.RETURNED,
    EventKind.APPROVED,
    EventKind.REOPENED,
}

DESCRIBERS = {
    EventKind.OPENED: _describe_opened,
    EventKind.SELF_SCORED: _describe_self_scored,
    EventKind.REVIEWED: _describe_reviewed,
    EventKind.NO_TTHC: _describe_no_tthc,
    EventKind.EVIDENCE: _describe_evidence,
    EventKind.DEADLINE: _describe_deadline,
    EventKind.IMPORTED: _describe_imported,
}
