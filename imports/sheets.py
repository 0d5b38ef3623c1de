"""Scoring sheets: a scorecard (or, for reviewers, a whole period) as a workbook to fill in
offline, and the filled workbook read back.

Entry points: ``unit_sheet`` / ``review_sheet`` write a workbook; ``read_unit_sheet`` /
``read_review_sheet`` read one back into the changes it would make (old → new), refusing the
whole file with one sentence per problem (``ImportRefused``) — an unknown criterion or unit,
points the criterion does not allow, a sheet of another scorecard, a scorecard saved since the
sheet was written. Applying the changes is ``imports.sheet_imports``.

A sheet carries, in its header block, the scorecard's (or period's) number and the version
each scorecard had when the sheet was written: the save is made with that version, so a sheet
downloaded before someone else saved is refused as the form would be. Values, never formulas.
Columns are found by their header, in Vietnamese or English, so the sheet reads back whatever
the language it was written in.
"""

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from criteria.models import Criterion
from imports.domain import ImportRefused
from imports.resources import PointsWidget, normalise
from imports.tables import read_numbered_rows
from scoring.domain import Entry, StaleScorecard
from scoring.models import Period, PeriodStatus, Score, Scorecard, ScorecardStatus

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # a lazy translation: the header in the language of the sheet
    width: int
    wrap: bool = False


CODE = Column("criterion_code", pgettext_lazy("scoring sheet", "Criterion code"), 10)
TITLE = Column("title", gettext_lazy("Criterion"), 40, wrap=True)
GUIDANCE = Column("guidance", gettext_lazy("How to score"), 60, wrap=True)
MAXIMUM = Column("max_points", pgettext_lazy("scoring sheet", "Maximum points"), 10)
ALLOWED = Column("allowed", pgettext_lazy("scoring sheet", "Allowed points"), 12)
SELF_POINTS = Column("self_points", pgettext_lazy("scoring sheet", "Self points"), 12)
SELF_NOTE = Column("self_note", gettext_lazy("Explanation"), 50, wrap=True)
UNIT_CODE = Column("unit_code", pgettext_lazy("scoring sheet", "Unit code"), 12)
UNIT_NAME = Column("unit_name", gettext_lazy("Unit"), 28, wrap=True)
SUGGESTED = Column("suggested_points", pgettext_lazy("scoring sheet", "Suggested points"), 12)
REVIEWED = Column("reviewed_points", gettext_lazy("Reviewed points"), 12)
REASON = Column("review_reason", gettext_lazy("Reason for the change"), 40, wrap=True)
VERSION = Column("version", pgettext_lazy("scoring sheet", "Version"), 9)
STATUS = Column("status", gettext_lazy("Status"), 14)

UNIT_COLUMNS = [CODE, TITLE, GUIDANCE, MAXIMUM, ALLOWED, SELF_POINTS, SELF_NOTE]
UNIT_EDITABLE = [SELF_POINTS, SELF_NOTE]
REVIEW_COLUMNS = [
    UNIT_CODE,
    UNIT_NAME,
    CODE,
    MAXIMUM,
    ALLOWED,
    SELF_POINTS,
    SELF_NOTE,
    SUGGESTED,
    REVIEWED,
    REASON,
    VERSION,
    STATUS,
]
REVIEW_EDITABLE = [REVIEWED, REASON]

# Header-block labels read back from column A (the value is in column B).
CARD_LABEL = pgettext_lazy("scoring sheet", "Scorecard no.")
PERIOD_LABEL = pgettext_lazy("scoring sheet", "Period no.")
VERSION_LABEL = pgettext_lazy("scoring sheet", "Scorecard version")

THIN = Side(style="thin", color="B8C2CC")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="EEF1F4")
EDIT_FILL = PatternFill("solid", fgColor="FFF8E6")
TOP = Alignment(vertical="top")
WRAP = Alignment(vertical="top", wrap_text=True)
UNLOCKED = Protection(locked=False)


# ---------------------------------------------------------------------------------------------
# Writing


