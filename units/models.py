import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")
    WARD = "ward", _("Ward")
    TOWNSHIP = "township", _("Township")
    AGENCY = "agency", _("Agency")
    SERVICE_CENTER = "service_center", _("Public service centre")

    @classmethod
    def administrative(cls) -> set[str]:
        """Kinds that organise a scoring round rather than being scored in it."""
        return {cls.PROVINCE, cls.DISTRICT}

    @classmethod
    def local(cls) -> set[str]:
        """Commune-level local governments (reported as "các xã, phường, thị trấn")."""
        return {cls.COMMUNE, cls.WARD, cls.TOWNSHIP}


class ReportGroup(models.TextChoices):
    """The groups a report counts and ranks units in, in report order."""

    AGENCIES = "agencies", _("Agencies and units")
    LOCAL = "local", _("Communes, wards and townships")


class UnitQuerySet(models.QuerySet):
    def active_on(self, day: datetime.date) -> "UnitQuerySet":
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        )

    def scored(self) -> "UnitQuerySet":
        return self.exclude(kind__in=UnitKind.administrative())


class Unit(models.Model):
    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        help_text=_("The official administrative code where one exists."),
    )
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(
        _("short name"), max_length=100, help_text=_("Used in report prose, e.g. “Nà Tòng”.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    order = models.PositiveIntegerField(_("display order"), default=0)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    predecessors = models.ManyToManyField(
        "self",
        verbose_name=_("predecessors"),
        symmetrical=False,
        blank=True,
        related_name="successors",
        help_text=_("Units merged into this one."),
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_range",
                violation_error_message=_("“Valid to” must not be before “valid from”."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_active_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or self.valid_to >= day
        )

    @property
    def report_group(self) -> ReportGroup:
        if self.kind in UnitKind.local():
            return ReportGroup.LOCAL
        return ReportGroup.AGENCIES


def local_group_label(kinds: set[str]) -> str:
    """The heading of the local-government group, from the kinds present in it.

    "Các xã, thị trấn" for a rural district, "Các xã, phường" where wards exist,
    "Các xã, phường, thị trấn" where all three do.
    """
    words = [
        word
        for kind, word in (
            (UnitKind.COMMUNE, _("communes")),
            (UnitKind.WARD, _("wards")),
            (UnitKind.TOWNSHIP, _("townships")),
        )
        if kind in kinds
    ]
    if not words:
        words = [_("communes")]
    return _("The %(kinds)s") % {"kinds": ", ".join(str(w) for w in words)}


def report_group_label(group: str, kinds: set[str]) -> str:
    if group == ReportGroup.LOCAL:
        return local_group_label(kinds)
    return str(_("The agencies and units"))


class Role(models.TextChoices):
    UNIT_STAFF = "unit_staff", _("Unit staff")
    REVIEWER = "reviewer", _("Reviewer")
    LEADER = "leader", _("Leader")


class Membership(models.Model):
    """A user's role on a unit. Reviewers and leaders on a district reach every unit below it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit", "role"], name="membership_unique_user_unit_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.unit}"
