from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from scoring.models import Period, WorkflowEvent
from tthc_scoring.fields import person


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    SIGNED = "signed", _("Signed")


def normalised(text: str) -> str:
    """Text as a reader sees it: LF line endings, no spaces at line ends or trailing lines."""
    lines = str(text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


class Report(models.Model):
    """The quarterly report of a period: drafted from the data, edited, approved, signed.

    The prose sections are drafted by ``reports.drafting`` and may be edited until approval.
    Approval freezes ``snapshot`` (the results table and the facts the prose cites); the
    approved and signed PDFs are rendered from it, so later score changes never alter them.
    """

    period = models.OneToOneField(
        Period, verbose_name=_("period"), on_delete=models.PROTECT, related_name="report"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    number = models.CharField(_("number"), max_length=20, blank=True)
    symbol = models.CharField(_("symbol"), max_length=40, default="BC-UBND")
    issuer_parent = models.CharField(
        _("issuing body (first line)"), max_length=120, default="ỦY BAN NHÂN DÂN"
    )
    issuer = models.CharField(_("issuing body (second line)"), max_length=120, blank=True)
    place = models.CharField(_("place"), max_length=80, blank=True)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    subject = models.TextField(_("subject"), blank=True)
    basis = models.TextField(_("basis paragraph"), blank=True)
    aggregation = models.TextField(_("what was aggregated"), blank=True)
    evaluation = models.TextField(_("1. Evaluation"), blank=True)
    specific = models.TextField(_("2. Specific results"), blank=True)
    issues = models.TextField(_("3. Shortcomings"), blank=True, help_text=_("One bullet per line."))
    closing = models.TextField(_("closing sentence"), blank=True)
    distribution = models.TextField(
        _("distribution list"), blank=True, help_text=_("One recipient per line.")
    )
    authority = models.CharField(
        _("signing authority"), max_length=120, default="TM. ỦY BAN NHÂN DÂN"
    )
    signer_title = models.CharField(_("signer's title"), max_length=120, default="CHỦ TỊCH")
    signer_name = models.CharField(_("signer's name"), max_length=120, blank=True)
    include_chart = models.BooleanField(
        _("include the classification chart"),
        default=False,
        help_text=_("A bar chart of the units per classification, under the specific results."),
    )
    online_threshold = models.DecimalField(
        _("online intake threshold"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.300"),
        help_text=_("Below this share of dossiers received online, the report calls it low."),
    )
    drafted = models.JSONField(
        _("last drafted text"),
        default=dict,
        blank=True,
        help_text=_("What the system last wrote in each automatic section, to tell hand edits."),
    )
    snapshot = models.JSONField(_("frozen results"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = person(_("approved by"))
    pdf = models.FileField(_("approved PDF"), upload_to="reports/", blank=True, max_length=300)
    pdf_sha256 = models.CharField(_("approved PDF SHA-256"), max_length=64, blank=True)
    signed_pdf = models.FileField(_("signed PDF"), upload_to="reports/", blank=True, max_length=300)
    signed_sha256 = models.CharField(_("signed PDF SHA-256"), max_length=64, blank=True)
    certificate_subject = models.TextField(_("certificate subject"), blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_by = person(_("signed by"))
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return f"{self.number_symbol or '…'} — {self.period}"

    @property
    def number_symbol(self) -> str:
        return f"{self.number}/{self.symbol}" if self.number else ""

    @property
    def is_draft(self) -> bool:
        return self.status == ReportStatus.DRAFT

    def hand_edited(self) -> list[str]:
        """Automatic sections whose text differs from what the system last drafted (line
        endings and spaces at the ends of lines do not count: a browser posts CRLF)."""
        return [
            name
            for name, text in self.drafted.items()
            if normalised(getattr(self, name)) != normalised(text)
        ]

    def distribution_lines(self) -> list[str]:
        return [line.strip() for line in self.distribution.splitlines() if line.strip()]

    def issue_lines(self) -> list[str]:
        return [
            line.strip().lstrip("-– ").strip() for line in self.issues.splitlines() if line.strip()
        ]


class WorkerHeartbeat(models.Model):
    """A background worker's sign of life, written when it starts and every half
    ``TASK_STALE_AFTER`` (``manage.py worker``); ``/healthz`` reads the newest."""

    name = models.CharField(_("worker"), max_length=200, unique=True)
    seen_at = models.DateTimeField(_("last seen at"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return self.name


class RenderJob(models.Model):
    """A report rendering that runs after the request, with its progress for the page to show."""

    class Kind(models.TextChoices):
        DRAFT = "draft", _("Draft PDF")
        APPROVED = "approved", _("Approved PDF")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="jobs"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DRAFT)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    message = models.TextField(_("message"), blank=True)
    output = models.FileField(_("output"), upload_to="reports/jobs/", blank=True, max_length=300)
    requested_by = person(_("requested by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(
        _("attempts"), default=0, help_text=_("How many times a worker has started this job.")
    )
    heartbeat_at = models.DateTimeField(
        _("last sign of life"),
        null=True,
        blank=True,
        help_text=_("Updated by the worker while it runs; a stale one means the worker died."),
    )
    task_id = models.CharField(_("task id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("render job")
        verbose_name_plural = _("render jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.report} {self.kind} {self.state}"


class ReportEventKind(models.TextChoices):
    EDITED = "edited", _("Edited")
    REDRAFTED = "redrafted", _("Redrafted from the data")
    APPROVED = "approved", _("Approved")
    WITHDRAWN = "withdrawn", _("Approval withdrawn")
    SIGNED = "signed", _("Signed")
    SIGNED_UPLOADED = "signed_uploaded", _("Signed copy uploaded")


class ReportEvent(WorkflowEvent):
    """Append-only history of a report's workflow: who did what, when, before and after."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("action"), max_length=20, choices=ReportEventKind.choices)

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("report event")
        verbose_name_plural = _("report events")

    def __str__(self) -> str:
        return f"{self.report} — {self.get_kind_display()}"


class IssuedDocumentKind(models.TextChoices):
    APPROVED = "approved", _("Approved PDF")
    SIGNED = "signed", _("Signed PDF")


class IssuedDocument(models.Model):
    """Every PDF the report was ever issued as, kept with its hash; never deleted.

    A withdrawal marks the documents it supersedes (``withdrawn_at``) but keeps the files, so
    what was once issued can always be shown again.
    """

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=IssuedDocumentKind.choices)
    file = models.FileField(_("file"), upload_to="reports/issued/", max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    certificate_subject = models.TextField(_("certificate subject"), blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    created_by = person(_("by"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.report} — {self.get_kind_display()}"