def unit_sheet(card: Scorecard, scores: Sequence[Score]) -> bytes:
    """The unit's own scoring sheet: one row per criterion with its current points and
    explanation, points chosen from a drop-down of the criterion's allowed values."""
    book, ws = _book(_("Self-scoring"))
    facts = [
        (_("Unit"), f"{card.unit.name} ({card.unit.code})"),
        (pgettext("scoring sheet", "Period"), str(card.period.label)),
        (pgettext("scoring sheet", "Criteria set"), str(card.period.criteria_set)),
        (str(CARD_LABEL), card.pk),
        (str(VERSION_LABEL), card.version),
    ]
    note = _(
        "This sheet is for this scorecard only, as saved at version %(version)s. Fill in the "
        "points and explanations (the shaded columns) and upload the sheet on the scorecard's "
        "page. If the scorecard is saved again before you upload, the sheet is refused: "
        "download a new one."
    ) % {"version": card.version}
    top = _heading(ws, _("SELF-ASSESSMENT SCORING SHEET"), facts, note, len(UNIT_COLUMNS))
    rows = []
    for score in scores:
        criterion = score.criterion
        rows.append(
            [
                criterion.code,
                criterion.title,
                criterion.guidance,
                _number(criterion.max_points),
                _allowed_text(criterion),
                _number(score.self_points),
                score.self_note,
            ]
        )
    _table(ws, top, UNIT_COLUMNS, rows, [True] * len(rows), UNIT_EDITABLE)
    _validations(ws, top, UNIT_COLUMNS.index(SELF_POINTS), [s.criterion for s in scores])
    return _save(book)


def review_sheet(period: Period, cards: Sequence[Scorecard]) -> bytes:
    """Every unit's self points in the period, one row per unit and criterion, to fill in the
    reviewed points and reasons. ``cards`` come with their scores and criteria prefetched
    (``scores``); only submitted scorecards' review cells are left open."""
    book, ws = _book(_("Review"))
    facts = [
        (pgettext("scoring sheet", "Organiser"), period.organizer.name),
        (pgettext("scoring sheet", "Period"), str(period.label)),
        (pgettext("scoring sheet", "Criteria set"), str(period.criteria_set)),
        (str(PERIOD_LABEL), period.pk),
    ]
    note = _(
        "One row per unit and criterion. Fill in the reviewed points and the reasons (the "
        "shaded cells: submitted scorecards only) and upload the sheet on the review sheet "
        "page. Each row carries its scorecard's version: if a unit's scorecard you change is "
        "saved again before you upload, the whole sheet is refused."
    )
    top = _heading(ws, _("REVIEW SHEET"), facts, note, len(REVIEW_COLUMNS))
    rows, open_rows, criteria = [], [], []
    for card in cards:
        for score in card.scores.all():
            rows.append(_review_row(card, score))
            open_rows.append(card.status == ScorecardStatus.SUBMITTED)
            criteria.append(score.criterion)
    _table(ws, top, REVIEW_COLUMNS, rows, open_rows, REVIEW_EDITABLE)
    _validations(ws, top, REVIEW_COLUMNS.index(REVIEWED), criteria)
    return _save(book)


def _review_row(card: Scorecard, score: Score) -> list:
    criterion = score.criterion
    return [
        card.unit.code,
        card.unit.name,
        criterion.code,
        _number(criterion.max_points),
        _allowed_text(criterion),
        _number(score.self_points),
        score.self_note,
        _number(score.suggested_points),
        _number(score.reviewed_points),
        score.review_reason,
        card.version,
        str(card.get_status_display()),
    ]


def _book(title: str) -> tuple[Workbook, Worksheet]:
    book = Workbook()
    book.security = WorkbookProtection(lockStructure=True)
    ws = book.active
    ws.title = title[:31]
    return book, ws


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _number(value):
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral() else float(value)


def _plain(value) -> str:
    return "" if value is None else format(Decimal(value).normalize(), "f")


def _allowed_text(criterion: Criterion) -> str:
    if criterion.allowed_values:
        return "; ".join(_plain(v) for v in criterion.choices())
    return _("0 to %(max)s, step %(step)s") % {
        "max": _plain(criterion.max_points),
        "step": _plain(criterion.step),
    }


def _put(ws: Worksheet, row: int, column: int, value, alignment=TOP):
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # a text starting with "=" stays text, never a formula
    cell.alignment = alignment
    return cell


