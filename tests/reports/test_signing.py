"""Signing: a PAdES signature poppler and pyHanko both accept; tampering and bad input refused.

Every refusal names its reason and leaves the report (status, signature fields) and the stored
files exactly as they were.
"""

import datetime
import re
from io import BytesIO

import pytest
from django.utils import translation
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from reports import documents, domain, signing
from reports.models import ReportStatus
from tests.reports.conftest import (
    SIGNER,
    numbered,
    poppler,
    read,
    report_state,
    signature_validation,
    stored_files,
)


def flip_a_byte_in_page_content(content: bytes) -> bytes:
    """Flip one bit in the middle of the largest stream in the first half of the file."""
    streams = [
        (match.end(), content.index(b"endstream", match.end()))
        for match in re.finditer(rb"(?<!end)stream\r?\n", content)
    ]
    start, end = max(
        (span for span in streams if span[1] < len(content) // 2), key=lambda s: s[1] - s[0]
    )
    tampered = bytearray(content)
    tampered[(start + end) // 2] ^= 0x01
    return bytes(tampered)


def refused(function, *args, **kwargs) -> list[str]:
    with translation.override("en"), pytest.raises(domain.ReportError) as excinfo:
        function(*args, **kwargs)
    return excinfo.value.messages


def sign_with(content: bytes, folder) -> signing.Signed:
    return signing.sign(
        content, path=str(folder / "demo-signer.p12"), password=signing.DEMO_PASSWORD
    )


# ---------------------------------------------------------------------------------------------
# The demo report, signed


def test_pdfsig_finds_the_signed_demo_report_valid_and_whole(demo_documents):
    report = poppler("pdfsig", demo_documents.signed)

    assert signature_validation(demo_documents.signed) == "Signature is Valid."
    assert "Total document signed" in report
    assert "Signature Field Name: ChuKySo" in report


def test_pyhanko_accepts_the_signed_demo_report_with_the_demo_ca_trusted(
    demo_documents, demo_signing
):
    found = signing.validate_external(
        demo_documents.signed, demo_documents.approved, signer_name=SIGNER
    )

    assert found.subject == demo_documents.certificate_subject
    assert "Vũ Văn Đức" in found.subject


def test_the_stamp_shows_the_signing_time_in_vietnamese_order_and_time_zone():
    moment = datetime.datetime(2021, 7, 5, 2, 7, tzinfo=datetime.UTC)  # 09:07 in Điện Biên

    assert signing.stamp_time(moment) == "09:07 ngày 05/07/2021 (GMT+7)"


def test_signing_appends_to_the_approved_file_and_records_the_checksum(demo_documents):
    assert demo_documents.status == ReportStatus.SIGNED
    assert demo_documents.signed.startswith(demo_documents.approved)
    assert demo_documents.signed_sha256 == signing.sha256(demo_documents.signed)


def test_pdfsig_reports_a_flipped_byte_as_a_digest_mismatch(demo_documents):
    tampered = flip_a_byte_in_page_content(demo_documents.signed)

    assert signature_validation(tampered) == "Digest Mismatch."


def test_pyhanko_refuses_a_flipped_byte(demo_documents, demo_signing):
    tampered = flip_a_byte_in_page_content(demo_documents.signed)
    # Even compared with an "approved" file carrying the same flip, the digest does not hold.
    same_prefix = tampered[: len(demo_documents.approved)]

    with translation.override("en"):
        with pytest.raises(signing.SigningError) as against_approved:
            signing.validate_external(tampered, demo_documents.approved, signer_name=SIGNER)
        with pytest.raises(signing.SigningError) as against_itself:
            signing.validate_external(tampered, same_prefix, signer_name=SIGNER)

    assert str(against_approved.value) == (
        "The signed content is not the approved report: sign the approved PDF itself."
    )
    assert str(against_itself.value) == (
        "The signature is not valid: the file was changed after signing."
    )


def test_pyhanko_refuses_a_revision_added_after_signing(demo_documents, demo_signing):
    writer = IncrementalPdfFileWriter(BytesIO(demo_documents.signed))
    writer.root["/PageMode"] = generic.NameObject("/UseOutlines")
    writer.update_root()
    out = BytesIO()
    writer.write(out)

    with translation.override("en"), pytest.raises(signing.SigningError) as excinfo:
        signing.validate_external(out.getvalue(), demo_documents.approved, signer_name=SIGNER)

    assert str(excinfo.value) == "The file was changed after it was signed."


# ---------------------------------------------------------------------------------------------
# Signing with the organisation's certificate


@pytest.mark.django_db
def test_signing_an_approved_report_stores_the_signed_file(approved_report, leader):
    report = domain.sign(approved_report, actor=leader)

    content = read(report.signed_pdf)
    assert report.status == ReportStatus.SIGNED
    assert report.signed_sha256 == signing.sha256(content)
    assert report.signed_by == leader
    assert "Vũ Văn Đức" in report.certificate_subject
    assert signature_validation(content) == "Signature is Valid."


@pytest.mark.django_db
def test_a_draft_report_cannot_be_signed(scored_period, demo_signing, settings):
    report = numbered(domain.report_for(scored_period))
    before, files = report_state(report), stored_files(settings.MEDIA_ROOT)

    messages = refused(domain.sign, report)

    assert messages == ["Only an approved, unsigned report can be signed."]
    assert (report_state(report), stored_files(settings.MEDIA_ROOT)) == (before, files)


@pytest.mark.django_db
def test_a_signed_report_cannot_be_signed_again(approved_report, settings):
    report = domain.sign(approved_report)
    before, files = report_state(report), stored_files(settings.MEDIA_ROOT)

    messages = refused(domain.sign, report)

    assert messages == ["Only an approved, unsigned report can be signed."]
    assert (report_state(report), stored_files(settings.MEDIA_ROOT)) == (before, files)


@pytest.mark.django_db
def test_signing_without_a_configured_certificate_is_refused(approved_report, settings):
    settings.SIGNING_DEMO = False
    settings.SIGNING_PKCS12_PATH = ""
    before, files = report_state(approved_report), stored_files(settings.MEDIA_ROOT)

    messages = refused(domain.sign, approved_report)

    assert messages == ["No signing certificate is configured (SIGNING_PKCS12_PATH)."]
    assert (report_state(approved_report), stored_files(settings.MEDIA_ROOT)) == (before, files)


@pytest.mark.django_db
def test_signing_with_a_missing_certificate_file_is_refused(approved_report, settings, tmp_path):
    settings.SIGNING_DEMO = False
    settings.SIGNING_PKCS12_PATH = str(tmp_path / "absent.p12")
    before, files = report_state(approved_report), stored_files(settings.MEDIA_ROOT)

    messages = refused(domain.sign, approved_report)

    assert messages == [f"The signing certificate file {tmp_path / 'absent.p12'} does not exist."]
    assert (report_state(approved_report), stored_files(settings.MEDIA_ROOT)) == (before, files)


@pytest.mark.django_db
def test_signing_with_the_wrong_password_is_refused(approved_report, settings, signing_dir):
    settings.SIGNING_DEMO = False
    settings.SIGNING_PKCS12_PATH = str(signing_dir / "demo-signer.p12")
    settings.SIGNING_PKCS12_PASSWORD = "not-the-password"
    before, files = report_state(approved_report), stored_files(settings.MEDIA_ROOT)

    messages = refused(domain.sign, approved_report)

    assert messages == ["The signing certificate could not be opened: wrong password?"]
    assert (report_state(approved_report), stored_files(settings.MEDIA_ROOT)) == (before, files)


@pytest.mark.django_db
def test_a_configured_certificate_with_its_password_signs(approved_report, settings, signing_dir):
    settings.SIGNING_DEMO = False
    settings.SIGNING_PKCS12_PATH = str(signing_dir / "demo-signer.p12")
    settings.SIGNING_PKCS12_PASSWORD = signing.DEMO_PASSWORD

    report = domain.sign(approved_report)

    assert report.status == ReportStatus.SIGNED
    assert signature_validation(read(report.signed_pdf)) == "Signature is Valid."


# ---------------------------------------------------------------------------------------------
# Uploading a file signed elsewhere (USB token)


@pytest.mark.django_db
def test_an_externally_signed_approved_report_is_accepted(approved_report, signing_dir, leader):
    signed = sign_with(read(approved_report.pdf), signing_dir)

    report = domain.attach_signed(approved_report, signed.content, actor=leader)

    assert report.status == ReportStatus.SIGNED
    assert read(report.signed_pdf) == signed.content
    assert report.signed_sha256 == signing.sha256(signed.content)
    assert report.certificate_subject == signed.subject
    assert report.signed_by == leader


@pytest.mark.django_db
def test_an_unsigned_pdf_is_refused(approved_report, settings):
    before, files = report_state(approved_report), stored_files(settings.MEDIA_ROOT)

    messages = refused(domain.attach_signed, approved_report, read(approved_report.pdf))

    assert messages == ["The PDF carries no digital signature."]
    assert (report_state(approved_report), stored_files(settings.MEDIA_ROOT)) == (before, files)


@pytest.mark.django_db
def test_a_file_that_is_not_a_pdf_is_refused(approved_report, settings):
    before, files = report_state(approved_report), stored_files(settings.MEDIA_ROOT)

    messages = refused(domain.attach_signed, approved_report, b"PK\x03\x04 not a pdf")

    assert messages == ["The file is not a readable PDF."]
    assert (report_state(approved_report), stored_files(settings.MEDIA_ROOT)) == (before, files)


@pytest.mark.django_db
def test_a_pdf_signed_by_an_untrusted_certificate_is_refused(
    approved_report, settings, untrusted_dir
):
    signed = sign_with(read(approved_report.pdf), untrusted_dir)
    before, files = report_state(approved_report), stored_files(settings.MEDIA_ROOT)

    messages = refused(domain.attach_signed, approved_report, signed.content)

    assert messages == [
        "The signing certificate is not trusted (it does not chain to a configured root)."
    ]
    assert (report_state(approved_report), stored_files(settings.MEDIA_ROOT)) == (before, files)


@pytest.mark.django_db
def test_an_untrusted_certificate_is_accepted_once_its_root_is_configured(
    approved_report, settings, untrusted_dir
):
    settings.SIGNING_TRUST_ROOTS = [str(untrusted_dir / "demo-ca.pem")]
    signed = sign_with(read(approved_report.pdf), untrusted_dir)

    report = domain.attach_signed(approved_report, signed.content)

    assert report.status == ReportStatus.SIGNED


@pytest.mark.django_db
def test_a_pdf_signed_over_different_content_is_refused(approved_report, settings, signing_dir):
    other = sign_with(documents.draft_pdf(approved_report).pdf, signing_dir)
    before, files = report_state(approved_report), stored_files(settings.MEDIA_ROOT)

    messages = refused(domain.attach_signed, approved_report, other.content)

    assert messages == [
        "The signed content is not the approved report: sign the approved PDF itself."
    ]
    assert (report_state(approved_report), stored_files(settings.MEDIA_ROOT)) == (before, files)


@pytest.mark.django_db
def test_a_signed_file_cannot_be_uploaded_for_a_draft(scored_period, demo_signing, settings):
    report = numbered(domain.report_for(scored_period))
    signed = sign_with(documents.draft_pdf(report).pdf, demo_signing)
    before, files = report_state(report), stored_files(settings.MEDIA_ROOT)

    messages = refused(domain.attach_signed, report, signed.content)

    assert messages == ["Only an approved, unsigned report can be signed."]
    assert (report_state(report), stored_files(settings.MEDIA_ROOT)) == (before, files)


def test_the_demo_certificate_is_created_once(tmp_path):
    first = signing.ensure_demo_certificate(tmp_path)
    contents = [path.read_bytes() for path in first]

    second = signing.ensure_demo_certificate(tmp_path)

    assert second == first
    assert [path.read_bytes() for path in second] == contents
