"""The report workflow: draft → approved → signed. Views and commands call only these.

Every function guards the report's state under a row lock, changes nothing when it refuses,
and appends a ``ReportEvent`` (who, when, what before and after). Every PDF the report is
issued as is kept as an ``IssuedDocument`` with its hash; a withdrawal never deletes one.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from reports import drafting, issuing, jobs, signing
from reports.documents import store_approved_pdf
from reports.models import (
    IssuedDocumentKind,
    RenderJob,
    Report,
    ReportEvent,
    ReportEventKind,
    ReportStatus,
    normalised,
)
from reports.snapshot import take_snapshot
from scoring.models import Period, PeriodStatus, ScorecardStatus
from units.models import Membership, Role

# The prose of the report and its distribution list, in the order of the document.
SECTIONS = [
    "subject",
    "basis",
    "aggregation",
    "evaluation",
    "specific",
    "issues",
    "closing",
    "distribution",
]
# Everything a draft's editor may change: the header, the sections, the signature block.
EDITABLE = [
    "number",
    "symbol",
    "issuer_parent",
    "issuer",
    "place",
    "issue_date",
    *SECTIONS,
    "authority",
    "signer_title",
    "signer_name",
    "online_threshold",
    "include_chart",
]


class ReportError(Exception):
    def __init__(self, messages: str | list[str]):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))


def report_for(period: Period) -> Report:
    """The period's report, drafted from the data the first time it is asked for."""
    report = Report.objects.filter(period=period).select_related("period").first()
    if report:
        return report
    snapshot = take_snapshot(period)
    leader = (
        Membership.objects.filter(unit=period.organizer, role=Role.LEADER)
        .select_related("user")
        .first()
    )
    threshold = Report._meta.get_field("online_threshold").default
    fields = drafting.draft_all(snapshot, threshold)
    report, _created = Report.objects.get_or_create(
        period=period,
        defaults={
            **fields,
            "drafted": drafting.draft_automatic(snapshot, threshold),
            "signer_name": leader.user.get_full_name() if leader else "",
        },
    )
    return report


def _lock(report: Report, expected_version: int | None = None) -> Report:
    """The report's row, locked until the transaction ends (its period is read, not locked)."""
    locked = (
        Report.objects.select_for_update(of=("self",)).select_related("period").get(pk=report.pk)
    )
    if locked.period.status == PeriodStatus.CLOSED:
        raise ReportError(
            _("The period %(period)s is closed: its report can no longer change.")
            % {"period": locked.period.label}
        )
    if expected_version is not None and locked.version != expected_version:
        raise ReportError(
            _("Someone else changed this report after you opened it. Reload and try again.")
        )
    return locked


NOT_A_DRAFT = gettext_lazy("The report is approved; withdraw the approval before changing it.")
NOT_SIGNABLE = gettext_lazy("Only an approved, unsigned report can be signed.")


def _require_draft(report: Report) -> None:
    if report.status != ReportStatus.DRAFT:
        raise ReportError(str(NOT_A_DRAFT))


class ReportTransition(models.TextChoices):
    APPROVE = "approve", gettext_lazy("Approve")
    WITHDRAW = "withdraw", gettext_lazy("Withdraw the approval")
    SIGN = "sign", gettext_lazy("Sign")
    UPLOAD_SIGNED = "upload_signed", gettext_lazy("Upload a signed copy")


ISSUED = frozenset({ReportStatus.APPROVED, ReportStatus.SIGNED})


@dataclass(frozen=True)
class Rule:
    """A transition: the statuses it starts from, the one it leads to, the event it appends,
    and what the user is told when the report is in another status."""

    sources: frozenset[str]
    target: str
    event: str
    refusal: str


