"""The "Số liệu hồ sơ" page of a period: figures uploaded from files, previewed, confirmed, then
shown per unit with derived rates and downloadable.

An upload is one of three kinds (``FileKind``): Biểu số 06/VPCP/KSTT as the provincial system
exports it (``imports.bieu06``), dossier statistics in the contract's columns, or survey
summaries. ``preview_upload`` checks and dry-runs the file and stages it; ``confirm_upload``
imports the staged file for real (``imports.domain.apply``: all or nothing, an
``ImportBatch``, suggestions refreshed); ``cancel_upload`` drops it. Units are limited to the
period's units the user may review, and rows to the period's quarter.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats, numberformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports import domain
from imports.bieu06 import read_bieu06
from imports.resources import ContractResource, neutralise, normalise
from imports.tables import read_table
from scoring import access
from scoring.models import DossierStats, ImportBatch, Period, Scorecard, SurveySummary
from scoring.resources import DossierStatsResource, SurveySummaryResource
from units.models import Unit


class FileKind(models.TextChoices):
    BIEU06 = "bieu06", gettext_lazy("Dossier statistics — Biểu số 06/VPCP/KSTT")
    DOSSIER_STATS = "dossier_stats", gettext_lazy("Dossier statistics — contract columns")
    SURVEYS = "surveys", gettext_lazy("Survey summaries — contract columns")


RESOURCES: dict[str, type[ContractResource]] = {
    FileKind.BIEU06: DossierStatsResource,
    FileKind.DOSSIER_STATS: DossierStatsResource,
    FileKind.SURVEYS: SurveySummaryResource,
}


def candidate_units(user, period: Period):
    """The period's units the user may import figures for: those they may review."""
    cards = access.reviewable_scorecards(user).filter(period=period)
    return Unit.objects.filter(scorecards__in=cards).order_by("order", "name")


# --- Upload → preview → confirm ---------------------------------------------------------------


@dataclass
class Prepared:
    """A file read for its resource: the rows and the file line of each."""

    dataset: object
    line_offset: int | list[int]
    missing_units: list[Unit] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


@dataclass
class UploadPreview:
    kind: str
    file_name: str
    preview: domain.ImportPreview | None = None
    token: str | None = None  # the staged file; None when there is nothing to confirm
    earlier: ImportBatch | None = None  # the same file was imported before
    missing_units: list[Unit] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return FileKind(self.kind).label

    @property
    def changed_rows(self) -> list[domain.RowChange]:
        """The rows added or changed, each change as (column label, old, new)."""
        if self.preview is None:
            return []
        labels = column_labels(self.kind)
        return [
            domain.RowChange(
                row.line,
                row.label,
                row.kind,
                [(labels.get(column, column), old, new) for column, old, new in row.changes],
            )
            for row in self.preview.changed_rows
        ]


def prepare(kind: str, name: str, content: bytes, period: Period, units) -> Prepared:
    """The file read as its kind says; ``domain.ImportRefused`` when it cannot be."""
    try:
        if kind == FileKind.BIEU06:
            sheet = read_bieu06(
                name, content, year=period.year, quarter=period.quarter, units=units
            )
            return Prepared(
                sheet.dataset, sheet.line_offset, sheet.missing_units, sheet.ignored_columns
            )
        dataset = read_table(name, content)
    except ValidationError as exc:
        raise domain.ImportRefused(exc.messages) from None
    _check_quarter(dataset, RESOURCES[kind], period)
    return Prepared(dataset, 1)


def _check_quarter(dataset, resource_class: type[ContractResource], period: Period) -> None:
    """Every row must be for the period's quarter: the page imports into this period only."""
    names = resource_class.header_names()
    headers = [names.get(normalise(h)) for h in dataset.headers or []]
    if "year" not in headers or "quarter" not in headers:
        return  # the resource refuses the file with its own message
    year, quarter = headers.index("year"), headers.index("quarter")
    wrong = []
    for number, row in enumerate(dataset, start=2):
        if (_whole(row[year]), _whole(row[quarter])) != (period.year, period.quarter):
            wrong.append(
                _("Row %(row)s: %(year)s-Q%(quarter)s is not this period's quarter (%(period)s).")
                % {"row": number, "year": row[year], "quarter": row[quarter], "period": period.code}
            )
    if wrong:
        raise domain.ImportRefused(wrong[:30])


def _whole(value) -> int | None:
    try:
        return int(Decimal(str(value).strip()))
    except (ArithmeticError, ValueError):
        return None


def _run(function, user, period: Period, kind: str, name: str, content: bytes, units, prepared):
    return function(
        RESOURCES[kind](),
        prepared.dataset,
        line_offset=prepared.line_offset,
        user=user,
        period=period,
        file_name=name,
        content=content,
        units=units,
    )


