"""Issued documents: every PDF the report is issued as, stored once, with its hash, for good.

Called by the domain (signatures) and by ``reports.documents`` (the approved PDF, inline or
from the worker); it imports neither. A file written here is never overwritten or deleted: a
withdrawal only marks its row (``reports.domain.withdraw``).
"""

from django.core.files.base import ContentFile
from django.db import transaction

from reports import signing
from reports.models import IssuedDocument, IssuedDocumentKind, Report, ReportStatus


def issue(report: Report, kind: str, content: bytes, actor, **fields) -> IssuedDocument:
    """Store ``content`` as a new issued document of the report (``fields``: its other
    columns, e.g. the certificate subject) and return it."""
    digest = signing.sha256(content)
    document = IssuedDocument(
        report=report, kind=kind, sha256=digest, size=len(content), created_by=actor, **fields
    )
    # The name carries the hash; the storage adds a suffix rather than overwrite a file.
    name = f"bao-cao-{report.period.code}-{report.pk}-{kind}-{digest[:16]}.pdf"
    document.file.save(name, ContentFile(content), save=False)
    document.save()
    return document


def issue_approved(report: Report, content: bytes) -> None:
    """Issue the rendered approved PDF of ``report``'s current approval.

    Side effects: an "approved" ``IssuedDocument`` (by whoever approved) and ``report.pdf`` /
    ``pdf_sha256`` pointing at it. Issues nothing if, while it rendered, the report was
    withdrawn or approved again, or its PDF was already issued (a job that ran twice).
    """
    with transaction.atomic():
        locked = (
            Report.objects.select_for_update(of=("self",))
            .select_related("period", "approved_by")
            .get(pk=report.pk)
        )
        if (
            locked.status == ReportStatus.DRAFT
            or locked.approved_at != report.approved_at
            or locked.pdf
        ):
            return
        document = issue(locked, IssuedDocumentKind.APPROVED, content, locked.approved_by)
        locked.pdf, locked.pdf_sha256 = document.file.name, document.sha256
        locked.save(update_fields=["pdf", "pdf_sha256"])
    report.pdf, report.pdf_sha256 = locked.pdf, locked.pdf_sha256