TRANSITIONS = {
    ReportTransition.APPROVE: Rule(
        frozenset({ReportStatus.DRAFT}),
        ReportStatus.APPROVED,
        ReportEventKind.APPROVED,
        NOT_A_DRAFT,
    ),
    ReportTransition.WITHDRAW: Rule(
        ISSUED,
        ReportStatus.DRAFT,
        ReportEventKind.WITHDRAWN,
        gettext_lazy("The report is already a draft."),
    ),
    ReportTransition.SIGN: Rule(
        frozenset({ReportStatus.APPROVED}),
        ReportStatus.SIGNED,
        ReportEventKind.SIGNED,
        NOT_SIGNABLE,
    ),
    ReportTransition.UPLOAD_SIGNED: Rule(
        frozenset({ReportStatus.APPROVED}),
        ReportStatus.SIGNED,
        ReportEventKind.SIGNED_UPLOADED,
        NOT_SIGNABLE,
    ),
}


def _begin(report: Report, name: ReportTransition) -> tuple[Report, Rule]:
    """Lock the report and refuse the transition unless it starts from the current status."""
    rule = TRANSITIONS[name]
    locked = _lock(report)
    if locked.status not in rule.sources:
        raise ReportError(str(rule.refusal))
    return locked, rule


def _record(report: Report, kind: str, actor, *, note: str = "", before=None, after=None):
    ReportEvent.objects.create(
        report=report, actor=actor, kind=kind, note=note, before=before or {}, after=after or {}
    )


def _as_json(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value) if isinstance(value, Decimal) else value


def _record_changes(report: Report, kind: str, actor, before: dict) -> bool:
    """Append an event with the fields whose value differs from ``before``; False if none."""
    changed = [name for name, value in before.items() if getattr(report, name) != value]
    if changed:
        _record(
            report,
            kind,
            actor,
            before={name: _as_json(before[name]) for name in changed},
            after={name: _as_json(getattr(report, name)) for name in changed},
        )
    return bool(changed)


def edit(
    report: Report, values: dict, *, expected_version: int | None = None, actor=None
) -> Report:
    """Save edited sections and header fields of a draft report.

    Side effects: the changed fields, a raised version and an "edited" event with each changed
    field's value before and after. Nothing is written when no value changed. Refused when the
    report is not a draft or changed since ``expected_version``.
    """
    with transaction.atomic():
        report = _lock(report, expected_version)
        _require_draft(report)
        before = {name: getattr(report, name) for name in EDITABLE if name in values}
        for name in before:
            value = values[name]
            if name in SECTIONS:
                if normalised(value) == normalised(before[name]):
                    continue  # the same text as posted back by a browser (CRLF, spaces)
                value = normalised(value)
            setattr(report, name, value)
        if _record_changes(report, ReportEventKind.EDITED, actor, before):
            report.version += 1
            report.save()
    return report


@dataclass
class Redraft:
    """What "Soạn lại từ dữ liệu" would write in one automatic section."""

    name: str
    label: str
    current: str
    fresh: str
    hand_edited: bool


def redraft_preview(report: Report) -> list[Redraft]:
    """The automatic sections whose text would change if redrafted from today's data, with
    the text now and the new text; the ones edited by hand are flagged (they are replaced
    only when asked)."""
    fresh = drafting.draft_automatic(take_snapshot(report.period), report.online_threshold)
    edited = set(report.hand_edited())
    return [
        Redraft(
            name,
            str(Report._meta.get_field(name).verbose_name),
            getattr(report, name),
            text,
            name in edited,
        )
        for name, text in fresh.items()
        if normalised(getattr(report, name)) != normalised(text)
    ]


def regenerate(report: Report, *, replace: Iterable[str] = (), actor=None) -> Report:
    """Redraft the automatic sections from the current data (a draft only). A section edited
    by hand keeps its text unless its name is in ``replace``.

    Side effects: the automatic sections and what was last drafted, a raised version, and a
    "redrafted" event with each section that changed, before and after.
    """
    with transaction.atomic():
        report = _lock(report)
        _require_draft(report)
        before = {name: getattr(report, name) for name in EDITABLE}
        keep = set(report.hand_edited()) - set(replace)
        _redraft(report, take_snapshot(report.period), keep=keep)
        _record_changes(report, ReportEventKind.REDRAFTED, actor, before)
        report.version += 1
        report.save()
    return report


