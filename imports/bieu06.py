"""Biểu số 06/VPCP/KSTT as the provincial one-stop system exports it, read into the columns of
``scoring.resources.DossierStatsResource`` (``docs/imports.md``, "Biểu số 06/VPCP/KSTT").

The sheet: title rows, then a header of two to four rows ("Số hồ sơ nhận giải quyết" over
"Tổng số", "Trong đó: Số kỳ trước chuyển qua", "Số mới tiếp nhận trực tuyến", "… trực tiếp/bưu
chính"; "Kết quả giải quyết: Đã giải quyết" over "Tổng số, Trước hạn, Đúng hạn, Quá hạn";
"… Đang giải quyết" over "Tổng số, Trong hạn, Quá hạn"), maybe a row of column numbers
"(1) (2) …", then one row per unit named as printed. Columns are found by the text of their
header cells, never by position; total rows ("Tổng cộng", "Tổng", "Cộng") and rows without
any figure (headings, signatures) are skipped. Unit names match the period's units ignoring
case, spaces, dashes, where the tone mark sits ("Tỏa"/"Toả") and the prefixes "UBND", "Xã",
"Phường", "Thị trấn", "Phòng" when that leaves one unit.

One entry point, ``read_bieu06``: a ``tablib.Dataset`` for the resource and the file line of
each of its rows; or a ``ValidationError`` listing every problem, each naming its row.
"""

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import tablib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from imports.tables import read_numbered_rows
from units.models import Unit

# The figures a Biểu 06 gives, in the resource's column names. "*_total" are the printed
# totals: not imported, but each must equal the sum of its parts.
RECEIVED = ("carried_over", "received_online", "received_offline")
RESOLVED = ("resolved_early", "resolved_on_time", "resolved_overdue")
PENDING = ("pending_on_time", "pending_overdue")
REQUIRED = RECEIVED + RESOLVED + PENDING
TOTALS = {"received_total": RECEIVED, "resolved_total": RESOLVED, "pending_total": PENDING}
# Not on the official form; read when a system adds them (header text as in the resource).
EXTRAS = ("online_overdue", "procedures_total", "procedures_online")

HEADER_TERMS = (
    "tổng số",
    "trong đó",
    "chuyển qua",
    "tiếp nhận",
    "trực tuyến",
    "trực tiếp",
    "bưu chính",
    "hạn",
    "giải quyết",
)
MAX_HEADER_ROWS = 4
MAX_ERRORS = 30
TOTAL_ROW = re.compile(
    r"^(tổng cộng|tổng số)\b|^(tổng|cộng)(\s*[:.(]|\s*$|\s+(cấp|khối|các|toàn|chung)\b)"
)
NUMBERS_CELL = re.compile(r"\(?([0-9]{1,2}|[a-z])\)?")
TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
PREFIXES = ("ủy ban nhân dân", "ubnd", "thị trấn", "phường", "xã", "phòng")


@dataclass
class Bieu06Sheet:
    """What ``read_bieu06`` found: the rows to import and where they are in the file."""

    dataset: tablib.Dataset
    line_offset: list[int]  # file line of each dataset row (``imports.domain`` takes it)
    header_line: int
    columns: dict[str, str]  # resource column → the header as printed
    ignored_columns: list[str] = field(default_factory=list)
    missing_units: list[Unit] = field(default_factory=list)  # candidates not in the file


# --- Text as compared -------------------------------------------------------------------------


def text_of(value) -> str:
    """A cell as compared: NFC, case folded, spaces collapsed."""
    text = unicodedata.normalize("NFC", str(value if value is not None else ""))
    return " ".join(text.replace("\ufeff", "").split()).casefold()


def name_key(name) -> str:
    """A unit name as compared: case, spaces, dashes and the place of the tone mark ignored
    ("Phòng Tài chính – Kế hoạch" = "phòng tài chính - kế hoạch", "Toả Tình" = "Tỏa Tình")."""
    text = unicodedata.normalize("NFD", text_of(name))
    text = re.sub(r"\s*[-\u2013\u2014]\s*", " - ", text).strip(" .:;,")
    words = []
    for word in text.split():
        tones = "".join(ch for ch in word if ch in TONES)
        base = "".join(ch for ch in word if ch not in TONES)
        words.append(unicodedata.normalize("NFC", base + tones))
    return " ".join(words)


PREFIX_KEYS = tuple(name_key(prefix) + " " for prefix in PREFIXES)


def bare_key(name) -> str:
    """``name_key`` without the leading "UBND", "Xã", "Phường", "Thị trấn", "Phòng"."""
    key = name_key(name)
    stripped = True
    while stripped:
        stripped = False
        for prefix in PREFIX_KEYS:
            if key.startswith(prefix) and len(key) > len(prefix):
                key, stripped = key[len(prefix) :], True
    return key


