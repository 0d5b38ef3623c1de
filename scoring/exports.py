"""Excel renderer for the reviewer's board: one row per scorecard the board shows (with its
filters and sort), with the unit's progress, totals, classification and deadline.

Values, never formulas (``reports.excel._put`` writes text as text).
"""

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook

from scoring.results import BoardRow
from tthc_scoring.spreadsheet import LEFT, put


def board_xlsx(period, rows: list[BoardRow]) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = _("Progress")[:31]
    put(ws, 1, 1, f"{period.organizer.name} — {period.label}", bold=True, align=LEFT, border=False)
    headings = [
        _("No."),
        _("Unit"),
        _("Status"),
        _("Submitted"),
        _("Criteria scored"),
        _("Self total"),
        _("Final total"),
        _("Classification"),
        _("Deadline"),
        _("Days late"),
    ]
    for col, heading in enumerate(headings, start=1):
        put(ws, 3, col, heading, bold=True)
    for number, row in enumerate(rows, start=1):
        card = row.card
        scored, of = card.progress
        values = [
            number,
            card.unit.name,
            str(card.get_status_display()),
            card.submitted_at.strftime("%d/%m/%Y") if card.submitted_at else "",
            f"{scored}/{of}",
            None if card.no_tthc else card.self_total,
            card.final_total if card.is_reviewed and not card.no_tthc else None,
            _("No procedure arose") if card.no_tthc else row.band,
            card.effective_deadline.strftime("%d/%m/%Y") if card.effective_deadline else "",
            row.days_late or None,
        ]
        for col, value in enumerate(values, start=1):
            put(ws, 3 + number, col, value, align=LEFT)
    for col, width in zip("ABCDEFGHIJ", (6, 36, 14, 12, 10, 10, 10, 16, 12, 10), strict=True):
        ws.column_dimensions[col].width = width
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
