"""Import/export resources of scoring data (contract: ``../shared/design.md`` §3).

Headers match case-insensitively or by the Vietnamese names in each resource's ``aliases``
(listed in ``docs/imports.md``); every import is all or nothing (``imports.resources``).
"""

import contextlib
import copy
import functools
import re
from typing import ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from import_export import widgets
from import_export.fields import Field

from criteria.models import Criterion
from imports.resources import (
    CellDiff,
    CodeWidget,
    ContractResource,
    CountWidget,
    PointsWidget,
    QuarterWidget,
    TextWidget,
    YearWidget,
    YesNoWidget,
    code_of,
    normalise,
)
from scoring.domain import IMPORTED_SCORE_FIELDS, CardImport
from scoring.models import (
    DossierStats,
    ImportKind,
    IndicatorFigure,
    Period,
    PeriodStatus,
    Score,
    Scorecard,
    ScorecardStatus,
    SurveySummary,
)
from tthc_scoring import audit
from units.models import Unit


class UnitCodeWidget(CodeWidget):
    """A unit by its code, among the units the importing user may touch (``units`` in the
    import's context; every unit for the admin and the command line)."""

    def __init__(self, **kwargs):
        super().__init__(Unit, **kwargs)

    def get_queryset(self, value, row, *args, **kwargs):
        units = kwargs.get("units")
        return units if units is not None else Unit.objects.all()

    known: dict[str, Unit] | None = None  # the file's units, read once by the resource

    def clean(self, value, row=None, **kwargs):
        if self.known is None or value is None or not str(value).strip():
            return super().clean(value, row, **kwargs)
        unit = self.known.get(code_of(value))
        if unit is None:
            raise ValueError(
                _("No %(thing)s has the code “%(code)s”.")
                % {"thing": Unit._meta.verbose_name, "code": code_of(value)}
            )
        return unit


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

    class Meta(ContractResource.Meta):
        # Rows gather and are written in batches after the last one is checked: no savepoint
        # and no write per row. The import's transaction still makes it all or nothing.
        use_bulk = True
        batch_size = 1000

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.quarters: set[tuple[int, int]] = set()
        self.existing: dict[tuple, object] = {}
        self.closed: set[tuple[int, int, int]] = set()
        self.seen: dict[tuple, int] = {}
        self.originals: dict[int, object] = {}

    def read_file(self, dataset, **kwargs) -> None:
        """Read once what the rows name: their units, the rows already stored for those units
        and the closed quarters they are scored in (no lookup per row)."""
        codes = {code_of(row.get("unit")) for row in dataset.dict} - {""}
        scope = self.context.get("units")
        units = {
            u.code: u
            for u in (scope if scope is not None else Unit.objects.all()).filter(code__in=codes)
        }
        self.fields["unit"].widget.known = units
        stored = self._meta.model.objects.filter(unit__in=list(units.values())).select_related(
            "unit"
        )
        self.existing = {self.key_of(o): o for o in stored}
        self.originals = {}
        closed = Period.objects.filter(
            status=PeriodStatus.CLOSED, scorecards__unit__in=list(units.values())
        )
        self.closed = set(closed.values_list("scorecards__unit_id", "year", "quarter"))
        self.seen = {}

    def key_of(self, instance) -> tuple:
        return tuple(
            instance.unit_id if name == "unit" else getattr(instance, name)
            for name in self._meta.import_id_fields
        )

    def get_instance(self, instance_loader, row):
        try:
            key = tuple(
                value.pk if name == "unit" else value
                for name in self._meta.import_id_fields
                for value in [self.fields[name].clean(row)]
            )
        except (ValueError, AttributeError):
            return None  # a bad key cell: reading the row's fields names its column
        return self.existing.get(key)

    def get_bulk_update_fields(self):
        return [*super().get_bulk_update_fields(), "import_batch"]

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        if not new:  # the stored values, for the audit log of the row's update
            self.originals[instance.pk] = copy.copy(instance)

    # The rows are written in bulk, which django-auditlog's signals never see: each statement's
    # rows are logged beside it (``tthc_scoring.audit``), in the import's transaction.

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        rows = list(self.create_instances)
        super().bulk_create(using_transactions, dry_run, raise_errors, batch_size, result)
        self._log(audit.CREATE, [(None, row) for row in rows], None, result)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        rows = list(self.update_instances)
        super().bulk_update(using_transactions, dry_run, raise_errors, batch_size, result)
        pairs = [(self.originals.get(row.pk), row) for row in rows]
        # The values the file sets; the batch they came from is the entry's additional data.
        fields = [f.attribute for f in self.get_import_fields()]
        self._log(audit.UPDATE, pairs, fields, result)

    def _log(self, action, pairs, fields, result) -> None:
        if not pairs or self.dry_run or (result is not None and result.has_errors()):
            return  # nothing written, or a preview (rolled back), or a failed statement
        batch = self.record_batch()
        audit.log_bulk(
            self._meta.model,
            pairs,
            action,
            actor=self._user(),
            fields=fields,
            additional_data={"import_batch": batch.pk} if batch else None,
        )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # Uniqueness is the file's (``seen``) and the stored rows' (``existing``) business, and
        # the constraints' conditions are the widgets' and ``clean``'s: no query per row.
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(
                # the unit came from ``read_file``'s lookup: its foreign key needs no check
                exclude={*errors, "unit", "import_batch"},
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if not (instance.unit_id and instance.year and instance.quarter):
            return
        key, line = self.key_of(instance), self.row_number + 1
        if key in self.seen:
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: _("The same figures already appear in row %(row)s.")
                    % {"row": self.seen[key]}
                }
            )
        self.seen[key] = line
        if (instance.unit_id, instance.year, instance.quarter) in self.closed:
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: _(
                        "The quarter %(year)s-Q%(quarter)s of %(unit)s is closed; its "
                        "figures can no longer change."
                    )
                    % {"year": instance.year, "quarter": instance.quarter, "unit": instance.unit}
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

    class Meta(QuarterFiguresResource.Meta):
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

    class Meta(QuarterFiguresResource.Meta):
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

    class Meta(QuarterFiguresResource.Meta):
        model = IndicatorFigure
        import_id_fields = ("unit", "year", "quarter", "name")
        fields = ("unit", "year", "quarter", "name", "value")
        export_order = fields