class UnitMatcher:
    """Finds a unit among the candidates by its name as printed."""

    def __init__(self, units: Iterable[Unit]):
        self.units = list(units)
        self.exact: dict[str, set[Unit]] = {}
        self.bare: dict[str, set[Unit]] = {}
        for unit in self.units:
            for name in (unit.name, unit.short_name):
                self.exact.setdefault(name_key(name), set()).add(unit)
                self.bare.setdefault(bare_key(name), set()).add(unit)

    def match(self, printed: str) -> Unit:
        """The unit; ValueError naming the candidates when none or several fit."""
        for index, key in ((self.exact, name_key(printed)), (self.bare, bare_key(printed))):
            found = index.get(key, set())
            if len(found) == 1:
                return next(iter(found))
            if len(found) > 1:
                raise ValueError(
                    _("“%(name)s” could be any of %(candidates)s; write the name in full.")
                    % {"name": printed, "candidates": self._names(found)}
                )
        close = difflib.get_close_matches(bare_key(printed), list(self.bare), n=5, cutoff=0.75)
        if close:
            similar = {unit for key in close for unit in self.bare[key]}
            raise ValueError(
                _("No unit of this period is called “%(name)s”. Similar: %(candidates)s.")
                % {"name": printed, "candidates": self._names(similar)}
            )
        raise ValueError(
            _("No unit of this period is called “%(name)s”. The period's units: %(candidates)s.")
            % {"name": printed, "candidates": self._names(self.units) or "—"}
        )

    def knows(self, printed: str) -> bool:
        try:
            self.match(printed)
        except ValueError:
            return False
        return bool(printed)

    @staticmethod
    def _names(units: Iterable[Unit]) -> str:
        return ", ".join(f"“{u.name}”" for u in sorted(units, key=lambda u: (u.order, u.name)))


# --- The header -------------------------------------------------------------------------------


def _is_header_start(cells: list) -> bool:
    texts = [text_of(c) for c in cells if isinstance(c, str)]
    received = any("nhận giải quyết" in t for t in texts)
    results = any(
        ("đã giải quyết" in t or "kết quả giải quyết" in t) and "nhận giải quyết" not in t
        for t in texts
    )
    return received and results


def _is_header_continuation(cells: list) -> bool:
    if any(isinstance(c, int | float) and not isinstance(c, bool) for c in cells):
        return False
    texts = [text_of(c) for c in cells if c not in (None, "")]
    if any(NUMBERS_CELL.fullmatch(t) for t in texts):
        return False
    return any(term in t for t in texts for term in HEADER_TERMS)


def _is_numbers_row(cells: list) -> bool:
    """The row of column numbers under the header: "(1)", "(2)" … or "A", "B", 1, 2 …"""
    texts = [
        text_of(c if not isinstance(c, float) else int(c)) for c in cells if c not in (None, "")
    ]
    digits = [t for t in texts if re.fullmatch(r"\(?[0-9]{1,2}\)?", t)]
    return len(texts) >= 3 and len(digits) >= 2 and all(NUMBERS_CELL.fullmatch(t) for t in texts)


def _column_paths(header: list[list], width: int) -> list[list[str]]:
    """Each column's header texts from top to bottom, a merged (or CSV-blank) group cell
    spread over the columns below it that have a text of their own."""
    grid = [
        [row[c] if c < len(row) and row[c] not in (None, "") else None for c in range(width)]
        for row in header
    ]
    filled = [list(row) for row in grid]
    for r in range(len(grid)):
        for c in range(1, width):
            below = any(grid[lower][c] is not None for lower in range(r + 1, len(grid)))
            new_group_above = any(grid[upper][c] is not None for upper in range(r))
            if filled[r][c] is None and below and not new_group_above:
                filled[r][c] = filled[r][c - 1]
    return [
        [str(filled[r][c]) for r in range(len(grid)) if filled[r][c] is not None]
        for c in range(width)
    ]


def _group_of(path: str) -> str:
    if "đang giải quyết" in path:
        return "pending"
    if "đã giải quyết" in path:
        return "resolved"
    if "nhận giải quyết" in path or "tiếp nhận" in path or "chuyển qua" in path:
        return "received"
    return ""


