"""What every import/export resource of the product shares (``units.resources``,
``scoring.resources``): the contract's headers matched case-insensitively or by their
Vietnamese names, all or nothing, a record of each file that changed data, errors that name the
row and the column in Vietnamese, and exports whose cells cannot run as spreadsheet formulas.

Resources go through django-import-export unchanged otherwise, so the admin's import/export
pages and the library's ``manage.py import`` / ``manage.py export`` behave the same.
"""

import datetime
import hashlib
import html
import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.resources import Diff
from import_export.results import RowResult

from scoring.models import ImportBatch, ImportOutcome

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def normalise(header) -> str:
    """A header as compared: Unicode NFC, no byte-order mark, spaces collapsed, case folded."""
    text = unicodedata.normalize("NFC", str(header if header is not None else ""))
    return " ".join(text.replace("\ufeff", "").split()).casefold()


def neutralise(value):
    """A cell value that a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def code_of(value) -> str:
    """A code as written in a cell (a workbook may hand "1001" over as the number 1001.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# Widgets: the library's, with messages a district official understands.


class CountWidget(widgets.IntegerWidget):
    """A whole number ≥ 0; blank is 0; "1.234" (Vietnamese thousands) is 1234."""

    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            return 0
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
            text = text.replace(".", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value}) from None
        if number != number.to_integral_value():
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value})
        if number < 0:
            raise ValueError(_("%(value)s is negative; counts cannot be.") % {"value": value})
        return int(number)


class YearWidget(CountWidget):
    def clean(self, value, row=None, **kwargs):
        year = super().clean(value, row, **kwargs)
        if not 2000 <= year <= 2100:
            raise ValueError(_("“%(value)s” is not a year.") % {"value": value})
        return year


class QuarterWidget(CountWidget):
    def clean(self, value, row=None, **kwargs):
        quarter = super().clean(value, row, **kwargs)
        if quarter not in (1, 2, 3, 4):
            raise ValueError(
                _("The quarter must be 1, 2, 3 or 4, not “%(value)s”.") % {"value": value}
            )
        return quarter


