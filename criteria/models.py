from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

POINTS = {"max_digits": 6, "decimal_places": 2}


class CriteriaSetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class CriteriaSet(models.Model):
    """A versioned set of criteria laid down by a legal decision.

    A published set never changes: a new version is a new set. Sets are loaded from the
    YAML files in ``criteria/sets/`` by ``manage.py load_criteria``.
    """

    code = models.CharField(_("code"), max_length=50)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=300)
    legal_bases = models.JSONField(
        _("legal bases"),
        default=list,
        blank=True,
        help_text=_("The decisions this set implements, as cited in reports."),
    )
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CriteriaSetStatus.choices,
        default=CriteriaSetStatus.DRAFT,
    )
    source_sha256 = models.CharField(
        _("source checksum"),
        max_length=64,
        blank=True,
        help_text=_("Checksum of the loaded content, to detect a changed file."),
    )
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        verbose_name = _("criteria set")
        verbose_name_plural = _("criteria sets")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="criteriaset_code_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def is_published(self) -> bool:
        return self.status == CriteriaSetStatus.PUBLISHED

    def scored_criteria(self) -> models.QuerySet["Criterion"]:
        return self.criteria.filter(is_group=False).order_by("order")

    def max_total(self) -> Decimal:
        return sum((c.max_points for c in self.scored_criteria()), Decimal(0))


class Criterion(models.Model):
    """One criterion (or a group of them) in a set. Only leaves are scored."""

    criteria_set = models.ForeignKey(
        CriteriaSet,
        verbose_name=_("criteria set"),
        on_delete=models.CASCADE,
        related_name="criteria",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    is_group = models.BooleanField(_("is a group"), default=False)
    code = models.CharField(_("code"), max_length=20)
    order = models.PositiveIntegerField(_("order"))
    title = models.TextField(_("title"))
    short_title = models.CharField(
        _("short title"), max_length=200, blank=True, help_text=_("Used in report prose.")
    )
    guidance = models.TextField(_("guidance"), blank=True, help_text=_("How points are given."))
    max_points = models.DecimalField(_("maximum points"), **POINTS)
    allowed_values = models.JSONField(
        _("allowed values"),
        default=list,
        blank=True,
        help_text=_("The only values a score may take, e.g. [0, 1, 2]. Empty: any step."),
    )
    step = models.DecimalField(
        _("step"), default=Decimal("0.01"), help_text=_("Granularity of points."), **POINTS
    )
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    suggestion_rule = models.JSONField(
        _("suggestion rule"),
        null=True,
        blank=True,
        help_text=_("Which statistic suggests points for this criterion, with parameters."),
    )

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["criteria_set", "order"]
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "code"], name="criterion_set_code"),
            models.CheckConstraint(
                condition=Q(max_points__gte=0), name="criterion_max_points_non_negative"
            ),
            models.CheckConstraint(condition=Q(step__gt=0), name="criterion_step_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.short_title or self.title}"

    def choices(self) -> list[Decimal]:
        """The values a score may take, when the criterion restricts them."""
        return [Decimal(str(v)) for v in self.allowed_values]

    def validate_points(self, value: Decimal) -> None:
        """Raise ValidationError unless ``value`` is a score this criterion allows."""
        if value < 0 or value > self.max_points:
            raise ValidationError(
                _("Criterion %(code)s: points must be between 0 and %(max)s.")
                % {"code": self.code, "max": _fmt(self.max_points)},
                code="out_of_range",
            )
        allowed = self.choices()
        if allowed and value not in allowed:
            raise ValidationError(
                _("Criterion %(code)s: points must be one of %(values)s.")
                % {"code": self.code, "values": ", ".join(_fmt(v) for v in allowed)},
                code="not_allowed",
            )
        if not allowed and value % self.step != 0:
            raise ValidationError(
                _("Criterion %(code)s: points must be a multiple of %(step)s.")
                % {"code": self.code, "step": _fmt(self.step)},
                code="bad_step",
            )


def _fmt(value: Decimal) -> str:
    """Points without trailing zeros: "2", "0.5" (the database hands back "2.00", "0.50")."""
    return format(value.normalize(), "f")


class Band(models.Model):
    """A classification band: a total at or above ``lower_bound`` (and below the next band)."""

    criteria_set = models.ForeignKey(
        CriteriaSet, verbose_name=_("criteria set"), on_delete=models.CASCADE, related_name="bands"
    )
    label = models.CharField(_("label"), max_length=50)
    report_phrase = models.CharField(
        _("report phrase"),
        max_length=100,
        blank=True,
        help_text=_("How reports say it, e.g. “đạt xuất sắc”, “đạt kết quả tốt”."),
    )
    lower_bound = models.DecimalField(_("lower bound (inclusive)"), **POINTS)
    upper_bound = models.DecimalField(
        _("upper bound (exclusive)"),
        null=True,
        blank=True,
        help_text=_("Empty: no limit."),
        **POINTS,
    )
    order = models.PositiveIntegerField(_("order"), help_text=_("1 is the best band."))
    colour = models.CharField(_("colour"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("band")
        verbose_name_plural = _("bands")
        ordering = ["criteria_set", "order"]
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "label"], name="band_set_label"),
            models.UniqueConstraint(fields=["criteria_set", "order"], name="band_set_order"),
        ]

    def __str__(self) -> str:
        return self.label

    def snapshot(self) -> dict:
        return {
            "label": self.label,
            "report_phrase": self.report_phrase,
            "lower_bound": str(self.lower_bound),
            "upper_bound": None if self.upper_bound is None else str(self.upper_bound),
            "order": self.order,
            "colour": self.colour,
        }


def classify(total: Decimal | None, bands: list[dict]) -> str:
    """The label of the band ``total`` falls in, from a band snapshot; "" when none does."""
    if total is None:
        return ""
    best = ""
    best_bound = None
    for band in bands:
        bound = Decimal(band["lower_bound"])
        if total >= bound and (best_bound is None or bound > best_bound):
            best, best_bound = band["label"], bound
    return best