def preview_upload(user, period: Period, kind: str, name: str, content: bytes) -> UploadPreview:
    """What the file would change; staged for ``confirm_upload`` when it changes anything.

    Nothing staged when the same file was imported for this period before (``earlier``) or
    when it changes nothing. Raises ``domain.ImportRefused`` (nothing staged, nothing
    written) for a file that cannot be read or a row that would be refused."""
    result = UploadPreview(kind=kind, file_name=name)
    result.earlier = domain.earlier_import(RESOURCES[kind].kind, domain.sha256_of(content), period)
    if result.earlier is not None:
        return result
    units = candidate_units(user, period)
    prepared = prepare(kind, name, content, period, units)
    result.preview = _run(domain.preview, user, period, kind, name, content, units, prepared)
    result.missing_units, result.ignored_columns = prepared.missing_units, prepared.ignored_columns
    if result.preview.changes_anything:
        result.token = domain.stage(user, name, content)
    return result


def confirm_upload(user, period: Period, kind: str, token: str) -> domain.ImportPreview:
    """Import the file ``user`` staged under ``token``, for real, and drop it from the stage.

    Side effects (through ``imports.domain.apply`` and the resource): the figures written in
    one transaction, an ``ImportBatch`` (file, sha256, user, period, counts, the stored file),
    the suggested points of the quarter's periods refreshed. Raises ``domain.ImportRefused``
    when nothing is staged under the token for this user, when the file was imported already
    or when a row is refused now; nothing is written then."""
    found = domain.staged(user, token)
    if found is None:
        raise domain.ImportRefused(
            _("This upload is no longer waiting for confirmation; upload the file again.")
        )
    name, content = found
    try:
        earlier = domain.earlier_import(RESOURCES[kind].kind, domain.sha256_of(content), period)
        if earlier is not None:
            raise domain.ImportRefused(describe_earlier(earlier))
        units = candidate_units(user, period)
        prepared = prepare(kind, name, content, period, units)
        return _run(domain.apply, user, period, kind, name, content, units, prepared)
    finally:
        domain.unstage(user, token)


def column_labels(kind: str) -> dict[str, str]:
    """The resource's columns as the model names them ("resolved early" …), for the preview."""
    model = RESOURCES[kind]._meta.model
    return {
        f.name: str(f.verbose_name).capitalize()
        for f in model._meta.get_fields()
        if hasattr(f, "verbose_name")
    }


def cancel_upload(user, token: str) -> None:
    domain.unstage(user, token)


def describe_earlier(batch: ImportBatch) -> str:
    who = batch.imported_by
    return _("This file was already imported on %(date)s by %(who)s (“%(file)s”).") % {
        "date": batch.created_at.strftime("%d/%m/%Y %H:%M"),
        "who": (who.get_full_name() or who.username) if who else _("the command line"),
        "file": batch.file_name,
    }


# --- The figures per unit ---------------------------------------------------------------------


@dataclass
class FigureRow:
    """One scored unit of the period with its quarter's figures (None: none imported)."""

    number: int
    unit: Unit
    card: Scorecard
    stats: DossierStats | None
    survey: SurveySummary | None

    def count(self, name: str) -> int | None:
        return None if self.stats is None else getattr(self.stats, name)

    @property
    def received(self) -> int | None:
        return None if self.stats is None else self.stats.received_total

    @property
    def resolved(self) -> int | None:
        s = self.stats
        return None if s is None else s.resolved_early + s.resolved_on_time + s.resolved_overdue

    @property
    def pending(self) -> int | None:
        s = self.stats
        return None if s is None else s.pending_on_time + s.pending_overdue

    @property
    def on_time_rate(self) -> Decimal | None:
        """Resolved early or on time ÷ resolved."""
        if not self.resolved:
            return None
        return _share(self.stats.resolved_early + self.stats.resolved_on_time, self.resolved)

    @property
    def online_share(self) -> Decimal | None:
        """Received online ÷ newly received (online + in person or by post)."""
        share = None if self.stats is None else self.stats.online_share
        return None if share is None else share.quantize(Decimal("0.0001"), ROUND_HALF_UP)

    @property
    def satisfaction(self) -> Decimal | None:
        """Satisfied ÷ survey forms."""
        if self.survey is None or not self.survey.forms:
            return None
        return _share(self.survey.satisfied, self.survey.forms)

    def survey_count(self, name: str) -> int | None:
        return None if self.survey is None else getattr(self.survey, name)


def _share(part: int, whole: int) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    value: Callable[[FigureRow], object]
    kind: str = "count"  # "count", "rate" (a share 0–1) or "text"
    group: str = "dossiers"  # "unit", "dossiers" or "survey"

    def display(self, row: FigureRow) -> str:
        """The value as the active language writes it: "1.234", "95,3%"; "—" for none."""
        value = self.value(row)
        if value is None:
            return "—"
        if self.kind == "rate":
            return _number((value * 100).quantize(Decimal("0.1"), ROUND_HALF_UP), 1) + "%"
        if self.kind == "count":
            return _number(value, 0)
        return str(value)


def _number(value, places: int) -> str:
    """Thousands grouped with the active language's separators ("1.247" and "99,9" in
    Vietnamese, whose Django formats leave grouping off)."""
    return numberformat.format(
        value,
        formats.get_format("DECIMAL_SEPARATOR"),
        places,
        grouping=3,
        thousand_sep=formats.get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
        use_l10n=True,
    )