def _heading(ws: Worksheet, title: str, facts: list, note: str, width: int) -> int:
    """The title, the facts (label in A:B, value from C on) and the note; returns the header
    row."""
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    _put(ws, 1, 1, title).font = Font(bold=True, size=13)
    row = 2
    for label, value in facts:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        _put(ws, row, 1, label).font = Font(bold=True)
        ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=width)
        _put(ws, row, 3, value, Alignment(horizontal="left", vertical="top"))
        row += 1
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    _put(ws, row, 1, note, WRAP).font = Font(italic=True)
    ws.row_dimensions[row].height = 48
    return row + 2


def _table(ws, top: int, columns: list[Column], rows: list, open_rows: list, editable: list):
    """The header row at ``top`` and the rows below it; ``editable`` columns are unlocked (and
    shaded) on the rows marked open; the rest of the sheet is protected."""
    for index, column in enumerate(columns, 1):
        cell = _put(ws, top, index, str(column.label), WRAP)
        cell.font, cell.fill, cell.border = Font(bold=True), HEAD_FILL, BOX
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.row_dimensions[top].height = 33  # headers wrap on two lines in the narrow columns
    open_columns = {columns.index(column) for column in editable}
    for number, (values, is_open) in enumerate(zip(rows, open_rows, strict=True), top + 1):
        for index, (column, value) in enumerate(zip(columns, values, strict=True)):
            cell = _put(ws, number, index + 1, value, WRAP if column.wrap else TOP)
            cell.border = BOX
            if is_open and index in open_columns:
                cell.protection, cell.fill = UNLOCKED, EDIT_FILL
        ws.row_dimensions[number].height = _height(columns, values)
    ws.freeze_panes = ws.cell(row=top + 1, column=3)
    ws.print_title_rows = f"{top}:{top}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    protection = ws.protection
    protection.sheet = True
    # Widths and heights may still be changed; rows, columns and locked cells may not.
    protection.formatColumns = protection.formatRows = False


def _height(columns: list[Column], values: list) -> float:
    """A row tall enough for its wrapped texts (spreadsheets do not grow rows on opening)."""
    lines = 1
    for column, value in zip(columns, values, strict=True):
        if column.wrap and isinstance(value, str) and value:
            per_line = max(column.width - 2, 8)
            wrapped = sum(math.ceil(max(len(part), 1) / per_line) for part in value.split("\n"))
            lines = max(lines, wrapped)
    return min(15 * lines + 3, 409)


def _validations(ws: Worksheet, top: int, column_index: int, criteria: list[Criterion]):
    """A drop-down of the allowed points (or a number range) on the points column, one
    validation per distinct rule, each over the rows of its criteria."""
    letter = get_column_letter(column_index + 1)
    groups: dict[tuple, list[int]] = {}
    for offset, criterion in enumerate(criteria, top + 1):
        if criterion.allowed_values:
            rule = ("list", tuple(_plain(v) for v in criterion.choices()))
        else:
            rule = ("decimal", (_plain(criterion.max_points),))
        groups.setdefault(rule, []).append(offset)
    for (kind, values), rows in groups.items():
        if kind == "list":
            validation = DataValidation(type="list", formula1=f'"{",".join(values)}"')
            validation.error = _("Choose one of the allowed points: %(values)s.") % {
                "values": ", ".join(values)
            }
        else:
            validation = DataValidation(
                type="decimal", operator="between", formula1="0", formula2=values[0]
            )
            validation.error = _("Enter points from 0 to %(max)s.") % {"max": values[0]}
        validation.allow_blank = True
        validation.showErrorMessage = True
        validation.errorTitle = _("Points not allowed")
        validation.sqref = " ".join(_runs(letter, rows))
        ws.add_data_validation(validation)


def _runs(letter: str, rows: list[int]) -> list[str]:
    """Consecutive rows as ranges: [10, 11, 12, 15] → ["B10:B12", "B15"]."""
    ranges, start = [], None
    for index, row in enumerate(rows):
        if start is None:
            start = row
        if index + 1 == len(rows) or rows[index + 1] != row + 1:
            ranges.append(f"{letter}{start}" if start == row else f"{letter}{start}:{letter}{row}")
            start = None
    return ranges