DEADLINE = r"(thời )?hạn"
LEAVES = {
    "received": [
        (r"chuyển qua|kỳ trước", "carried_over"),
        (r"trực tuyến", "received_online"),
        (r"trực tiếp|bưu chính", "received_offline"),
        (r"tổng", "received_total"),
    ],
    "resolved": [
        (rf"trước {DEADLINE}", "resolved_early"),
        (rf"đúng {DEADLINE}", "resolved_on_time"),
        (rf"quá {DEADLINE}|trễ hạn", "resolved_overdue"),
        (r"tổng", "resolved_total"),
    ],
    "pending": [
        (rf"trong {DEADLINE}|chưa đến hạn", "pending_on_time"),
        (rf"quá {DEADLINE}", "pending_overdue"),
        (r"tổng", "pending_total"),
    ],
}


def _extras() -> dict[str, str]:
    from scoring.resources import DossierStatsResource

    names = {}
    for column in EXTRAS:
        for header in (column, *DossierStatsResource.aliases.get(column, ())):
            names[text_of(header)] = column
    return names


def _field_of(texts: list[str]) -> str | None:
    """The resource column (or "name", "*_total") a column's header texts mean; None if
    none."""
    path = " / ".join(text_of(t) for t in texts)
    leaf = text_of(texts[-1]) if texts else ""
    group = _group_of(path)
    if group:
        for pattern, column in LEAVES[group]:
            if re.search(pattern, leaf):
                return column
        return None
    if leaf in _extras():
        return _extras()[leaf]
    if re.search(r"đơn vị|cơ quan|^tên|lĩnh vực", path):
        return "name"
    return None


@dataclass
class _Layout:
    header_line: int
    columns: dict[str, int]  # field → column index
    printed: dict[str, str]  # field → header text as printed
    ignored: list[str]


def _layout(file_name: str, header: list[tuple[int, list]]) -> _Layout:
    width = max(len(cells) for _line, cells in header)
    columns, printed, ignored, twice = {}, {}, [], []
    for index, texts in enumerate(_column_paths([cells for _l, cells in header], width)):
        if not texts:
            continue
        column = _field_of(texts)
        label = " / ".join(" ".join(t.split()) for t in texts)
        if column is None:
            if not re.fullmatch(r"(stt|tt|số tt|số thứ tự)", text_of(texts[-1])):
                ignored.append(label)
        elif column in columns:
            if column != "name":
                twice.append(
                    _("“%(a)s” and “%(b)s” both read as %(column)s.")
                    % {"a": printed[column], "b": label, "column": column}
                )
        else:
            columns[column], printed[column] = index, label
    missing = [c for c in ("name", *REQUIRED) if c not in columns]
    if missing or twice:
        problems = twice + (
            [
                _(
                    "The Biểu 06 header on line %(line)s of “%(name)s” lacks: %(missing)s. "
                    "Columns read: %(read)s."
                )
                % {
                    "line": header[0][0],
                    "name": file_name,
                    "missing": ", ".join(_label(c) for c in missing),
                    "read": "; ".join(printed.values()) or "—",
                }
            ]
            if missing
            else []
        )
        raise ValidationError(problems)
    return _Layout(header[0][0], columns, printed, ignored)


def _label(column: str) -> str:
    return {
        "name": _("the unit's name (“Đơn vị”)"),
        "carried_over": "“Số kỳ trước chuyển qua”",
        "received_online": "“Số mới tiếp nhận trực tuyến”",
        "received_offline": "“Số mới tiếp nhận trực tiếp/bưu chính”",
        "resolved_early": "“Đã giải quyết: Trước hạn”",
        "resolved_on_time": "“Đã giải quyết: Đúng hạn”",
        "resolved_overdue": "“Đã giải quyết: Quá hạn”",
        "pending_on_time": "“Đang giải quyết: Trong hạn”",
        "pending_overdue": "“Đang giải quyết: Quá hạn”",
    }[column]


def _split_header(file_name: str, rows: list[tuple[int, list]]) -> tuple[list, list]:
    """(header rows, rows below them)."""
    start = next((i for i, (_line, cells) in enumerate(rows) if _is_header_start(cells)), None)
    if start is None:
        raise ValidationError(
            _(
                "No Biểu 06 header in “%(name)s”: expected a row with “Số hồ sơ nhận giải "
                "quyết” and “Kết quả giải quyết” (or “Đã giải quyết”) above the units."
            )
            % {"name": file_name}
        )
    end = start + 1
    while (
        end < len(rows) and end - start < MAX_HEADER_ROWS and _is_header_continuation(rows[end][1])
    ):
        end += 1
    body = rows[end:]
    if body and _is_numbers_row(body[0][1]):
        body = body[1:]
    return rows[start:end], body


# --- The rows ---------------------------------------------------------------------------------


