"""PDF renderer: the report's HTML template → WeasyPrint, A4, in the Nghị định 30 format.

One entry point, ``render_pdf``. It also returns where the signature space landed on the
page, so the signing step can put a visible signature exactly in the signature block.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.template.loader import render_to_string
from weasyprint import HTML

from reports import charts, drafting
from reports.models import Report
from reports.snapshot import tallies

FONTS = Path(__file__).resolve().parent / "fonts"
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
# CSS px (1/96 in) → PDF points (1/72 in)
PX_TO_PT = 0.75
SIGNATURE_BOX_PT = (200, 70)  # width, height of the visible signature


@dataclass
class RenderedPdf:
    content: bytes
    # (page index, (x1, y1, x2, y2) in PDF points from the bottom-left) of the signature space
    signature_box: tuple[int, tuple[float, float, float, float]] | None
    pages: int


def number(value: str | None) -> str:
    """Points as Vietnamese documents write them: "15", "15,75"."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return text.replace(".", ",")


def place_date(report: Report) -> str:
    """ "Tuần Giáo, ngày 05 tháng 7 năm 2021": days below 10 and months 1-2 take a zero."""
    day: datetime.date | None = report.issue_date
    if day is None:
        year = report.period.year if report.period.quarter < 4 else report.period.year + 1
        return f"{report.place}, ngày      tháng      năm {year}"
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{report.place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def table_groups(snapshot: dict) -> list[dict]:
    codes = [c["code"] for c in snapshot["criteria"]]
    groups = []
    for index, group in enumerate(snapshot["groups"]):
        rows = []
        for unit in group["units"]:
            rows.append(
                {
                    "name": unit["name"],
                    "no_tthc": unit["no_tthc"],
                    "points": [number(unit["scores"].get(c, {}).get("final")) for c in codes],
                    "self_total": number(unit["self_total"]),
                    "final_total": number(unit["final_total"]),
                    "band": unit["band"],
                    "rank": unit["rank"],
                }
            )
        groups.append({"roman": ROMAN[index], "label": group["label"], "rows": rows})
    return groups


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def render_html(report: Report, snapshot: dict, *, draft: bool) -> str:
    n = len(snapshot["criteria"])
    context = {
        "report": report,
        "draft": draft,
        "fonts": FONTS.as_uri(),
        "report_title": f"Báo cáo {report.subject}",
        "place_date": place_date(report),
        "evaluation": [line.lstrip("-– ").strip() for line in _lines(report.evaluation)],
        "specific": _lines(report.specific),
        "issues": report.issue_lines(),
        "criteria": snapshot["criteria"],
        "groups": table_groups(snapshot),
        "span_all": n + 5,
        "span_scores": n + 4,
        "quarter_upper": drafting.quarter_words(snapshot).upper(),
        "committee": drafting.committee(snapshot),
        "chart": charts.data_uri(charts.band_chart(tallies(snapshot), document=True))
        if report.include_chart
        else "",
    }
    return render_to_string("reports/document.html", context)


def render_pdf(report: Report, snapshot: dict, *, draft: bool) -> RenderedPdf:
    """Render the report and its attached scoring table to PDF bytes."""
    document = HTML(string=render_html(report, snapshot, draft=draft)).render()
    box = None
    for index, page in enumerate(document.pages):
        if "signature-box" in page.anchors:
            x1, y1, x2, _y2 = page.anchors["signature-box"]
            height_pt = page.height * PX_TO_PT
            left = (x1 + x2) / 2 * PX_TO_PT - SIGNATURE_BOX_PT[0] / 2
            top = height_pt - y1 * PX_TO_PT
            box = (index, (left, top - SIGNATURE_BOX_PT[1], left + SIGNATURE_BOX_PT[0], top))
            break
    return RenderedPdf(content=document.write_pdf(), signature_box=box, pages=len(document.pages))
