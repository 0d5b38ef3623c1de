import calendar
import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from criteria.models import POINTS, CriteriaSet, Criterion, classify
from tthc_scoring.fields import person
from units.models import ReportGroup, Unit, UnitKind

# How long the texts people write may be, in characters: enforced by the forms (with a
# counter in the page), the domain functions and the models.
EXPLANATION_MAX = 2000  # a unit's explanation of a criterion
REASON_MAX = 1000  # a reviewer's reason or comment, a note on a workflow step


def text_limit(limit: int) -> list:
    return [MaxLengthValidator(limit)]


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Period(models.Model):
    """One quarter's scoring round run by an organiser unit (a district, province or commune)."""

    organizer = models.ForeignKey(
        Unit, verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="periods"
    )
    year = models.PositiveIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), choices=[(q, str(q)) for q in range(1, 5)]
    )
    criteria_set = models.ForeignKey(
        CriteriaSet,
        verbose_name=_("criteria set"),
        on_delete=models.PROTECT,
        related_name="periods",
    )
    self_deadline = models.DateField(_("self-scoring deadline"), null=True, blank=True)
    review_deadline = models.DateField(_("review deadline"), null=True, blank=True)
    basis_document = models.TextField(
        _("basis document"),
        blank=True,
        help_text=_("The instruction this round answers, as cited in the report."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
    bands = models.JSONField(
        _("band snapshot"),
        default=list,
        help_text=_("The classification bands in force when the period opened."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = person(_("closed by"))

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["organizer", "year", "quarter"], name="period_unique_organizer_quarter"
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="period_quarter_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organizer.short_name} {self.code}"

    @property
    def code(self) -> str:
        return f"{self.year}-Q{self.quarter}"

    @property
    def label(self) -> str:
        """ "Quý II năm 2021"."""
        roman = ["I", "II", "III", "IV"][self.quarter - 1]
        return _("Quarter %(q)s of %(year)s") % {"q": roman, "year": self.year}

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, 3 * self.quarter - 2, 1)

    @property
    def last_day(self) -> datetime.date:
        month = 3 * self.quarter
        return datetime.date(self.year, month, calendar.monthrange(self.year, month)[1])


class ScorecardStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")

    @classmethod
    def unit_editable(cls) -> frozenset[str]:
        """Statuses in which the unit enters its scores: a draft, or returned for correction."""
        return frozenset({cls.DRAFT, cls.RETURNED})

    @classmethod
    def before_approval(cls) -> frozenset[str]:
        """Statuses in which the self-scoring deadline still matters."""
        return frozenset({cls.DRAFT, cls.RETURNED, cls.SUBMITTED})


class Transition(models.TextChoices):
    """The workflow steps a scorecard takes (``scoring.domain.transition``)."""

    SUBMIT = "submit", _("Submit")
    RETURN = "return", _("Return for correction")
    APPROVE = "approve", _("Approve")
    REOPEN = "reopen", _("Reopen")
    WITHDRAW = "withdraw", _("Withdraw the submission")


class ScorecardQuerySet(models.QuerySet):
    def with_progress(self) -> "ScorecardQuerySet":
        """Annotate each scorecard with how many criteria it has, how many the unit has scored
        and how many a reviewer has given points (``Scorecard.progress``, ``is_reviewed``)."""
        return self.annotate(
            criteria_total=models.Count("scores"),
            criteria_scored=models.Count("scores", filter=Q(scores__self_points__isnull=False)),
            criteria_reviewed=models.Count(
                "scores", filter=Q(scores__reviewed_points__isnull=False)
            ),
        )


class Scorecard(models.Model):
    """One unit's scores for one period. Status changes only through ``scoring.domain``."""

    period = models.ForeignKey(
        Period, verbose_name=_("period"), on_delete=models.CASCADE, related_name="scorecards"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="scorecards"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ScorecardStatus.choices, default=ScorecardStatus.DRAFT
    )
    no_tthc = models.BooleanField(_("no procedure arose"), default=False)
    no_tthc_note = models.TextField(
        _("note on no procedure"),
        blank=True,
        max_length=REASON_MAX,
        validators=text_limit(REASON_MAX),
    )
    self_total = models.DecimalField(_("self total"), null=True, blank=True, **POINTS)
    final_total = models.DecimalField(_("final total"), null=True, blank=True, **POINTS)
    band = models.CharField(_("classification"), max_length=50, blank=True)
    version = models.PositiveIntegerField(
        _("version"), default=1, help_text=_("Raised on every change, to refuse stale edits.")
    )
    deadline = models.DateField(
        _("extended deadline"),
        null=True,
        blank=True,
        help_text=_("This unit's self-scoring deadline, when a reviewer extended it."),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    review_opened_at = models.DateTimeField(
        _("first opened by a reviewer at"),
        null=True,
        blank=True,
        help_text=_("Until then the unit may withdraw its submission."),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    objects = ScorecardQuerySet.as_manager()

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["period", "unit__order", "unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="scorecard_unique_period_unit"),
            models.CheckConstraint(
                condition=Q(self_total__isnull=True) | Q(self_total__gte=0),
                name="scorecard_self_total_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(final_total__isnull=True) | Q(final_total__gte=0),
                name="scorecard_final_total_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} — {self.period.code}"

    def refresh_from_db(self, *args, **kwargs) -> None:
        super().refresh_from_db(*args, **kwargs)
        self.__dict__.pop("rank", None)

    @property
    def effective_deadline(self) -> datetime.date | None:
        return self.deadline or self.period.self_deadline

    @property
    def is_editable_by_unit(self) -> bool:
        return self.status in ScorecardStatus.unit_editable()

    def count_progress(self, scores) -> None:
        """Set the counts ``ScorecardQuerySet.with_progress`` annotates, from scores in hand."""
        scores = list(scores)
        self.criteria_total = len(scores)
        self.criteria_scored = sum(s.self_points is not None for s in scores)
        self.criteria_reviewed = sum(s.reviewed_points is not None for s in scores)

    def _progress_counts(self) -> None:
        if "criteria_total" not in self.__dict__:
            self.count_progress(self.scores.all())

    @property
    def progress(self) -> tuple[int, int]:
        """(criteria the unit has scored, criteria of the scorecard)."""
        self._progress_counts()
        return self.criteria_scored, self.criteria_total

    @property
    def is_reviewed(self) -> bool:
        """A reviewer has given points on a criterion, or approved: only then do the reviewed
        total, the final classification and the rank mean something."""
        if self.status == ScorecardStatus.APPROVED:
            return True
        self._progress_counts()
        return self.criteria_reviewed > 0

    @property
    def self_band(self) -> str:
        """The classification the self total would get (shown before any review)."""
        return "" if self.no_tthc else classify(self.self_total, self.period.bands)

    @cached_property
    def rank(self) -> int | None:
        """Place in the period's ranking within the unit's report group (ties share a place).

        Worked out when read, never stored: a save touches only its own scorecard's row, so
        units saving at the same moment never wait for one another. Pages that list a whole
        period set it for every card at once (``scoring.results.assign_ranks``).
        """
        if self.final_total is None:
            return None
        local = Q(unit__kind__in=UnitKind.local())
        same_group = local if self.unit.report_group == ReportGroup.LOCAL else ~local
        better = Scorecard.objects.filter(
            same_group, period_id=self.period_id, final_total__gt=self.final_total
        )
        return better.count() + 1


class Score(models.Model):
    """A unit's points on one criterion: self-assessed, suggested from statistics, reviewed.

    ``max_points`` is copied from the (immutable, published) criterion so the database itself
    can hold every score within range.
    """

    scorecard = models.ForeignKey(
        Scorecard, verbose_name=_("scorecard"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="scores"
    )
    max_points = models.DecimalField(_("maximum points"), **POINTS)
    self_points = models.DecimalField(_("self points"), null=True, blank=True, **POINTS)
    self_note = models.TextField(
        _("explanation"),
        blank=True,
        max_length=EXPLANATION_MAX,
        validators=text_limit(EXPLANATION_MAX),
    )
    suggested_points = models.DecimalField(_("suggested points"), null=True, blank=True, **POINTS)
    suggestion_source = models.TextField(_("suggestion source"), blank=True)
    reviewed_points = models.DecimalField(_("reviewed points"), null=True, blank=True, **POINTS)
    review_reason = models.TextField(
        _("review reason"), blank=True, max_length=REASON_MAX, validators=text_limit(REASON_MAX)
    )
    comment = models.TextField(
        _("reviewer's comment"),
        blank=True,
        max_length=REASON_MAX,
        validators=text_limit(REASON_MAX),
        help_text=_("What the unit should correct."),
    )
    suggestion_batch = models.ForeignKey(
        "ImportBatch",
        verbose_name=_("suggested from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The imported file whose figures the suggestion came from."),
    )

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["scorecard", "criterion__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "criterion"], name="score_unique_scorecard_criterion"
            ),
            models.CheckConstraint(
                condition=Q(self_points__isnull=True)
                | Q(self_points__gte=0, self_points__lte=F("max_points")),
                name="score_self_points_range",
            ),
            models.CheckConstraint(
                condition=Q(reviewed_points__isnull=True)
                | Q(reviewed_points__gte=0, reviewed_points__lte=F("max_points")),
                name="score_reviewed_points_range",
            ),
            models.CheckConstraint(
                condition=Q(suggested_points__isnull=True)
                | Q(suggested_points__gte=0, suggested_points__lte=F("max_points")),
                name="score_suggested_points_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scorecard} — {self.criterion.code}"

    @property
    def final_points(self) -> Decimal | None:
        return self.reviewed_points if self.reviewed_points is not None else self.self_points


def evidence_path(instance: "Evidence", filename: str) -> str:
    # Stored under a content-derived name; the original name is kept in the row.
    return f"evidence/{instance.score.scorecard.period_id}/{instance.sha256[:2]}/{instance.sha256}"


class Evidence(models.Model):
    score = models.ForeignKey(
        Score, verbose_name=_("score"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=300)
    original_name = models.CharField(_("original name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("type"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class EventKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    SELF_SCORED = "self_scored", _("Self-scores saved")
    NO_TTHC = "no_tthc", _("No procedure declared")
    REVIEWED = "reviewed", _("Scores reviewed")
    EVIDENCE = "evidence", _("Evidence changed")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")
    REOPENED = "reopened", _("Reopened")
    DEADLINE = "deadline", _("Deadline extended")
    WITHDRAWN = "withdrawn", _("Submission withdrawn")
    IMPORTED = "imported", _("Imported from a file")


class WorkflowEvent(models.Model):
    """An append-only record of one workflow step: who, when, what, with the values before and
    after. Each workflow (scorecards here, reports in ``reports``) adds its object and its
    ``kind`` choices."""

    actor = person(_("by"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]


class ScorecardEvent(WorkflowEvent):
    """Append-only history of a scorecard: who did what, when, with the before and after values."""

    scorecard = models.ForeignKey(
        Scorecard, verbose_name=_("scorecard"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("action"), max_length=20, choices=EventKind.choices)
    import_batch = models.ForeignKey(
        "ImportBatch",
        verbose_name=_("import batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scorecard_events",
        help_text=_("The file the change came from, for changes made by an import."),
    )

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("scorecard event")
        verbose_name_plural = _("scorecard events")

    def __str__(self) -> str:
        return f"{self.scorecard} — {self.get_kind_display()}"


class ImportKind(models.TextChoices):
    UNITS = "units", _("Units")
    SCORES = "scores", _("Scores")
    SCORECARDS = "scorecards", _("Scorecards")
    DOSSIER_STATS = "dossier_stats", _("Dossier statistics")
    SURVEYS = "surveys", _("Survey summaries")
    INDICATOR_FIGURES = "indicator_figures", _("Indicator figures")
    SCORE_SHEET = "score_sheet", _("Scoring sheet")


class ImportOutcome(models.TextChoices):
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


def import_path(instance: "ImportBatch", filename: str) -> str:
    return f"imports/{timezone.now():%Y/%m}/{instance.sha256[:16] or 'file'}-{filename}"


class ImportBatch(models.Model):
    """One file that changed data: what it was, who brought it in, when, what it changed.

    Written only when an import took effect (all or nothing: a refused file leaves no row).
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    file = models.FileField(_("file"), upload_to=import_path, max_length=300, blank=True)
    period = models.ForeignKey(
        Period,
        verbose_name=_("period"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_batches",
    )
    imported_by = person(_("imported by"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    added = models.PositiveIntegerField(_("rows added"), default=0)
    changed = models.PositiveIntegerField(_("rows changed"), default=0)
    unchanged = models.PositiveIntegerField(_("rows unchanged"), default=0)
    outcome = models.CharField(_("outcome"), max_length=10, choices=ImportOutcome.choices)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_outcome_display()})"


class DossierStats(models.Model):
    """Dossier statistics of one unit for one quarter (Biểu số 06/VPCP/KSTT)."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="dossier_stats"
    )
    year = models.PositiveIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    received_online = models.PositiveIntegerField(_("received online"), default=0)
    received_offline = models.PositiveIntegerField(_("received in person or by post"), default=0)
    carried_over = models.PositiveIntegerField(_("carried over"), default=0)
    resolved_early = models.PositiveIntegerField(_("resolved early"), default=0)
    resolved_on_time = models.PositiveIntegerField(_("resolved on time"), default=0)
    resolved_overdue = models.PositiveIntegerField(_("resolved overdue"), default=0)
    pending_on_time = models.PositiveIntegerField(_("pending within deadline"), default=0)
    pending_overdue = models.PositiveIntegerField(_("pending overdue"), default=0)
    online_overdue = models.PositiveIntegerField(_("online dossiers overdue"), default=0)
    procedures_total = models.PositiveIntegerField(_("procedures"), default=0)
    procedures_online = models.PositiveIntegerField(_("procedures offered online"), default=0)
    import_batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("import batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dossier_stats",
    )

    class Meta:
        verbose_name = _("dossier statistics")
        verbose_name_plural = _("dossier statistics")
        ordering = ["-year", "-quarter", "unit__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "quarter"], name="dossierstats_unique_unit_quarter"
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="dossierstats_quarter_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}-Q{self.quarter}"

    def clean(self) -> None:
        errors = {}
        resolved = self.resolved_early + self.resolved_on_time + self.resolved_overdue
        if resolved + self.pending_on_time + self.pending_overdue > self.received_total:
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                _(
                    "%(handled)s dossiers resolved or pending, more than the %(received)s "
                    "received (carried over + online + in person or by post)."
                )
                % {
                    "handled": resolved + self.pending_on_time + self.pending_overdue,
                    "received": self.received_total,
                }
            )
        if self.procedures_online > self.procedures_total:
            errors["procedures_online"] = _(
                "More procedures online (%(online)s) than procedures in all (%(total)s)."
            ) % {"online": self.procedures_online, "total": self.procedures_total}
        if self.online_overdue > self.received_online + self.carried_over:
            errors["online_overdue"] = _(
                "More online dossiers overdue (%(overdue)s) than online dossiers (%(online)s)."
            ) % {"overdue": self.online_overdue, "online": self.received_online + self.carried_over}
        if errors:
            raise ValidationError(errors)

    @property
    def received_total(self) -> int:
        return self.received_online + self.received_offline + self.carried_over

    @property
    def late_total(self) -> int:
        """Dossiers returned late or still pending past their deadline."""
        return self.resolved_overdue + self.pending_overdue

    @property
    def online_share(self) -> Decimal | None:
        received = self.received_online + self.received_offline
        if not received:
            return None
        return Decimal(self.received_online) / Decimal(received)


class SurveySummary(models.Model):
    """Citizen satisfaction survey results of one unit for one quarter."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="survey_summaries"
    )
    year = models.PositiveIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    forms = models.PositiveIntegerField(_("forms counted"), default=0)
    satisfied = models.PositiveIntegerField(_("satisfied"), default=0)
    neutral = models.PositiveIntegerField(_("neither"), default=0)
    dissatisfied = models.PositiveIntegerField(_("dissatisfied"), default=0)
    averages = models.JSONField(
        _("per-indicator averages"),
        default=dict,
        blank=True,
        help_text=_('Average points per criterion code, e.g. {"7": 1.85}.'),
    )
    import_batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("import batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_summaries",
    )

    class Meta:
        verbose_name = _("survey summary")
        verbose_name_plural = _("survey summaries")
        ordering = ["-year", "-quarter", "unit__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "quarter"], name="surveysummary_unique_unit_quarter"
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="surveysummary_quarter_range"
            ),
            models.CheckConstraint(
                condition=Q(forms__gte=F("satisfied") + F("neutral") + F("dissatisfied")),
                name="surveysummary_counts_within_forms",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}-Q{self.quarter}"


class IndicatorFigure(models.Model):
    """One figure the provincial system holds for a unit and quarter (QĐ 766-style indicators),
    e.g. ``dossiers_synced`` = 120. Criteria-set formulas name these figures."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="indicator_figures"
    )
    year = models.PositiveIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    name = models.SlugField(_("figure"), max_length=60)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    import_batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("import batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="indicator_figures",
    )

    class Meta:
        verbose_name = _("indicator figure")
        verbose_name_plural = _("indicator figures")
        ordering = ["-year", "-quarter", "unit__order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "quarter", "name"], name="indicatorfigure_unique"
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="indicatorfigure_quarter_range"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="indicatorfigure_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}-Q{self.quarter} {self.name}"


class Reminder(models.Model):
    """A deadline reminder mailed to a unit; at most one per scorecard per day."""

    scorecard = models.ForeignKey(
        Scorecard, verbose_name=_("scorecard"), on_delete=models.CASCADE, related_name="reminders"
    )
    sent_on = models.DateField(_("sent on"))
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "sent_on"], name="reminder_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.scorecard} {self.sent_on}"


class MailFailure(models.Model):
    """A notification that could not be sent. The step it announced was saved all the same;
    administrators see these in the admin and can tell the people concerned."""

    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    subject = models.CharField(_("subject"), max_length=300)
    recipients = models.TextField(_("recipients"))
    error = models.TextField(_("error"))
    scorecard = models.ForeignKey(
        Scorecard,
        verbose_name=_("scorecard"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("mail failure")
        verbose_name_plural = _("mail failures")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject
