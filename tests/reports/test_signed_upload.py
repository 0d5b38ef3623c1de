"""An uploaded signed report must be the approved PDF plus signatures, and nothing else.

The attack of issue 7 is built for real: an incremental update that draws over page 1 of the
approved PDF, then a valid signature by a trusted certificate over the whole file. Every
refusal names its reason and leaves the report, its record and the stored files as they were.
"""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko.stamp import TextStamp, TextStampStyle

from reports import domain, signing
from reports.models import IssuedDocumentKind, Report, ReportEventKind, ReportStatus
from tests.reports.conftest import (
    OTHER_SIGNER,
    SIGNER,
    pdf_text,
    read,
    report_state,
    stored_files,
    texts,
    workflow_record,
)

pytestmark = pytest.mark.django_db

CHANGED_CONTENT = (
    "The signed file changes the approved report: content was added or altered before "
    "signing. Only signatures may be added to the approved PDF; sign the approved PDF as it "
    "was downloaded."
)
FORGED_TEXT = "Tong diem 20 - Xuat sac"


def incremental(content: bytes, change) -> bytes:
    writer = IncrementalPdfFileWriter(BytesIO(content))
    change(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def stamp_text_on_page_1(content: bytes) -> bytes:
    """pyHanko's stamp API: a text box drawn on page 1 (a new content stream and resources)."""
    style = TextStampStyle(stamp_text=FORGED_TEXT, border_width=0)
    return incremental(content, lambda w: TextStamp(w, style).apply(0, 60, 700))


def paint_over_page_1(content: bytes) -> bytes:
    """A white rectangle over the top half of page 1, appended to its content streams."""

    def paint(writer):
        stream = generic.StreamObject(stream_data=b"q 1 1 1 rg 0 420 595 422 re f Q")
        writer.add_stream_to_page(0, writer.add_object(stream))

    return incremental(content, paint)


def sign_as(content: bytes, p12, field: str = signing.FIELD) -> bytes:
    """Sign with a PKCS#12 of the tests (a new signature field when ``field`` is not there)."""
    signer = signers.SimpleSigner.load_pkcs12(
        pfx_file=str(p12), passphrase=signing.DEMO_PASSWORD.encode()
    )
    meta = signers.PdfSignatureMetadata(
        field_name=field, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    writer = IncrementalPdfFileWriter(BytesIO(content))
    return signers.PdfSigner(meta, signer=signer).sign_pdf(writer).getvalue()


def refused(report, content: bytes) -> list[str]:
    with translation.override("en"), pytest.raises(domain.ReportError) as excinfo:
        domain.attach_signed(report, content)
    return excinfo.value.messages


def unchanged(report, settings):
    """The report's workflow fields, record and stored files, to compare after a refusal."""
    return report_state(report), workflow_record(report), stored_files(settings.MEDIA_ROOT)


@pytest.fixture
def demo_p12(signing_dir):
    return signing_dir / "demo-signer.p12"


@pytest.fixture
def other_p12(signing_dir):
    return signing_dir / "other-signer.p12"


# ---------------------------------------------------------------------------------------------
# Content changed before signing


@pytest.mark.parametrize("tamper", [stamp_text_on_page_1, paint_over_page_1])
def test_an_approved_pdf_drawn_over_then_signed_by_a_trusted_signer_is_refused(
    approved_report, demo_p12, settings, tamper
):
    forged = sign_as(tamper(read(approved_report.pdf)), demo_p12)
    before = unchanged(approved_report, settings)

    messages = refused(approved_report, forged)

    assert messages == [CHANGED_CONTENT]
    assert unchanged(approved_report, settings) == before


def test_the_forgery_really_shows_on_page_1_and_its_signature_holds(approved_report, demo_p12):
    forged = sign_as(stamp_text_on_page_1(read(approved_report.pdf)), demo_p12)

    assert forged.startswith(read(approved_report.pdf))
    assert FORGED_TEXT in pdf_text(forged, first=1, last=1)
    # What the upload check used to ask: intact, trusted, covering the whole file.
    found = validate_pdf_signature(
        PdfFileReader(BytesIO(forged)).embedded_signatures[0], signing.trust_context()
    )
    assert (found.intact, found.valid, found.trusted, found.coverage) == (
        True,
        True,
        True,
        SignatureCoverageLevel.ENTIRE_FILE,
    )


def test_content_changed_between_two_signatures_is_refused(
    approved_report, demo_p12, other_p12, settings
):
    settings.SIGNING_ALLOWED_SUBJECTS = [OTHER_SIGNER]
    signed = sign_as(read(approved_report.pdf), demo_p12)
    forged = sign_as(stamp_text_on_page_1(signed), other_p12, field="VanThu")
    before = unchanged(approved_report, settings)

    messages = refused(approved_report, forged)

    assert messages == ["The file was changed after it was signed."]
    assert unchanged(approved_report, settings) == before


def test_a_refused_upload_is_explained_in_vietnamese_beside_the_file_field(
    client, approved_report, demo_p12, leader
):
    forged = sign_as(paint_over_page_1(read(approved_report.pdf)), demo_p12)
    client.force_login(leader)
    upload = SimpleUploadedFile("da-ky.pdf", forged, content_type="application/pdf")

    response = client.post(
        reverse("reports:upload_signed", args=[approved_report.period_id]), {"file": upload}
    )

    assert response.status_code == 200
    assert texts(response.content.decode(), "approval", "span") == [
        "Tệp đã ký làm thay đổi báo cáo đã duyệt: có nội dung được thêm hoặc sửa trước khi ký. "
        "Chỉ được thêm chữ ký số vào tệp PDF đã duyệt; hãy ký đúng tệp PDF đã duyệt như khi "
        "tải về."
    ]
    assert Report.objects.get(pk=approved_report.pk).status == ReportStatus.APPROVED


# ---------------------------------------------------------------------------------------------
# Who signed


def test_the_approved_pdf_signed_by_the_reports_signer_is_accepted_and_recorded(
    approved_report, demo_p12, leader
):
    signed = sign_as(read(approved_report.pdf), demo_p12)

    report = domain.attach_signed(approved_report, signed, actor=leader)

    document = report.documents.get(kind=IssuedDocumentKind.SIGNED)
    event = report.events.get(kind=ReportEventKind.SIGNED_UPLOADED)
    assert report.status == ReportStatus.SIGNED
    assert (read(document.file), document.sha256, document.size) == (
        signed,
        signing.sha256(signed),
        len(signed),
    )
    assert (report.signed_pdf.name, report.signed_sha256) == (document.file.name, document.sha256)
    assert (event.actor, event.before, event.after) == (
        leader,
        {"status": "approved"},
        {
            "status": "signed",
            "signer": signing.DEMO_SIGNER,
            "certificate_subject": document.certificate_subject,
            "sha256": document.sha256,
        },
    )


def test_the_signer_name_is_compared_without_case_or_surrounding_spaces(approved_report, demo_p12):
    approved_report.signer_name = f"  {SIGNER.upper()} "
    approved_report.save(update_fields=["signer_name"])

    report = domain.attach_signed(approved_report, sign_as(read(approved_report.pdf), demo_p12))

    assert report.status == ReportStatus.SIGNED


def test_a_trusted_certificate_of_someone_else_is_refused(approved_report, other_p12, settings):
    signed = sign_as(read(approved_report.pdf), other_p12)
    before = unchanged(approved_report, settings)

    messages = refused(approved_report, signed)

    assert messages == [
        f"The file is signed by {OTHER_SIGNER}, who is neither the report's signer ({SIGNER}) "
        "nor on the list of allowed signers."
    ]
    assert unchanged(approved_report, settings) == before


@pytest.mark.parametrize(
    "allowed",
    [
        f"  {OTHER_SIGNER.upper()} ",
        f"CN={OTHER_SIGNER}, O={signing.DEMO_ORGANISATION}, C=VN",
        f"Common Name: {OTHER_SIGNER}, Organization: {signing.DEMO_ORGANISATION}, Country: VN",
    ],
    ids=["common name", "RFC 4514 subject", "subject as shown"],
)
def test_someone_else_is_accepted_once_listed_as_an_allowed_signer(
    approved_report, other_p12, settings, allowed
):
    settings.SIGNING_ALLOWED_SUBJECTS = ["Nguyễn Văn Khác", allowed]

    report = domain.attach_signed(approved_report, sign_as(read(approved_report.pdf), other_p12))

    assert (report.status, report.certificate_subject) == (
        ReportStatus.SIGNED,
        f"Common Name: {OTHER_SIGNER}, Organization: {signing.DEMO_ORGANISATION}, Country: VN",
    )


def test_a_report_naming_no_signer_accepts_only_allowed_signers(
    approved_report, demo_p12, settings
):
    approved_report.signer_name = "  "
    approved_report.save(update_fields=["signer_name"])
    signed = sign_as(read(approved_report.pdf), demo_p12)
    before = unchanged(approved_report, settings)

    messages = refused(approved_report, signed)

    assert messages == [
        f"The report names no signer, and {signing.DEMO_SIGNER} is not on the list of allowed "
        "signers. Withdraw the approval and enter the signer's name."
    ]
    assert unchanged(approved_report, settings) == before


# ---------------------------------------------------------------------------------------------
# Every signature counts


def test_a_second_signature_by_someone_not_allowed_is_refused(
    approved_report, demo_p12, other_p12, settings
):
    signed = sign_as(sign_as(read(approved_report.pdf), demo_p12), other_p12, field="VanThu")
    before = unchanged(approved_report, settings)

    messages = refused(approved_report, signed)

    assert messages == [
        f"The file is signed by {OTHER_SIGNER}, who is neither the report's signer ({SIGNER}) "
        "nor on the list of allowed signers."
    ]
    assert unchanged(approved_report, settings) == before


def test_two_signatures_by_allowed_signers_are_accepted(
    approved_report, demo_p12, other_p12, settings
):
    settings.SIGNING_ALLOWED_SUBJECTS = [OTHER_SIGNER]
    signed = sign_as(sign_as(read(approved_report.pdf), demo_p12), other_p12, field="VanThu")

    report = domain.attach_signed(approved_report, signed)

    assert report.status == ReportStatus.SIGNED
    assert report.events.get(kind=ReportEventKind.SIGNED_UPLOADED).after["signer"] == (
        f"{signing.DEMO_SIGNER}, {OTHER_SIGNER}"
    )


def test_a_first_signature_by_an_untrusted_certificate_is_refused(
    approved_report, untrusted_dir, demo_p12, settings
):
    signed = sign_as(
        sign_as(read(approved_report.pdf), untrusted_dir / "demo-signer.p12"),
        demo_p12,
        field="VanThu",
    )
    before = unchanged(approved_report, settings)

    messages = refused(approved_report, signed)

    assert messages == [
        "The signing certificate is not trusted (it does not chain to a configured root)."
    ]
    assert unchanged(approved_report, settings) == before
