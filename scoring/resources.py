"""Import/export resources of scoring data (contract: ``../shared/design.md`` §3).

Headers match case-insensitively or by the Vietnamese names in each resource's ``aliases``
(listed in ``docs/imports.md``); every import is all or nothing (``imports.resources``).
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from import_export.fields import Field

from imports.resources import (
    CodeWidget,
    ContractResource,
    CountWidget,
    PointsWidget,
    QuarterWidget,
    TextWidget,
    YearWidget,
)
from scoring.models import (
    DossierStats,
    ImportKind,
    IndicatorFigure,
    Period,
    PeriodStatus,
    SurveySummary,
)
from units.models import Unit


class UnitCodeWidget(CodeWidget):
    """A unit by its code, among the units the importing user may touch (``units`` in the
    import's context; every unit for the admin and the command line)."""

    def __init__(self, **kwargs):
        super().__init__(Unit, **kwargs)

    def get_queryset(self, value, row, *args, **kwargs):
        units = kwargs.get("units")
        return units if units is not None else Unit.objects.all()


class FigureWidget(PointsWidget):
    """A figure: a number ≥ 0 ("1,5" and "1.234" read the Vietnamese way where unambiguous)."""

    def clean(self, value, row=None, **kwargs):
        import re

        if isinstance(value, str) and re.fullmatch(r"\d{1,3}(\.\d{3})+", value.strip()):
            value = value.strip().replace(".", "")
        number = super().clean(value, row, **kwargs)
        if number is None:
            raise ValueError(_("A figure is required."))
        if number < 0:
            raise ValueError(_("%(value)s is negative; figures cannot be.") % {"value": value})
        return number


def count(column: str) -> Field:
    return Field(attribute=column, column_name=column, widget=CountWidget())


class QuarterFiguresResource(ContractResource):
    """Figures of one unit for one quarter, keyed by (unit, year, quarter)."""

    unit = Field(attribute="unit", column_name="unit", widget=UnitCodeWidget())
    year = Field(attribute="year", column_name="year", widget=YearWidget())
    quarter = Field(attribute="quarter", column_name="quarter", widget=QuarterWidget())

    QUARTER_ALIASES = {
        "unit": ("mã đơn vị", "ma don vi", "unit code"),
        "year": ("năm", "nam"),
        "quarter": ("quý", "quy"),
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.quarters: set[tuple[int, int]] = set()

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if instance.unit_id and instance.year and instance.quarter:
            closed = Period.objects.filter(
                year=instance.year,
                quarter=instance.quarter,
                status=PeriodStatus.CLOSED,
                scorecards__unit_id=instance.unit_id,
            )
            if closed.exists():
                raise ValidationError(
                    {
                        NON_FIELD_ERRORS: _(
                            "The quarter %(year)s-Q%(quarter)s of %(unit)s is closed; its "
                            "figures can no longer change."
                        )
                        % {
                            "year": instance.year,
                            "quarter": instance.quarter,
                            "unit": instance.unit,
                        }
                    }
                )

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        self.quarters.add((instance.year, instance.quarter))

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if self.dry_run or result.has_errors() or result.has_validation_errors():
            return
        from scoring.domain import refresh_suggestions

        for year, quarter in sorted(self.quarters):
            for period in Period.objects.filter(year=year, quarter=quarter):
                refresh_suggestions(period)


class DossierStatsResource(QuarterFiguresResource):
    """Dossier statistics per unit and quarter (the figures of Biểu số 06/VPCP/KSTT)."""

    kind = ImportKind.DOSSIER_STATS
    required = ("unit", "year", "quarter")
    aliases = {
        **QuarterFiguresResource.QUARTER_ALIASES,
        "received_online": ("số mới tiếp nhận trực tuyến", "tiếp nhận trực tuyến", "trực tuyến"),
        "received_offline": (
            "số mới tiếp nhận trực tiếp/bưu chính",
            "số mới tiếp nhận trực tiếp, bưu chính",
            "tiếp nhận trực tiếp/bưu chính",
            "trực tiếp/bưu chính",
            "trực tiếp, bưu chính",
        ),
        "carried_over": ("số kỳ trước chuyển qua", "kỳ trước chuyển qua"),
        "resolved_early": ("đã giải quyết trước hạn", "giải quyết trước hạn", "trước hạn"),
        "resolved_on_time": ("đã giải quyết đúng hạn", "giải quyết đúng hạn", "đúng hạn"),
        "resolved_overdue": ("đã giải quyết quá hạn", "giải quyết quá hạn"),
        "pending_on_time": ("đang giải quyết trong hạn", "trong hạn"),
        "pending_overdue": ("đang giải quyết quá hạn",),
        "online_overdue": ("hồ sơ trực tuyến quá hạn", "trực tuyến quá hạn"),
        "procedures_total": ("tổng số thủ tục", "số thủ tục"),
        "procedures_online": ("số thủ tục trực tuyến", "thủ tục trực tuyến"),
    }

    received_online = count("received_online")
    received_offline = count("received_offline")
    carried_over = count("carried_over")
    resolved_early = count("resolved_early")
    resolved_on_time = count("resolved_on_time")
    resolved_overdue = count("resolved_overdue")
    pending_on_time = count("pending_on_time")
    pending_overdue = count("pending_overdue")
    online_overdue = count("online_overdue")
    procedures_total = count("procedures_total")
    procedures_online = count("procedures_online")

    class Meta(ContractResource.Meta):
        model = DossierStats
        import_id_fields = ("unit", "year", "quarter")
        fields = (
            "unit",
            "year",
            "quarter",
            "received_online",
            "received_offline",
            "carried_over",
            "resolved_early",
            "resolved_on_time",
            "resolved_overdue",
            "pending_on_time",
            "pending_overdue",
            "online_overdue",
            "procedures_total",
            "procedures_online",
        )
        export_order = fields


class AveragesWidget(CountWidget):
    """Average points per criterion code: "7: 1,85; 8: 2" (blank: none)."""

    def clean(self, value, row=None, **kwargs):
        from decimal import Decimal, InvalidOperation

        averages = {}
        for part in str(value or "").replace("\n", ";").split(";"):
            if not part.strip():
                continue
            code, sep, number = part.partition(":")
            try:
                if not sep:
                    raise InvalidOperation
                average = Decimal(number.strip().replace(",", "."))
            except InvalidOperation:
                raise ValueError(
                    _("“%(part)s” is not “criterion code: average”, e.g. “7: 1,85”.")
                    % {"part": part.strip()}
                ) from None
            if average < 0:
                raise ValueError(
                    _("The average of criterion %(code)s is negative.") % {"code": code.strip()}
                )
            averages[code.strip()] = float(average)
        return averages

    def render(self, value, obj=None, **kwargs):
        return "; ".join(f"{code}: {average}" for code, average in (value or {}).items())


class SurveySummaryResource(QuarterFiguresResource):
    """Citizen survey results per unit and quarter: forms counted, satisfied / neither /
    dissatisfied, and the average points citizens gave per criterion ("7: 1,85; 8: 2")."""

    kind = ImportKind.SURVEYS
    required = ("unit", "year", "quarter", "forms")
    aliases = {
        **QuarterFiguresResource.QUARTER_ALIASES,
        "forms": ("số phiếu", "số phiếu khảo sát", "phiếu"),
        "satisfied": ("hài lòng", "số phiếu hài lòng"),
        "neutral": ("bình thường", "không ý kiến"),
        "dissatisfied": ("không hài lòng", "số phiếu không hài lòng"),
        "averages": ("điểm trung bình", "điểm trung bình theo tiêu chí"),
    }

    forms = count("forms")
    satisfied = count("satisfied")
    neutral = count("neutral")
    dissatisfied = count("dissatisfied")
    averages = Field(attribute="averages", column_name="averages", widget=AveragesWidget())

    class Meta(ContractResource.Meta):
        model = SurveySummary
        import_id_fields = ("unit", "year", "quarter")
        fields = (
            "unit",
            "year",
            "quarter",
            "forms",
            "satisfied",
            "neutral",
            "dissatisfied",
            "averages",
        )
        export_order = fields

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        answered = instance.satisfied + instance.neutral + instance.dissatisfied
        if answered > instance.forms:
            raise ValidationError(
                {
                    "forms": _("%(answered)s answers counted, more than the %(forms)s forms.")
                    % {"answered": answered, "forms": instance.forms}
                }
            )


class IndicatorFigureResource(QuarterFiguresResource):
    """Figures the provincial system holds per unit and quarter, one per row (unit, year,
    quarter, name, value), e.g. ``dossiers_synced`` = 120. The criteria set's formulas name
    them (QĐ 766-style indicators)."""

    kind = ImportKind.INDICATOR_FIGURES
    required = ("unit", "year", "quarter", "name", "value")
    aliases = {
        **QuarterFiguresResource.QUARTER_ALIASES,
        "name": ("số liệu", "chỉ số", "tên số liệu"),
        "value": ("giá trị",),
    }

    name = Field(attribute="name", column_name="name", widget=TextWidget())
    value = Field(attribute="value", column_name="value", widget=FigureWidget())

    class Meta(ContractResource.Meta):
        model = IndicatorFigure
        import_id_fields = ("unit", "year", "quarter", "name")
        fields = ("unit", "year", "quarter", "name", "value")
        export_order = fields