# ---------------------------------------------------------------------------------------------
# Reading


@dataclass
class Change:
    """One criterion's values before and after the sheet (points and the explanation or the
    reason), with the sheet row they come from."""

    line: int
    criterion: Criterion
    old_points: Decimal | None
    new_points: Decimal | None
    old_text: str
    new_text: str
    self_points: Decimal | None = None  # the unit's, shown beside a reviewer's change

    @property
    def points_change(self) -> bool:
        return self.old_points != self.new_points

    @property
    def text_change(self) -> bool:
        return self.old_text != self.new_text


@dataclass
class CardChanges:
    card: Scorecard
    version: int  # the card's version written in the sheet
    changes: list[Change] = field(default_factory=list)

    def entries(self) -> dict[int, Entry]:
        """The changed criteria as the domain takes them (a review keeps its comments)."""
        return {c.criterion.pk: Entry(c.new_points, c.new_text) for c in self.changes}


@dataclass
class SheetRead:
    """What a sheet would change: the scorecards it changes, with their criteria."""

    name: str
    rows: int
    cards: list[CardChanges]

    @property
    def changed(self) -> int:
        return sum(len(c.changes) for c in self.cards)

    @property
    def unchanged(self) -> int:
        return self.rows - self.changed


def _matches(column: Column | str) -> set[str]:
    """How a header (or a label) may be written: its key, English or Vietnamese."""
    label = column.label if isinstance(column, Column) else column
    names = {normalise(column.key)} if isinstance(column, Column) else set()
    for language in ("vi", "en"):
        with translation.override(language):
            names.add(normalise(str(label)))
    return names


@dataclass
class _Table:
    name: str
    meta: dict[str, object]  # normalised label → value, from the header block
    header: dict[str, str]  # column key → the header as written in the file
    rows: list[tuple[int, dict[str, object]]]  # (file line, column key → value)

    def column(self, column: Column) -> str:
        return self.header[column.key]

    def meta_value(self, label) -> object:
        for name in _matches(label):
            if name in self.meta:
                return self.meta[name]
        return None


def _read(name: str, content: bytes, columns: list[Column], required: list[Column]) -> _Table:
    """The sheet's header block, header row and data rows; refuses a file that is not a
    readable table or has no header row with the ``required`` columns."""
    try:
        lines = read_numbered_rows(name, content)
    except ValidationError as exc:
        raise ImportRefused(exc.messages) from None
    position, found = _header_row(lines, columns, required)
    if position is None:
        raise ImportRefused(
            _(
                "“%(name)s” is not a scoring sheet from this site: no row has the columns "
                "%(columns)s. Download the sheet from this page and fill that in."
            )
            % {"name": name, "columns": ", ".join(f"“{c.label}”" for c in required)}
        )
    meta = {
        normalise(cells[0]): next((v for v in cells[1:] if v is not None), None)
        for _line, cells in lines[:position]
        if cells and cells[0] is not None
    }
    header = {key: str(lines[position][1][index]) for key, index in found.items()}
    rows = [
        (line, {key: (cells[i] if i < len(cells) else None) for key, i in found.items()})
        for line, cells in lines[position + 1 :]
    ]
    return _Table(name, meta, header, rows)


def _header_row(lines, columns: list[Column], required: list[Column]):
    """(index in ``lines``, column key → cell index) of the first row that names every
    ``required`` column; (None, {}) when there is none."""
    wanted = {column.key: _matches(column) for column in columns}
    for position, (_line, cells) in enumerate(lines):
        found = {}
        for index, cell in enumerate(cells):
            name = normalise(cell) if cell is not None else None
            for key, names in wanted.items():
                if name in names and key not in found:
                    found[key] = index
        if all(column.key in found for column in required):
            return position, found
    return None, {}


def _whole(value) -> int | None:
    try:
        number = Decimal(str(value).strip())
    except Exception:  # not a number at all
        return None
    return int(number) if number == number.to_integral() and number >= 0 else None