class PointsWidget(widgets.DecimalWidget):
    """Points: blank is none; "1,5" (Vietnamese decimal comma) is 1.5."""

    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = str(value).strip().replace(",", ".")
        try:
            return Decimal(text)
        except InvalidOperation:
            raise ValueError(
                _("“%(value)s” is not a number of points.") % {"value": value}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else format(value.normalize(), "f")


class TextWidget(widgets.CharWidget):
    """Text; blank is the empty string. Exports are neutralised against formulas."""

    def clean(self, value, row=None, **kwargs):
        return "" if value is None else str(value).strip()

    def render(self, value, obj=None, **kwargs):
        return neutralise(super().render(value, obj, **kwargs))


YES = {"1", "x", "true", "yes", "có", "co", "đúng", "c"}
NO = {"", "0", "false", "no", "không", "khong", "sai", "k"}


class YesNoWidget(widgets.BooleanWidget):
    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = normalise(value)
        if text in YES:
            return True
        if text in NO:
            return False
        raise ValueError(_("“%(value)s” is not yes or no (có/không, 1/0).") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return "1" if value else "0"


class DateWidget(widgets.DateWidget):
    """A day as 2025-07-01 or 01/07/2025; blank is none."""

    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return datetime.datetime.strptime(str(value).strip(), pattern).date()
            except ValueError:
                continue
        raise ValueError(
            _("“%(value)s” is not a date like 2025-07-01 or 01/07/2025.") % {"value": value}
        )

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class CodeWidget(widgets.ForeignKeyWidget):
    """A related object named by its code (unit, criterion…)."""

    def __init__(self, model, field="code", **kwargs):
        super().__init__(model, field=field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        code = code_of(value)
        if not code:
            return None
        try:
            return self.get_queryset(value, row, **kwargs).get(**{self.field: code})
        except self.model.DoesNotExist:
            raise ValueError(
                _("No %(thing)s has the code “%(code)s”.")
                % {"thing": self.model._meta.verbose_name, "code": code}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return neutralise(super().render(value, obj, **kwargs))


# Preview: each changed row's columns with their old and new values.


class PreviewCells(list):
    """The library's HTML diff cells (the admin shows them), plus ``changes``: the
    (column, old, new) of every column that changes, for our own preview pages."""

    changes: list[tuple[str, str, str]]


class ValueDiff(Diff):
    def __init__(self, resource, instance, new):
        super().__init__(resource, instance, new)
        self.columns = [f.column_name for f in resource.get_import_fields()]

    def as_html(self):
        cells = PreviewCells(super().as_html())
        cells.changes = [
            (column, "" if self.new else old, new)
            for column, old, new in zip(self.columns, self.left, self.right, strict=False)
            if (old != new) or (self.new and new not in ("", None))
        ]
        return cells


class ContractResource(resources.ModelResource):
    """Base of the product's resources. Subclasses set ``kind`` (an ``ImportKind``),
    ``aliases`` (column → other accepted headers, e.g. Vietnamese) and ``required`` columns."""

    kind: ClassVar[str] = ""
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {}
    required: ClassVar[tuple[str, ...]] = ()

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.batch: ImportBatch | None = None
        self.context: dict = {}
        self.dry_run = True

    # Export: values, never formulas.

    def export_field(self, field, instance, **kwargs):
        return neutralise(super().export_field(field, instance, **kwargs))

    # Import.

    def get_diff_class(self):
        return ValueDiff

    @classmethod
    def header_names(cls) -> dict[str, str]:
        """Every accepted header (normalised) → the contract's column name."""
        names = {}
        for field in cls().get_import_fields():
            column = field.column_name
            for header in (column, *cls.aliases.get(column, ())):
                names[normalise(header)] = column
        return names

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        """All or nothing whoever calls it (the admin, ``manage.py import``, our pages): one bad
        row rolls back every row."""
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        self.dry_run = dry_run
        self.columns_refused = False
        self.row_number = 0
        self.context = kwargs
        self.batch = None
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, **kwargs)

    def before_import(self, dataset, **kwargs):
        self.columns_refused = True  # until the columns are checked and the file read
        self.check_columns(dataset)
        self.read_file(dataset, **kwargs)
        self.columns_refused = False

    def read_file(self, dataset, **kwargs) -> None:
        """Read once, before the rows, whatever the rows will look up (a hook)."""

    def import_row(self, row, instance_loader, **kwargs):
        if self.columns_refused:  # the file's columns were refused: that is the one message
            result = self.get_row_result_class()()
            result.import_type = RowResult.IMPORT_TYPE_SKIP
            return result
        return super().import_row(row, instance_loader, **kwargs)

    def before_import_row(self, row, **kwargs):
        self.row_number = kwargs.get("row_number", 0)

    def check_columns(self, dataset) -> None:
        names = self.header_names()
        headers, unknown, seen = [], [], set()
        for header in dataset.headers or []:
            column = names.get(normalise(header))
            if column is None:
                unknown.append(str(header))
                column = str(header)
            elif column in seen:
                raise ValidationError(
                    _("The column “%(column)s” appears twice.") % {"column": header}
                )
            seen.add(column)
            headers.append(column)
        if unknown:
            raise ValidationError(
                _("Unknown columns: %(unknown)s. Expected: %(expected)s.")
                % {
                    "unknown": ", ".join(f"“{h}”" for h in unknown),
                    "expected": ", ".join(f.column_name for f in self.get_import_fields()),
                }
            )
        missing = [c for c in self.required if c not in seen]
        if missing:
            raise ValidationError(
                _("Missing columns: %(missing)s.") % {"missing": ", ".join(missing)}
            )
        dataset.headers = headers

    def get_import_fields(self):
        return [f for f in super().get_import_fields() if f.column_name in self.import_columns()]

    def import_columns(self) -> set[str]:
        """The columns an import reads (all fields unless a subclass exports more)."""
        return {f.column_name for f in self.fields.values() if not f.readonly}

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.column_name not in row:  # a column the file leaves out keeps its value
            return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def record_batch(self) -> ImportBatch | None:
        """The ``ImportBatch`` of this import, created when the first row is written (never
        in a dry run)."""
        if self.dry_run:
            return None
        if self.batch is None:
            content = self.context.get("content") or b""
            self.batch = ImportBatch.objects.create(
                kind=self.kind,
                file_name=self.context.get("file_name") or _("(command line)"),
                sha256=self.context.get("sha256")
                or (hashlib.sha256(content).hexdigest() if content else ""),
                imported_by=self._user(),
                period=self.context.get("period"),
                outcome=ImportOutcome.SUCCEEDED,
            )
        return self.batch

    def _user(self):
        user = self.context.get("user")
        return user if getattr(user, "is_authenticated", False) else None

    def before_save_instance(self, instance, row, **kwargs):
        if hasattr(instance, "import_batch_id"):
            instance.import_batch = self.record_batch()

    def after_import(self, dataset, result, **kwargs):
        if self.batch is None or result.has_errors() or result.has_validation_errors():
            return
        totals = result.totals
        self.batch.rows = len(dataset)
        self.batch.added = totals.get("new", 0)
        self.batch.changed = totals.get("update", 0)
        self.batch.unchanged = totals.get("skip", 0)
        content = self.context.get("content")
        if content:
            from django.core.files.base import ContentFile

            self.batch.file.save(self.batch.file_name, ContentFile(content), save=False)
        self.batch.save()


def file_line(number: int, line_offset: int | Sequence[int] = 1) -> int:
    """The file line of data row ``number`` (1 for the first). ``line_offset``: the line just
    above the first data row (1 for a one-line header), or the line of each data row in order
    (files whose data rows are not contiguous, e.g. Biểu 06 with its total rows)."""
    if isinstance(line_offset, int):
        return number + line_offset
    return line_offset[number - 1] if 0 < number <= len(line_offset) else number


def describe_errors(result, resource, line_offset: int | Sequence[int] = 1) -> list[str]:
    """The reasons a file was refused, one sentence each, naming row and column.

    ``line_offset``: as ``file_line`` takes it."""
    columns = {f.attribute: f.column_name for f in resource.fields.values()}
    messages = []
    for error in result.base_errors:
        messages.extend(_messages_of(error.error))
    for number, errors in result.row_errors():
        for error in errors:
            for text in _messages_of(error.error):
                messages.append(
                    _("Row %(row)s: %(message)s")
                    % {"row": file_line(number, line_offset), "message": text}
                )
    for invalid in result.invalid_rows:
        for attribute, texts in invalid.error_dict.items():
            for text in texts:
                if attribute == NON_FIELD_ERRORS:
                    messages.append(
                        _("Row %(row)s: %(message)s")
                        % {"row": file_line(invalid.number, line_offset), "message": text}
                    )
                else:
                    messages.append(
                        _("Row %(row)s, column “%(column)s”: %(message)s")
                        % {
                            "row": file_line(invalid.number, line_offset),
                            "column": columns.get(attribute, attribute),
                            "message": text,
                        }
                    )
    return messages


def _messages_of(error) -> list[str]:
    if isinstance(error, ValidationError):
        return list(error.messages)
    return [str(error)]


class CellDiff(ValueDiff):
    """``ValueDiff`` whose HTML cells (the admin's preview) mark a changed value as old → new
    instead of a character-level diff: ``diff_match_patch`` on every cell of every row took
    most of the time of a large import. ``changes`` are the same as ``ValueDiff``'s."""

    def as_html(self):
        cells = PreviewCells()
        cells.changes = []
        for column, old, new in zip(self.columns, self.left, self.right, strict=False):
            before = "" if self.new or old is None else str(old)
            after = "" if new is None else str(new)
            if before == after:
                cells.append(mark_safe(html.escape(after)))
            else:
                parts = []
                if before:
                    parts.append(f'<del style="background:#ffe6e6;">{html.escape(before)}</del>')
                if after:
                    parts.append(f'<ins style="background:#e6ffe6;">{html.escape(after)}</ins>')
                cells.append(mark_safe("".join(parts)))  # both values escaped
            if (old != new) or (self.new and new not in ("", None)):
                cells.changes.append((column, "" if self.new else old, new))
        return cells