def parse_count(value) -> int | None:
    """A count as printed: blank is None, "-" is 0, "1.234" or "1,234" is 1234; ValueError
    otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError
        number = int(value)
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if text in ("-", "\u2013", "\u2014"):
            return 0
        if re.fullmatch(r"\d{1,3}([.,]\d{3})+", text):
            text = re.sub(r"[.,]", "", text)
        if not re.fullmatch(r"-?\d+", text):
            raise ValueError
        number = int(text)
    if number < 0:
        raise ValueError
    return number


def _cell(cells: list, index: int):
    return cells[index] if index < len(cells) else None


def _is_total(cells: list, layout: _Layout) -> bool:
    texts = [text_of(c) for c in cells[: layout.columns["name"] + 1] if isinstance(c, str)]
    return any(TOTAL_ROW.match(t) for t in texts)


def _figures(line: int, cells: list, layout: _Layout, errors: list[str]) -> dict[str, int]:
    """The row's figures by field (blank cells absent)."""
    figures = {}
    for column, index in layout.columns.items():
        if column == "name":
            continue
        value = _cell(cells, index)
        try:
            number = parse_count(value)
        except ValueError:
            errors.append(
                _("Row %(row)s, column “%(column)s”: “%(value)s” is not a whole number ≥ 0.")
                % {"row": line, "column": layout.printed[column], "value": value}
            )
            continue
        if number is not None:
            figures[column] = number
    return figures


def _check_totals(line: int, figures: dict[str, int], layout: _Layout, errors: list[str]):
    for total, parts in TOTALS.items():
        if total in figures:
            added = sum(figures.get(part, 0) for part in parts)
            if figures[total] != added:
                errors.append(
                    _(
                        "Row %(row)s, column “%(column)s”: the total %(total)s is not the sum of "
                        "its parts (%(sum)s)."
                    )
                    % {
                        "row": line,
                        "column": layout.printed[total],
                        "total": figures[total],
                        "sum": added,
                    }
                )


def read_bieu06(
    file_name: str, content: bytes, *, year: int, quarter: int, units: Iterable[Unit]
) -> Bieu06Sheet:
    """The sheet's unit rows as a dataset in the ``DossierStatsResource`` columns (unit code,
    ``year``, ``quarter``, the counts the sheet has), with the file line of each row.

    ``units``: the candidates (the period's units the user may import for). Raises
    ``ValidationError`` with every problem found: the file checks of ``imports.tables``, no
    header, missing columns, a cell that is not a count, totals that do not add up, a unit
    name unknown or ambiguous (listing the candidates), the same unit twice, no unit row.
    """
    rows = read_numbered_rows(file_name, content)
    header, body = _split_header(file_name, rows)
    layout = _layout(file_name, header)
    matcher = UnitMatcher(units)
    imported = [c for c in (*REQUIRED, *EXTRAS) if c in layout.columns]
    dataset = tablib.Dataset(headers=["unit", "year", "quarter", *imported])
    lines, errors, seen = [], [], {}
    for line, cells in body:
        if _is_total(cells, layout):
            continue
        name = _cell(cells, layout.columns["name"])
        name = "" if name in (None, "") else " ".join(str(name).split())
        problems: list[str] = []
        figures = _figures(line, cells, layout, problems)
        if not figures and not matcher.knows(name):
            continue  # a heading, a note or a signature line: no figure, no unit
        errors.extend(problems)
        if not name:
            errors.append(_("Row %(row)s: figures without a unit name.") % {"row": line})
            continue
        try:
            unit = matcher.match(name)
        except ValueError as exc:
            errors.append(_("Row %(row)s: %(message)s") % {"row": line, "message": exc})
            continue
        if unit.pk in seen:
            errors.append(
                _("Row %(row)s: %(unit)s is already on row %(first)s.")
                % {"row": line, "unit": unit.name, "first": seen[unit.pk]}
            )
            continue
        seen[unit.pk] = line
        if not problems:  # a total over an unreadable cell says nothing more
            _check_totals(line, figures, layout, errors)
        dataset.append([unit.code, year, quarter, *(figures.get(c, 0) for c in imported)])
        lines.append(line)
    if not errors and not len(dataset):
        errors.append(
            _("No unit row below the Biểu 06 header (line %(line)s) of “%(name)s”.")
            % {"line": layout.header_line, "name": file_name}
        )
    if errors:
        raise ValidationError(errors[:MAX_ERRORS] + _more(len(errors)))
    return Bieu06Sheet(
        dataset=dataset,
        line_offset=lines,
        header_line=layout.header_line,
        columns={c: layout.printed[c] for c in imported},
        ignored_columns=layout.ignored,
        missing_units=[u for u in matcher.units if u.pk not in seen],
    )


def _more(count: int) -> list[str]:
    if count <= MAX_ERRORS:
        return []
    return [_("… and %(n)s more problems.") % {"n": count - MAX_ERRORS}]