# Scorecards and scores: rows that name a scorecard by period and unit.

PERIOD_CODE = re.compile(r"(\d{4})\s*-\s*Q\s*([1-4])", re.IGNORECASE)


def period_of(value) -> tuple[int, int]:
    """(year, quarter) of a period written like "2021-Q2"."""
    match = PERIOD_CODE.fullmatch(str(value if value is not None else "").strip())
    if not match:
        raise ValueError(_("“%(value)s” is not a period like 2021-Q2.") % {"value": value or ""})
    return int(match[1]), int(match[2])


def sharing_relations(instance):
    """``instance``, made cheap to deep-copy: the library keeps ``deepcopy(instance)`` of each
    row as its original for the preview, which would copy the whole graph of cached related
    objects (scorecard, period, organiser, unit, criterion) row after row, most of an import's
    time. The copy shares them instead; nothing changes them during an import."""
    instance.__deepcopy__ = functools.partial(_shallow_copy, instance)
    return instance


def _shallow_copy(instance, memo):
    clone = copy.copy(instance)  # a model's own copy: its field values and its state
    clone.__dict__.pop("__deepcopy__", None)
    return clone


class ScorecardRowsResource(ContractResource):
    """Base of the resources whose rows name a scorecard by ``period`` ("2021-Q2") and
    ``unit`` (its code): the scorecard of that unit in the period of that quarter.

    Rows are checked one by one, so each error names its row and column, against what the
    file's first reading cached (units, scorecards, criteria, scores: a fixed number of
    queries whatever the number of rows). Nothing is saved row by row: the changes are
    gathered per scorecard and written after the last row, in the import's transaction,
    through ``scoring.domain.import_scorecards``, which checks them again, records one
    "imported" event per changed scorecard and recomputes its totals.
    """

    KEY_COLUMNS: ClassVar[tuple[str, ...]] = ("period", "unit")
    KEY_ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {
        "period": ("kỳ", "kỳ đánh giá", "ky danh gia"),
        "unit": ("mã đơn vị", "ma don vi", "unit code"),
    }

    class Meta(ContractResource.Meta):
        # The model's own validation would cost queries per row; the rules are checked here
        # and again by the domain.
        clean_model_instances = False
        # Rows write nothing (``save_instance`` only gathers), so they need no savepoint of
        # their own (two queries a row otherwise); the library's bulk lists stay empty.
        use_bulk = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._reset()

    def _reset(self):
        self.pending: dict[int, CardImport] = {}
        self.seen: dict[tuple, int] = {}
        self.before: dict[int, tuple] = {}
        self.units: dict[str, Unit] = {}
        self.cards: dict[tuple[int, int, int], list[Scorecard]] = {}
        self.opened: set[tuple[int, int]] = set()

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        self._reset()
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, **kwargs)

    def read_file(self, dataset, **kwargs) -> None:
        """Read once what the rows name: units, opened quarters and scorecards."""
        rows = dataset.dict
        codes, quarters = set(), set()
        for row in rows:
            codes.add(code_of(row.get("unit")))
            with contextlib.suppress(ValueError):
                quarters.add(period_of(row.get("period")))
        scope = self.context.get("units")
        units = scope if scope is not None else Unit.objects.all()
        self.units = {u.code: u for u in units.filter(code__in=codes - {""})}
        if not quarters:
            return
        which = Q()
        for year, quarter in quarters:
            which |= Q(year=year, quarter=quarter)
        self.opened = set(Period.objects.filter(which).values_list("year", "quarter"))
        cards = Scorecard.objects.filter(
            unit__in=list(self.units.values()),
            period__in=Period.objects.filter(which),
        ).select_related("period__organizer", "unit")
        for card in cards:
            key = (card.unit_id, card.period.year, card.period.quarter)
            self.cards.setdefault(key, []).append(card)

    def get_import_fields(self):
        # Asked for several times per row; the same for the whole import.
        if getattr(self, "_import_fields", None) is None:
            self._import_fields = super().get_import_fields()
        return self._import_fields

    def get_diff_class(self):
        return CellDiff

    def card_for(self, row) -> Scorecard:
        """The scorecard a row names; ValidationError naming the column otherwise."""
        errors = {}
        code = code_of(row.get("unit"))
        unit = self.units.get(code)
        if not code:
            errors["unit"] = _("The unit's code is missing.")
        elif unit is None:
            errors["unit"] = _("No %(thing)s has the code “%(code)s”.") % {
                "thing": Unit._meta.verbose_name,
                "code": code,
            }
        try:
            year, quarter = period_of(row.get("period"))
        except ValueError as exc:
            errors["period"] = str(exc)
        if errors:
            raise ValidationError(errors)
        label = f"{year}-Q{quarter}"
        found = self.cards.get((unit.pk, year, quarter), [])
        if not found and (year, quarter) not in self.opened:
            raise ValidationError(
                {"period": _("No scoring period %(period)s has been opened.") % {"period": label}}
            )
        if not found:
            raise ValidationError(
                {
                    "period": _("%(unit)s has no scorecard in %(period)s.")
                    % {"unit": unit, "period": label}
                }
            )
        if len(found) > 1:
            raise ValidationError(
                {
                    "period": _(
                        "%(unit)s has a scorecard in %(period)s from more than one organiser "
                        "(%(organisers)s)."
                    )
                    % {
                        "unit": unit,
                        "period": label,
                        "organisers": ", ".join(str(c.period.organizer) for c in found),
                    }
                }
            )
        return found[0]

    def once(self, key: tuple) -> None:
        """Refuse a row naming what an earlier row of the file named."""
        line = self.row_number + 1
        first = self.seen.setdefault(key, line)
        if first != line:
            raise ValidationError(
                _("This row names the same thing as row %(row)s.") % {"row": first}
            )

    def refusal(self, card: Scorecard) -> dict[str, list[str]]:
        """Why a row may not change this scorecard, by column (empty if it may)."""
        if card.period.status == PeriodStatus.CLOSED:
            return {
                "period": [
                    _("The period %(period)s is closed; its scores can no longer change.")
                    % {"period": card.period.code}
                ]
            }
        if card.status == ScorecardStatus.APPROVED:
            return {
                "unit": [
                    _(
                        "The scorecard of %(unit)s for %(period)s is approved; reopen it "
                        "before changing it."
                    )
                    % {"unit": card.unit, "period": card.period.code}
                ]
            }
        return {}

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.column_name in self.KEY_COLUMNS:  # read by ``card_for``, never written
            return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if not errors:
            self.adjust(instance)
            if self.values(instance) != self.before[instance.pk]:
                errors = self.problems(instance)
        if errors:
            raise ValidationError(errors)

    def adjust(self, instance) -> None:
        """Make the row's values consistent before comparing them with the stored ones."""

    def values(self, instance) -> tuple:
        raise NotImplementedError

    def problems(self, instance) -> dict[str, list[str]]:
        raise NotImplementedError

    def save_instance(self, instance, is_create, row, **kwargs):
        self.stage(instance, row)  # written per scorecard after the last row

    def stage(self, instance, row) -> None:
        raise NotImplementedError

    def after_import(self, dataset, result, **kwargs):
        if self.pending and not (result.has_errors() or result.has_validation_errors()):
            from scoring.domain import ScoringError, import_scorecards

            periods = {
                card.period
                for cards in self.cards.values()
                for card in cards
                if card.pk in self.pending
            }
            if self.context.get("period") is None and len(periods) == 1:
                self.context["period"] = periods.pop()
            try:
                import_scorecards(self.pending, batch=self.record_batch(), actor=self._user())
            except ScoringError as exc:
                raise ValidationError(exc.messages) from None
        super().after_import(dataset, result, **kwargs)


