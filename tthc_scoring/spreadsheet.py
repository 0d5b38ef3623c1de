"""Cells for the spreadsheets the site writes (the report's table, the board): Times New Roman
as official documents use, thin borders, numbers as numbers, and text always as text: a unit
name or note that starts with "=" can never run as a formula."""

from decimal import Decimal

from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(name="Times New Roman", bold=True, size=12)
PLAIN = Font(name="Times New Roman", size=12)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)


def put(ws: Worksheet, row: int, col: int, value, *, bold=False, align=CENTER, border=True):
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # never a formula
    elif value is not None:
        number = Decimal(str(value))
        cell.value = int(number) if number == number.to_integral() else float(number)
        cell.number_format = "0" if number == number.to_integral() else "0.00"
    cell.font = BOLD if bold else PLAIN
    cell.alignment = align
    if border:
        cell.border = BOX
    return cell