def _redraft(report: Report, snapshot: dict, *, keep: set[str] = frozenset()) -> None:
    """Write the automatic sections from ``snapshot``, except those in ``keep`` (edited by
    hand, staying as they were written)."""
    fresh = drafting.draft_automatic(snapshot, report.online_threshold)
    for name, text in fresh.items():
        if name not in keep:
            setattr(report, name, text)
    report.drafted = fresh


def approval_problems(report: Report) -> list[str]:
    problems = []
    pending = report.period.scorecards.exclude(status=ScorecardStatus.APPROVED)
    if pending.exists():
        names = ", ".join(c.unit.short_name for c in pending.select_related("unit")[:10])
        n = pending.count()
        problems.append(
            ngettext(
                "%(n)s scorecard is not approved yet (%(names)s).",
                "%(n)s scorecards are not approved yet (%(names)s).",
                n,
            )
            % {"n": n, "names": names}
        )
    if not report.number.strip():
        problems.append(_("Set the report's number."))
    if report.issue_date is None:
        problems.append(_("Set the report's date."))
    return problems


def approve(report: Report, *, actor=None, inline: bool | None = None) -> Report:
    """Approve the report (draft → approved): freeze the results and issue the approved PDF.

    Side effects: stores the snapshot, status "approved", who and when; redrafts the automatic
    sections from the frozen results, except those edited by hand; raises the version; appends
    an "approved" event; renders and issues the PDF with an empty visible signature field
    (``store_approved_pdf``: inline for small periods, else as a background job).
    Refused unless a draft, while any scorecard is not approved, or the number or date is
    missing.
    """
    with transaction.atomic():
        report, rule = _begin(report, ReportTransition.APPROVE)
        problems = approval_problems(report)
        if problems:
            raise ReportError(problems)
        report.snapshot = take_snapshot(report.period)
        _redraft(report, report.snapshot, keep=set(report.hand_edited()))
        _record(
            report,
            rule.event,
            actor,
            before={"status": report.status},
            after={"status": rule.target, "number": report.number_symbol},
        )
        report.status = rule.target
        report.approved_at, report.approved_by = timezone.now(), actor
        report.version += 1
        report.save()
        units = sum(len(g["units"]) for g in report.snapshot["groups"])
        if inline is None:
            inline = units <= settings.REPORT_INLINE_UNITS
        if inline:
            store_approved_pdf(report)
        else:
            jobs.request_render(report, RenderJob.Kind.APPROVED, actor=actor)
    return report


def withdraw(report: Report, *, reason: str, actor=None) -> Report:
    """Withdraw the approval (approved or signed → draft), e.g. after a scorecard was reopened.

    Side effects: status "draft"; the report's frozen results, who approved and signed and
    when, and its pointers to the current PDFs are cleared; a "withdrawn" event keeps all of
    them (before) with the reason; the issued documents still current are marked withdrawn
    (``withdrawn_at``), their files and rows kept; the version is raised. Approving again
    renders the report from the data of that moment as a new document.
    Refused for a draft, or without a written reason.
    """
    with transaction.atomic():
        report, rule = _begin(report, ReportTransition.WITHDRAW)
        if not reason.strip():
            raise ReportError(_("Write why the approval is withdrawn."))
        _record(
            report,
            rule.event,
            actor,
            note=reason.strip(),
            before=_issued_state(report),
            after={"status": rule.target},
        )
        now = timezone.now()
        report.documents.filter(withdrawn_at__isnull=True).update(withdrawn_at=now)
        report.status = rule.target
        report.snapshot = None
        report.approved_at = report.approved_by = None
        report.pdf = report.signed_pdf = ""
        report.pdf_sha256 = report.signed_sha256 = report.certificate_subject = ""
        report.signed_at = report.signed_by = None
        report.version += 1
        report.save()
    return report