def key_field(column: str, attribute: str) -> Field:
    """A column naming the scorecard or criterion: exported from ``attribute``, read only to
    find the row's scorecard (``ScorecardRowsResource.card_for``)."""
    return Field(attribute=attribute, column_name=column, widget=TextWidget())


class ScorecardResource(ScorecardRowsResource):
    """Scorecards: ``period, unit, no_tthc, no_tthc_note`` imported (the declaration that no
    procedure arose, with its note); ``status, self_total, final_total, band, rank`` only
    exported."""

    kind = ImportKind.SCORECARDS
    required = ("period", "unit")
    aliases = {
        **ScorecardRowsResource.KEY_ALIASES,
        "no_tthc": ("không phát sinh tthc", "không phát sinh", "khong phat sinh tthc"),
        "no_tthc_note": (
            "giải trình không phát sinh tthc",
            "giải trình không phát sinh",
            "ghi chú không phát sinh",
            "lý do không phát sinh",
        ),
    }

    period = key_field("period", "period__code")
    unit = key_field("unit", "unit__code")
    no_tthc = Field(attribute="no_tthc", column_name="no_tthc", widget=YesNoWidget())
    no_tthc_note = Field(attribute="no_tthc_note", column_name="no_tthc_note", widget=TextWidget())
    status = Field(attribute="status", column_name="status", readonly=True, widget=TextWidget())
    self_total = Field(
        attribute="self_total", column_name="self_total", readonly=True, widget=PointsWidget()
    )
    final_total = Field(
        attribute="final_total", column_name="final_total", readonly=True, widget=PointsWidget()
    )
    band = Field(attribute="band", column_name="band", readonly=True, widget=TextWidget())
    rank = Field(
        attribute="rank", column_name="rank", readonly=True, widget=widgets.IntegerWidget()
    )

    class Meta(ScorecardRowsResource.Meta):
        model = Scorecard
        fields = (
            "period",
            "unit",
            "no_tthc",
            "no_tthc_note",
            "status",
            "self_total",
            "final_total",
            "band",
            "rank",
        )
        export_order = fields

    @classmethod
    def header_names(cls) -> dict[str, str]:
        # An exported file imports as it is: its export-only columns are read past.
        names = super().header_names()
        for field in cls().fields.values():
            if field.readonly:
                names.setdefault(normalise(field.column_name), field.column_name)
        return names

    def get_or_init_instance(self, instance_loader, row):
        card = self.card_for(row)
        self.once((card.pk,))
        self.before[card.pk] = self.values(card)
        return sharing_relations(card), False

    def values(self, card) -> tuple:
        return (card.no_tthc, card.no_tthc_note)

    def adjust(self, card) -> None:
        if not card.no_tthc:  # a note only goes with the declaration (as on the scorecard page)
            card.no_tthc_note = ""

    def problems(self, card) -> dict[str, list[str]]:
        if card.no_tthc and not card.no_tthc_note.strip():
            return {"no_tthc_note": [_("Explain why no procedure arose this quarter.")]}
        return self.refusal(card)

    def stage(self, card, row) -> None:
        self.pending[card.pk] = CardImport(no_tthc=(card.no_tthc, card.no_tthc_note))

    # Export: ranks of whole periods, worked out at once.

    def get_queryset(self):
        return Scorecard.objects.select_related("period", "unit").order_by(
            "period__year", "period__quarter", "period_id", "unit__order", "unit__name"
        )

    def filter_export(self, queryset, **kwargs):
        from scoring.results import assign_ranks

        if isinstance(queryset, QuerySet):
            queryset = queryset.select_related("period", "unit")
        cards = list(queryset)
        everyone = (
            Scorecard.objects.filter(period_id__in={c.period_id for c in cards})
            .select_related("unit")
            .only("id", "period_id", "final_total", "unit__id", "unit__kind")
        )
        by_period: dict[int, list[Scorecard]] = {}
        for card in everyone:
            by_period.setdefault(card.period_id, []).append(card)
        ranks = {c.pk: c.rank for members in by_period.values() for c in assign_ranks(members)}
        for card in cards:
            card.rank = ranks.get(card.pk)
        return cards