def _count(name: str) -> Callable[[FigureRow], int | None]:
    return lambda row: row.count(name)


def columns() -> list[Column]:
    """The page's and the downloads' columns, in order (labels in the active language)."""
    return [
        Column("unit", _("Unit"), lambda r: r.unit.name, "text", "unit"),
        Column("received", _("Received"), lambda r: r.received),
        Column("carried_over", _("Carried over"), _count("carried_over")),
        Column("received_online", _("Received online"), _count("received_online")),
        Column("received_offline", _("In person or by post"), _count("received_offline")),
        Column("resolved", _("Resolved in all"), lambda r: r.resolved),
        Column("resolved_early", _("Resolved early"), _count("resolved_early")),
        Column("resolved_on_time", _("Resolved on time"), _count("resolved_on_time")),
        Column("resolved_overdue", _("Resolved overdue"), _count("resolved_overdue")),
        Column("pending", _("Pending in all"), lambda r: r.pending),
        Column("pending_overdue", _("Pending overdue"), _count("pending_overdue")),
        Column("on_time_rate", _("On-time rate"), lambda r: r.on_time_rate, "rate"),
        Column("online_share", _("Online share"), lambda r: r.online_share, "rate"),
        Column("online_overdue", _("Online dossiers overdue"), _count("online_overdue")),
        Column("forms", _("Survey forms"), lambda r: r.survey_count("forms"), group="survey"),
        Column("satisfaction", _("Satisfaction rate"), lambda r: r.satisfaction, "rate", "survey"),
    ]


@dataclass
class TableRow:
    row: FigureRow
    dossiers: list[tuple[Column, str]]
    survey: list[tuple[Column, str]]


def table(rows: list[FigureRow]) -> list[TableRow]:
    """The rows' cells for the page, by group, each with its column and its display."""
    cols = columns()
    return [
        TableRow(
            row,
            [(c, c.display(row)) for c in cols if c.group == "dossiers"],
            [(c, c.display(row)) for c in cols if c.group == "survey"],
        )
        for row in rows
    ]


def figure_rows(period: Period) -> list[FigureRow]:
    """Every scored unit of the period with its figures: three queries, whatever the size."""
    cards = list(period.scorecards.select_related("unit").order_by("unit__order", "unit__name"))
    quarter = {"year": period.year, "quarter": period.quarter}
    ids = [card.unit_id for card in cards]
    stats = {s.unit_id: s for s in DossierStats.objects.filter(unit_id__in=ids, **quarter)}
    surveys = {s.unit_id: s for s in SurveySummary.objects.filter(unit_id__in=ids, **quarter)}
    return [
        FigureRow(n, card.unit, card, stats.get(card.unit_id), surveys.get(card.unit_id))
        for n, card in enumerate(cards, start=1)
    ]


def sort_rows(rows: list[FigureRow], sort: str) -> tuple[list[FigureRow], str]:
    """The rows ordered by ``sort`` (a column key; "-key" descending), units without the
    figure last either way; an unknown key keeps the units' order. Returns the key used."""
    key = sort.removeprefix("-")
    column = next((c for c in columns() if c.key == key), None)
    if column is None:
        return rows, ""
    present = [r for r in rows if column.value(r) is not None]
    absent = [r for r in rows if column.value(r) is None]

    def by(row):
        value = column.value(row)
        return value.casefold() if isinstance(value, str) else value

    # stable, also reversed: equal figures keep the units' order
    present.sort(key=by, reverse=sort.startswith("-"))
    return present + absent, sort


def batches(period: Period) -> list[ImportBatch]:
    return list(
        ImportBatch.objects.filter(period=period)
        .select_related("imported_by")
        .order_by("-created_at", "-pk")
    )


# --- Downloads: values, never formulas --------------------------------------------------------


def _cells(rows: list[FigureRow]) -> tuple[list[str], list[list]]:
    cols = columns()
    headers = [_("Unit code"), *(c.label for c in cols)]
    body = [[row.unit.code, *(c.value(row) for c in cols)] for row in rows]
    return headers, body


def export_csv(rows: list[FigureRow]) -> bytes:
    """UTF-8 with a byte-order mark (Excel opens it right); rates as 0.9531 (a share)."""
    headers, body = _cells(rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for values in body:
        writer.writerow(["" if v is None else neutralise(v) for v in values])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(rows: list[FigureRow], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    headers, body = _cells(rows)
    kinds = ["text", *(c.kind for c in columns())]
    book = Workbook()
    sheet = book.active
    sheet.title = _("Dossier figures")[:31]
    sheet.append([title])
    sheet.cell(1, 1).font = Font(bold=True)
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for values in body:
        sheet.append([None] * len(values))
        for column, (value, kind) in enumerate(zip(values, kinds, strict=True), start=1):
            cell = sheet.cell(sheet.max_row, column)
            if isinstance(value, str):
                cell.value, cell.data_type = value, "s"  # text, never a formula
            elif value is not None:
                cell.value = float(value) if kind == "rate" else value
                cell.number_format = "0.0%" if kind == "rate" else "#,##0"
    sheet.column_dimensions["B"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
