"""The report workflow: draft → approved → signed. Views and commands call only these.

Every function guards the report's state and changes nothing when it refuses.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reports import drafting, pdf, signing
from reports.models import RenderJob, Report, ReportStatus
from reports.snapshot import take_snapshot
from scoring.models import Period, ScorecardStatus
from units.models import Membership, Role

EDITABLE = [
    "number",
    "symbol",
    "issuer_parent",
    "issuer",
    "place",
    "issue_date",
    "subject",
    "basis",
    "aggregation",
    "evaluation",
    "specific",
    "issues",
    "closing",
    "distribution",
    "authority",
    "signer_title",
    "signer_name",
    "online_threshold",
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
    locked = Report.objects.select_for_update().select_related("period").get(pk=report.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ReportError(
            _("Someone else changed this report after you opened it. Reload and try again.")
        )
    return locked


def _require_draft(report: Report) -> None:
    if report.status != ReportStatus.DRAFT:
        raise ReportError(_("The report is approved; withdraw the approval before changing it."))


def edit(report: Report, values: dict, *, expected_version: int | None = None) -> Report:
    """Save edited sections and header fields of a draft report."""
    with transaction.atomic():
        report = _lock(report, expected_version)
        _require_draft(report)
        for name in EDITABLE:
            if name in values:
                setattr(report, name, values[name])
        report.version += 1
        report.save()
    return report


def regenerate(report: Report) -> Report:
    """Redraft the automatic sections from the current data (a draft only)."""
    with transaction.atomic():
        report = _lock(report)
        _require_draft(report)
        _redraft(report, take_snapshot(report.period), keep_hand_edits=False)
        report.version += 1
        report.save()
    return report


def _redraft(report: Report, snapshot: dict, *, keep_hand_edits: bool) -> None:
    """Write the automatic sections from ``snapshot``; with ``keep_hand_edits``, a section
    someone edited by hand stays as they wrote it."""
    edited = set(report.hand_edited()) if keep_hand_edits else set()
    fresh = drafting.draft_automatic(snapshot, report.online_threshold)
    for name, text in fresh.items():
        if name not in edited:
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
    """Approve the report: freeze the results and render the approved PDF from them.

    Side effects: stores the snapshot, status "approved", who and when; redrafts the automatic
    sections from the frozen results, except those edited by hand; renders the PDF with an
    empty visible signature field (inline for small periods, else as a background job).
    Refused while any scorecard is not approved or the number or date is missing.
    """
    with transaction.atomic():
        report = _lock(report)
        _require_draft(report)
        problems = approval_problems(report)
        if problems:
            raise ReportError(problems)
        report.snapshot = take_snapshot(report.period)
        _redraft(report, report.snapshot, keep_hand_edits=True)
        report.status = ReportStatus.APPROVED
        report.approved_at, report.approved_by = timezone.now(), actor
        report.version += 1
        report.save()
        units = sum(len(g["units"]) for g in report.snapshot["groups"])
        if inline is None:
            inline = units <= settings.REPORT_INLINE_UNITS
        if inline:
            store_approved_pdf(report)
        else:
            request_render(report, RenderJob.Kind.APPROVED, actor=actor)
    return report


def store_approved_pdf(report: Report, progress: Callable[[int], None] = lambda p: None) -> None:
    rendered = pdf.render_pdf(report, report.snapshot, draft=False)
    progress(90)
    content = signing.prepare(rendered.content, rendered.signature_box)
    report.pdf.save(
        f"bao-cao-{report.period.code}-{report.pk}.pdf", ContentFile(content), save=False
    )
    report.pdf_sha256 = signing.sha256(content)
    report.save(update_fields=["pdf", "pdf_sha256"])


def withdraw(report: Report, *, actor=None) -> Report:
    """Back to draft (e.g. after a scorecard was reopened): the approval and any signature
    are cleared; re-approval renders the report again from the data of that moment."""
    with transaction.atomic():
        report = _lock(report)
        if report.status == ReportStatus.DRAFT:
            raise ReportError(_("The report is already a draft."))
        report.status = ReportStatus.DRAFT
        report.snapshot = None
        report.approved_at = report.approved_by = None
        report.pdf = report.signed_pdf = ""
        report.pdf_sha256 = report.signed_sha256 = report.certificate_subject = ""
        report.signed_at = report.signed_by = None
        report.version += 1
        report.save()
    return report


def signing_credentials() -> tuple[str, str]:
    if settings.SIGNING_DEMO:
        path, _ca = signing.ensure_demo_certificate(settings.SIGNING_DIR)
        return str(path), signing.DEMO_PASSWORD
    return settings.SIGNING_PKCS12_PATH, settings.SIGNING_PKCS12_PASSWORD


def _approved_pdf(report: Report) -> bytes:
    if report.status != ReportStatus.APPROVED:
        raise ReportError(_("Only an approved, unsigned report can be signed."))
    if not report.pdf:
        raise ReportError(_("The approved PDF is still being rendered; try again shortly."))
    with report.pdf.open("rb") as handle:
        return handle.read()


def sign(report: Report, *, actor=None) -> Report:
    """Sign the approved PDF with the organisation's certificate (PAdES, visible stamp)."""
    with transaction.atomic():
        report = _lock(report)
        content = _approved_pdf(report)
        path, password = signing_credentials()
        try:
            signed = signing.sign(content, path=path, password=password)
        except signing.SigningError as exc:
            raise ReportError(str(exc)) from exc
        _store_signed(report, signed.content, signed.subject, signed.signed_at, actor)
    return report