class ScoreResource(ScorecardRowsResource):
    """Scores: ``period, unit, criterion, self_points, self_note, reviewed_points,
    review_reason``; ``criterion`` is the criterion's code in the period's criteria set."""

    kind = ImportKind.SCORES
    required = ("period", "unit", "criterion")
    KEY_COLUMNS = ("period", "unit", "criterion")
    aliases = {
        **ScorecardRowsResource.KEY_ALIASES,
        "criterion": ("mã chỉ số", "chỉ số", "mã tiêu chí", "tiêu chí", "ma chi so"),
        "self_points": ("điểm tự chấm", "tự chấm", "diem tu cham"),
        "self_note": ("giải trình", "giải trình tự chấm", "thuyết minh", "giai trinh"),
        "reviewed_points": ("điểm thẩm định", "thẩm định", "diem tham dinh"),
        "review_reason": (
            "lý do điều chỉnh điểm",
            "lý do điều chỉnh",
            "lý do thẩm định",
            "lý do",
            "ly do",
        ),
    }

    period = key_field("period", "scorecard__period__code")
    unit = key_field("unit", "scorecard__unit__code")
    criterion = key_field("criterion", "criterion__code")
    self_points = Field(attribute="self_points", column_name="self_points", widget=PointsWidget())
    self_note = Field(attribute="self_note", column_name="self_note", widget=TextWidget())
    reviewed_points = Field(
        attribute="reviewed_points", column_name="reviewed_points", widget=PointsWidget()
    )
    review_reason = Field(
        attribute="review_reason", column_name="review_reason", widget=TextWidget()
    )

    class Meta(ScorecardRowsResource.Meta):
        model = Score
        fields = (
            "period",
            "unit",
            "criterion",
            "self_points",
            "self_note",
            "reviewed_points",
            "review_reason",
        )
        export_order = fields

    def _reset(self):
        super()._reset()
        self.criteria: dict[tuple[int, str], Criterion] = {}
        self.scores: dict[tuple[int, int], Score] = {}

    def read_file(self, dataset, **kwargs) -> None:
        super().read_file(dataset, **kwargs)
        cards = {card.pk: card for found in self.cards.values() for card in found}
        sets = {card.period.criteria_set_id for card in cards.values()}
        criteria = Criterion.objects.filter(criteria_set_id__in=sets, is_group=False)
        self.criteria = {(c.criteria_set_id, c.code): c for c in criteria}
        by_id = {c.pk: c for c in self.criteria.values()}
        for score in Score.objects.filter(scorecard_id__in=list(cards)):
            score.scorecard = cards[score.scorecard_id]
            if score.criterion_id in by_id:
                score.criterion = by_id[score.criterion_id]
                self.scores[(score.scorecard_id, score.criterion_id)] = score

    def get_or_init_instance(self, instance_loader, row):
        card = self.card_for(row)
        code = code_of(row.get("criterion"))
        criterion = self.criteria.get((card.period.criteria_set_id, code))
        score = self.scores.get((card.pk, criterion.pk)) if criterion else None
        if score is None:
            raise ValidationError(
                {
                    "criterion": _("The criteria of %(period)s have no criterion “%(code)s”.")
                    % {"period": card.period.code, "code": code}
                }
            )
        self.once((card.pk, criterion.pk))
        self.before[score.pk] = self.values(score)
        return sharing_relations(score), False

    def values(self, score) -> tuple:
        return tuple(getattr(score, name) for name in IMPORTED_SCORE_FIELDS)

    def problems(self, score) -> dict[str, list[str]]:
        errors = self.refusal(score.scorecard)
        if errors:
            return errors
        for name in ("self_points", "reviewed_points"):
            points = getattr(score, name)
            if points is not None:
                try:
                    score.criterion.validate_points(points)
                except ValidationError as exc:
                    errors[name] = exc.messages
        if (
            not errors
            and score.reviewed_points is not None
            and score.reviewed_points != score.self_points
            and not score.review_reason.strip()
        ):
            errors["review_reason"] = [
                _("Criterion %(code)s: give a reason for changing the points.")
                % {"code": score.criterion.code}
            ]
        return errors

    def stage(self, score, row) -> None:
        values = {name: getattr(score, name) for name in IMPORTED_SCORE_FIELDS if name in row}
        card = self.pending.setdefault(score.scorecard_id, CardImport())
        card.scores[score.criterion_id] = values

    def get_queryset(self):
        return Score.objects.select_related(
            "scorecard__period", "scorecard__unit", "criterion"
        ).order_by(
            "scorecard__period__year",
            "scorecard__period__quarter",
            "scorecard__period_id",
            "scorecard__unit__order",
            "scorecard__unit__name",
            "criterion__order",
        )