def _cell_error(table: _Table, line: int, column: Column, message: str) -> str:
    return _("Row %(row)s, column “%(column)s”: %(message)s") % {
        "row": line,
        "column": table.column(column),
        "message": message,
    }


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _points(table, line, column, value, criterion, errors) -> tuple[bool, Decimal | None]:
    """(ok, points) of one cell: blank is no points; refused values add to ``errors``."""
    try:
        points = PointsWidget().clean(value)
        if points is not None:
            criterion.validate_points(points)
    except ValueError as exc:
        errors.append(_cell_error(table, line, column, str(exc)))
        return False, None
    except ValidationError as exc:
        errors.extend(_cell_error(table, line, column, m) for m in exc.messages)
        return False, None
    return True, points


def not_editable(card: Scorecard) -> str:
    return _("This scorecard is %(status)s and cannot be changed now.") % {
        "status": card.get_status_display().lower()
    }


def download_again() -> str:
    return _("Download the sheet again, copy your entries into it and upload it.")


def read_unit_sheet(card: Scorecard, scores: Sequence[Score], name: str, content: bytes):
    """The changes a unit's filled sheet makes to ``card`` (``scores``: all its scores with
    their criteria, as read now). Raises ``ImportRefused`` naming each problem."""
    if not card.is_editable_by_unit:
        raise ImportRefused(not_editable(card))
    table = _read(name, content, UNIT_COLUMNS, [CODE, SELF_POINTS, SELF_NOTE])
    number = _whole(table.meta_value(CARD_LABEL))
    version = _whole(table.meta_value(VERSION_LABEL))
    if number is None or version is None:
        raise ImportRefused(_missing_numbers(name))
    if number != card.pk:
        raise ImportRefused(
            _(
                "This sheet belongs to another scorecard (no. %(number)s). Download the sheet "
                "of this scorecard from its page."
            )
            % {"number": number}
        )
    by_code = {s.criterion.code: s for s in scores}
    found = CardChanges(card, version)
    errors, seen = [], {}
    for line, row in table.rows:
        score = _row_score(table, line, row, by_code, seen, errors)
        if score is None:
            continue
        ok, points = _points(table, line, SELF_POINTS, row["self_points"], score.criterion, errors)
        text = _text(row["self_note"])
        if ok and (points, text) != (score.self_points, score.self_note):
            found.changes.append(
                Change(line, score.criterion, score.self_points, points, score.self_note, text)
            )
    if errors:
        raise ImportRefused(errors)
    if found.changes and version != card.version:
        raise ImportRefused([*StaleScorecard().messages, download_again()])
    return SheetRead(name, len(table.rows), [found] if found.changes else [])


def _missing_numbers(name: str) -> str:
    return _(
        "“%(name)s” is not a scoring sheet downloaded from this site: its header has no "
        "scorecard number or version."
    ) % {"name": name}


def _row_score(table, line, row, by_code, seen, errors, unit_label="") -> Score | None:
    """The score a row names by its criterion code, or None with the reason in ``errors``."""
    code = _text(row["criterion_code"])
    if not code:
        errors.append(_cell_error(table, line, CODE, _("the criterion code is missing.")))
        return None
    score = by_code.get(code)
    if score is None:
        message = _("there is no criterion “%(code)s” in this criteria set.") % {"code": code}
        errors.append(_cell_error(table, line, CODE, message))
        return None
    if code in seen:
        errors.append(
            _cell_error(
                table,
                line,
                CODE,
                _("criterion %(code)s%(unit)s is already on row %(first)s.")
                % {"code": code, "unit": unit_label, "first": seen[code]},
            )
        )
        return None
    seen[code] = line
    return score


