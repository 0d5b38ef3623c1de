"""Uploaded tables checked before anything parses them, and read into a ``tablib.Dataset``.

Accepted: CSV (UTF-8, with or without a byte-order mark; comma or semicolon separated) and
XLSX (the first sheet). The type is read from the content, never trusted from the name; size
and row count have limits (``IMPORT_MAX_BYTES``, ``IMPORT_MAX_ROWS``). Every refusal is a
``ValidationError`` with a sentence for the user: a malformed file never reaches a parser that
could fail with a server error.
"""

import csv
import io
import zipfile
from pathlib import PurePath

import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

EXTENSIONS = (".csv", ".xlsx")


def extension_of(name: str) -> str:
    return PurePath(name or "").suffix.lower()


def check_table_file(name: str, content: bytes) -> str:
    """The file's extension after checking size and real type; raises ValidationError."""
    name = PurePath(name or "").name
    extension = extension_of(name)
    limit = settings.IMPORT_MAX_BYTES
    if not content:
        raise ValidationError(_("The file “%(name)s” is empty.") % {"name": name})
    if len(content) > limit:
        raise ValidationError(
            _("The file “%(name)s” is %(size)s; the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(len(content)), "limit": filesizeformat(limit)}
        )
    if extension not in EXTENSIONS:
        raise ValidationError(
            _("“%(name)s” is not a table file. Accepted: %(types)s.")
            % {"name": name, "types": ", ".join(EXTENSIONS)}
        )
    if extension == ".xlsx" and not _is_xlsx(content):
        raise ValidationError(
            _("The content of “%(name)s” is not an Excel (.xlsx) workbook.") % {"name": name}
        )
    if extension == ".csv":
        _csv_text(name, content)
    return extension


def _is_xlsx(content: bytes) -> bool:
    if not content.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return False
    return "[Content_Types].xml" in names and "xl/workbook.xml" in names


def _csv_text(name: str, content: bytes) -> str:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            _("“%(name)s” is not UTF-8 text. Save the sheet as “CSV UTF-8” and try again.")
            % {"name": name}
        ) from None
    if "\x00" in text:
        raise ValidationError(_("“%(name)s” is not a text file.") % {"name": name})
    return text


def _cell(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _too_many(name: str, count: int) -> ValidationError:
    return ValidationError(
        _("“%(name)s” has %(count)s rows; the limit is %(limit)s.")
        % {"name": name, "count": count, "limit": settings.IMPORT_MAX_ROWS}
    )


def read_numbered_rows(name: str, content: bytes) -> list[tuple[int, list]]:
    """Every non-blank row of the file (the first sheet of a workbook), cells stripped, with
    the line it starts on in the file (1 for the first), so messages can name real rows."""
    extension = check_table_file(name, content)
    limit = settings.IMPORT_MAX_ROWS + 5  # a header of a few rows comes on top
    rows = []
    if extension == ".csv":
        text = _csv_text(name, content)
        sample = text[:4096]
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            line = 1
            for row in reader:
                rows.append((line, [_cell(v) for v in row]))
                line = reader.line_num + 1  # a quoted cell may span lines
                if len(rows) > limit:
                    raise _too_many(name, len(rows))
        except csv.Error as exc:
            raise ValidationError(
                _("“%(name)s” is not a readable CSV file (%(error)s).")
                % {"name": name, "error": exc}
            ) from None
    else:
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
            # values_only rows start at row 1 of the sheet, blank rows included
            for line, row in enumerate(sheet.iter_rows(values_only=True), 1):
                rows.append((line, [_cell(v) for v in row]))
                if len(rows) > limit:
                    raise _too_many(name, len(rows))
            workbook.close()
        except ValidationError:
            raise
        except Exception:  # openpyxl raises many kinds on a damaged workbook
            raise ValidationError(
                _("“%(name)s” could not be read as an Excel workbook.") % {"name": name}
            ) from None
    rows = [(line, row) for line, row in rows if any(v not in (None, "") for v in row)]
    if not rows:
        raise ValidationError(_("The file “%(name)s” has no rows.") % {"name": name})
    return rows


def read_rows(name: str, content: bytes) -> list[list]:
    """Every non-blank row of the file (the first sheet of a workbook), cells stripped."""
    return [row for _line, row in read_numbered_rows(name, content)]


def read_table(name: str, content: bytes) -> tablib.Dataset:
    """The file as a dataset: first non-blank row the headers, then the data rows."""
    rows = read_rows(name, content)
    width = max(len(row) for row in rows)
    headers = [str(h) if h is not None else "" for h in rows[0]] + [""] * (width - len(rows[0]))
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    if len(rows) - 1 > settings.IMPORT_MAX_ROWS:
        raise _too_many(name, len(rows) - 1)
    dataset = tablib.Dataset(headers=headers)
    for row in rows[1:]:
        if any(v not in (None, "") for v in row[width:]):
            raise ValidationError(
                _("A row of “%(name)s” has values beyond the last named column.") % {"name": name}
            )
        dataset.append((row + [None] * width)[:width])
    return dataset
