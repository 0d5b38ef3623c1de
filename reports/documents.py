"""The report's PDFs, rendered from its data: what approval stores and what a draft download gives.

Called by the domain (approval of a small period renders inline) and by the background worker
(``reports.worker``); it imports neither, so neither imports the other through it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from reports import issuing, pdf, signing
from reports.models import Report
from reports.snapshot import take_snapshot


def store_approved_pdf(report: Report, progress: Callable[[int], None] = lambda p: None) -> None:
    """Render the approved PDF from the frozen results and issue it (``issuing.issue_approved``:
    kept for good as an issued document with its hash, and pointed at by ``report.pdf``)."""
    rendered = pdf.render_pdf(report, report.snapshot, draft=False)
    progress(90)
    issuing.issue_approved(report, signing.prepare(rendered.content, rendered.signature_box))


@dataclass
class Outputs:
    pdf: bytes
    pages: int


def draft_pdf(report: Report) -> Outputs:
    """The report rendered from the current data, marked "DỰ THẢO"."""
    rendered = pdf.render_pdf(report, take_snapshot(report.period), draft=True)
    return Outputs(rendered.content, rendered.pages)