def read_review_sheet(period: Period, cards: Sequence[Scorecard], name: str, content: bytes):
    """The changes a reviewer's filled sheet makes to the period's scorecards (``cards``: the
    ones the reviewer may review, with their scores and criteria prefetched as ``scores``).
    Raises ``ImportRefused`` naming each problem: the whole file or nothing."""
    table = _read(name, content, REVIEW_COLUMNS, [UNIT_CODE, CODE, REVIEWED, REASON, VERSION])
    number = _whole(table.meta_value(PERIOD_LABEL))
    if number is None:
        raise ImportRefused(_missing_period(name))
    if number != period.pk:
        raise ImportRefused(
            _(
                "This sheet belongs to another period (no. %(number)s). Download the review "
                "sheet of this period from its page."
            )
            % {"number": number}
        )
    by_unit = {card.unit.code: card for card in cards}
    codes = {card.pk: {s.criterion.code: s for s in card.scores.all()} for card in cards}
    found: dict[int, CardChanges] = {}
    errors: list[str] = []
    seen: dict[int, dict[str, int]] = {}
    for line, row in table.rows:
        card = _row_card(table, line, row, by_unit, errors)
        if card is None:
            continue
        changes = found.setdefault(card.pk, CardChanges(card, -1))
        if not _row_version(table, line, row, changes, errors):
            continue
        own_seen, label = seen.setdefault(card.pk, {}), f" ({card.unit.short_name})"
        score = _row_score(table, line, row, codes[card.pk], own_seen, errors, label)
        if score is not None:
            _review_change(table, line, row, score, changes, errors)
    if errors:
        raise ImportRefused(errors)
    changed = [c for c in found.values() if c.changes]
    _refuse_unreviewable(period, changed)
    return SheetRead(name, len(table.rows), changed)


def _missing_period(name: str) -> str:
    return _(
        "“%(name)s” is not a review sheet downloaded from this site: its header has no period "
        "number."
    ) % {"name": name}


def _row_card(table, line, row, by_unit, errors) -> Scorecard | None:
    code = _text(row["unit_code"])
    card = by_unit.get(code)
    if card is None:
        message = (
            _("there is no scorecard of unit “%(code)s” in this period that you review.")
            % {"code": code}
            if code
            else _("the unit code is missing.")
        )
        errors.append(_cell_error(table, line, UNIT_CODE, message))
    return card


def _row_version(table, line, row, changes: CardChanges, errors) -> bool:
    version = _whole(row["version"])
    if version is None:
        message = _("the scorecard version is missing or not a number.")
        errors.append(_cell_error(table, line, VERSION, message))
        return False
    if changes.version == -1:
        changes.version = version
    elif changes.version != version:
        errors.append(
            _cell_error(
                table,
                line,
                VERSION,
                _("the unit's other rows carry version %(version)s.")
                % {"version": changes.version},
            )
        )
        return False
    return True


def _review_change(table, line, row, score: Score, changes: CardChanges, errors) -> None:
    criterion = score.criterion
    ok, points = _points(table, line, REVIEWED, row["reviewed_points"], criterion, errors)
    reason = _text(row["review_reason"])
    if not ok:
        return
    if points is not None and points != score.self_points and not reason:
        errors.append(
            _cell_error(
                table,
                line,
                REASON,
                _("Criterion %(code)s: give a reason for changing the points.")
                % {"code": criterion.code},
            )
        )
        return
    if (points, reason) != (score.reviewed_points, score.review_reason):
        changes.changes.append(
            Change(
                line,
                criterion,
                score.reviewed_points,
                points,
                score.review_reason,
                reason,
                score.self_points,
            )
        )


def _refuse_unreviewable(period: Period, changed: list[CardChanges]) -> None:
    """The whole sheet is refused when it changes a closed period, a scorecard that is not
    awaiting review, or one saved since the sheet was written."""
    if not changed:
        return
    if period.status != PeriodStatus.OPEN:
        raise ImportRefused(_("This period is closed: nothing can be reviewed in it."))
    waiting = [c for c in changed if c.card.status != ScorecardStatus.SUBMITTED]
    if waiting:
        raise ImportRefused(
            _(
                "The sheet changes scorecards that are not awaiting review, so nothing was "
                "changed: %(units)s."
            )
            % {
                "units": ", ".join(
                    f"{c.card.unit.name} ({c.card.get_status_display().lower()})" for c in waiting
                )
            }
        )
    stale = [c for c in changed if c.version != c.card.version]
    if stale:
        raise ImportRefused(
            [
                _(
                    "These units' scorecards were saved after the sheet was downloaded, so "
                    "nothing was changed: %(units)s."
                )
                % {"units": ", ".join(c.card.unit.name for c in stale)},
                download_again(),
            ]
        )