def attach_signed(report: Report, content: bytes, *, actor=None) -> Report:
    """Accept a PDF signed outside the system (USB token) after validating it."""
    with transaction.atomic():
        report = _lock(report)
        approved = _approved_pdf(report)
        try:
            found = signing.validate_external(content, approved)
        except signing.SigningError as exc:
            raise ReportError(str(exc)) from exc
        _store_signed(report, content, found.subject, found.signed_at or timezone.now(), actor)
    return report


def _store_signed(report: Report, content: bytes, subject: str, signed_at, actor) -> None:
    report.signed_pdf.save(
        f"bao-cao-{report.period.code}-{report.pk}-signed.pdf", ContentFile(content), save=False
    )
    report.signed_sha256 = signing.sha256(content)
    report.certificate_subject = subject
    report.signed_at, report.signed_by = signed_at, actor
    report.status = ReportStatus.SIGNED
    report.version += 1
    report.save()


@dataclass
class Outputs:
    pdf: bytes
    pages: int


def draft_pdf(report: Report) -> Outputs:
    """The report rendered from the current data, marked "DỰ THẢO"."""
    rendered = pdf.render_pdf(report, take_snapshot(report.period), draft=True)
    return Outputs(rendered.content, rendered.pages)


def request_render(report: Report, kind: str, *, actor=None) -> RenderJob:
    """Queue a rendering to run after the request; the job row shows its progress."""
    from reports.tasks import render_job

    job = RenderJob.objects.create(report=report, kind=kind, requested_by=actor)
    transaction.on_commit(lambda: render_job.enqueue(job.pk))
    return job


def run_render_job(job_id: int) -> None:
    job = RenderJob.objects.select_related("report__period").get(pk=job_id)

    def progress(percent: int) -> None:
        RenderJob.objects.filter(pk=job.pk).update(progress=percent)

    RenderJob.objects.filter(pk=job.pk).update(state=RenderJob.State.RUNNING, progress=5)
    try:
        if job.kind == RenderJob.Kind.APPROVED:
            store_approved_pdf(job.report, progress)
        else:
            outputs = draft_pdf(job.report)
            progress(90)
            job.output.save(
                f"du-thao-{job.report.period.code}-{job.pk}.pdf", ContentFile(outputs.pdf)
            )
    except Exception as exc:
        RenderJob.objects.filter(pk=job.pk).update(
            state=RenderJob.State.FAILED, message=str(exc), finished_at=timezone.now()
        )
        raise
    RenderJob.objects.filter(pk=job.pk).update(
        state=RenderJob.State.DONE, progress=100, finished_at=timezone.now()
    )