def _person(user) -> dict:
    if user is None:
        return {"id": None, "name": ""}
    return {"id": user.pk, "name": user.get_full_name() or user.get_username()}


def _issued_state(report: Report) -> dict:
    """What a withdrawal clears from the report, for its event."""
    return {
        "status": report.status,
        "approved_by": _person(report.approved_by),
        "approved_at": _as_json(report.approved_at),
        "pdf_sha256": report.pdf_sha256,
        "signed_by": _person(report.signed_by),
        "signed_at": _as_json(report.signed_at),
        "certificate_subject": report.certificate_subject,
        "signed_sha256": report.signed_sha256,
    }


def signing_credentials() -> tuple[str, str]:
    if settings.SIGNING_DEMO:
        path, _ca = signing.ensure_demo_certificate(settings.SIGNING_DIR)
        return str(path), signing.DEMO_PASSWORD
    return settings.SIGNING_PKCS12_PATH, settings.SIGNING_PKCS12_PASSWORD


def _approved_pdf(report: Report) -> bytes:
    if not report.pdf:
        raise ReportError(_("The approved PDF is still being rendered; try again shortly."))
    with report.pdf.open("rb") as handle:
        return handle.read()


def sign(report: Report, *, actor=None) -> Report:
    """Sign the approved PDF with the organisation's certificate (approved → signed).

    Side effects: a PAdES signature with a visible stamp appended to the approved PDF; the
    result issued as a "signed" ``IssuedDocument`` (hash, size, certificate subject) and
    pointed at by ``report.signed_pdf``; status "signed", who and when; the version raised; a
    "signed" event with the certificate subject and the hash. Refused unless approved, while
    the approved PDF is still rendering, or when the certificate cannot be used.
    """
    with transaction.atomic():
        report, rule = _begin(report, ReportTransition.SIGN)
        content = _approved_pdf(report)
        path, password = signing_credentials()
        try:
            signed = signing.sign(content, path=path, password=password)
        except signing.SigningError as exc:
            raise ReportError(str(exc)) from exc
        _store_signed(report, rule, signed.content, actor, signed)
    return report


def attach_signed(report: Report, content: bytes, *, actor=None) -> Report:
    """Accept a PDF signed outside the system, e.g. with a USB token (approved → signed).

    The file must be the approved PDF plus signatures only, every signature valid and trusted,
    each by the report's signer or an allowed one (``signing.validate_external``).
    Side effects as ``sign``, with a "signed copy uploaded" event. Refused, with the reason and
    nothing stored, unless approved or when the file fails any check.
    """
    with transaction.atomic():
        report, rule = _begin(report, ReportTransition.UPLOAD_SIGNED)
        approved = _approved_pdf(report)
        try:
            found = signing.validate_external(content, approved, signer_name=report.signer_name)
        except signing.SigningError as exc:
            raise ReportError(str(exc)) from exc
        _store_signed(report, rule, content, actor, found)
    return report


def _store_signed(
    report: Report, rule: Rule, content: bytes, actor, found: signing.Signed | signing.Validation
) -> None:
    signed_at = found.signed_at or timezone.now()
    document = issuing.issue(
        report,
        IssuedDocumentKind.SIGNED,
        content,
        actor,
        certificate_subject=found.subject,
        signed_at=signed_at,
    )
    _record(
        report,
        rule.event,
        actor,
        before={"status": report.status},
        after={
            "status": rule.target,
            "signer": found.common_name,
            "certificate_subject": found.subject,
            "sha256": document.sha256,
        },
    )
    report.signed_pdf, report.signed_sha256 = document.file.name, document.sha256
    report.certificate_subject = found.subject
    report.signed_at, report.signed_by = signed_at, actor
    report.status = rule.target
    report.version += 1
    report.save()
