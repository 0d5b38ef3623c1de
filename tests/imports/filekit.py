"""Helpers of the resource tests: table files written as CSV (with or without a byte-order
mark) or XLSX, an import run the way the pages and ``manage.py import`` run it, and a dump of
the database to prove that a refused file changed nothing."""

import csv
import io
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from openpyxl import Workbook

from imports import domain
from imports.tables import read_table

# Every app whose data an import could touch, and the import-export log Django keeps.
DUMPED = ("units", "criteria", "scoring", "reports", "admin")


def csv_bytes(rows, *, bom: bool = False, delimiter: str = ",") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def xlsx_bytes(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def table_file(rows, kind: str) -> tuple[str, bytes]:
    """(file name, content) of ``rows`` as "csv", "csv-bom" or "xlsx"."""
    if kind == "xlsx":
        return "bang.xlsx", xlsx_bytes(rows)
    return "bang.csv", csv_bytes(rows, bom=kind == "csv-bom")


FILE_KINDS = ("csv", "csv-bom", "xlsx")


def run(resource, name: str, content: bytes, **context) -> domain.ImportPreview:
    """Import for real, as ``manage.py import`` does; raises ImportRefused / ValidationError."""
    return domain.apply(
        resource, read_table(name, content), file_name=name, content=content, **context
    )


def refusal(resource, name: str, content: bytes, **context) -> str:
    """The reasons a file is refused, one per line (the database must not change)."""
    before = dump()
    with pytest.raises((domain.ImportRefused, ValidationError)) as caught:
        run(resource, name, content, **context)
    assert dump() == before, "a refused file changed the database"
    return "\n".join(caught.value.messages)


def dump() -> str:
    out = StringIO()
    call_command("dumpdata", *DUMPED, stdout=out)
    return out.getvalue()
