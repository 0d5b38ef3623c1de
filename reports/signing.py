"""Signing renderer: PAdES signatures with pyHanko, and validation of externally signed files.

Entry points: ``prepare`` (add the empty, visible signature field to an approved PDF),
``sign`` (sign it with the organisation's PKCS#12 certificate), ``validate_external`` (check
a PDF signed elsewhere, e.g. with a USB token, against the approved report and the trust
roots), and ``ensure_demo_certificate`` (a clearly labelled demo certificate for development).
"""

import datetime
import hashlib
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

FIELD = "ChuKySo"
# Noto Serif: its metrics work with pyHanko's glyph accumulator (Liberation's drift apart).
FONT = Path(__file__).resolve().parent / "fonts" / "NotoSerif-Regular.ttf"
DEMO_PASSWORD = "demo-signing"
STAMP_FONT_SIZE = 9
DEMO_LABEL = "DEMO - KHÔNG CÓ GIÁ TRỊ PHÁP LÝ"


class SigningError(Exception):
    """Signing or validation refused; the message says why, for the user."""


@dataclass
class Signed:
    content: bytes
    sha256: str
    subject: str
    signed_at: datetime.datetime


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def prepare(pdf: bytes, box: tuple[int, tuple[float, float, float, float]] | None) -> bytes:
    """Add an empty signature field over the signature space (page, box in PDF points)."""
    if box is None:
        return pdf
    page, rect = box
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    fields.append_signature_field(
        writer, fields.SigFieldSpec(sig_field_name=FIELD, on_page=page, box=rect)
    )
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _load_signer(path: str, password: str) -> signers.SimpleSigner:
    if not path:
        raise SigningError(_("No signing certificate is configured (SIGNING_PKCS12_PATH)."))
    if not Path(path).is_file():
        raise SigningError(
            _("The signing certificate file %(path)s does not exist.") % {"path": path}
        )
    try:
        signer = signers.SimpleSigner.load_pkcs12(pfx_file=path, passphrase=password.encode())
    except (ValueError, OSError) as exc:
        raise SigningError(
            _("The signing certificate could not be opened: wrong password?")
        ) from exc
    if signer is None:
        raise SigningError(_("The signing certificate could not be opened: wrong password?"))
    return signer


def sign(pdf: bytes, *, path: str, password: str, reason: str = "") -> Signed:
    """Sign the prepared PDF (PAdES baseline) with a visible stamp in the signature field."""
    signer = _load_signer(path, password)
    subject = signer.signing_cert.subject.human_friendly
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None,
        location=None,
    )
    style = TextStampStyle(
        stamp_text="Ký bởi: %(signer)s\nThời gian: %(ts)s",
        timestamp_format="%Y-%m-%dT%H:%M:%S%z",
        # The font engine and the text box must agree on the size, or glyphs drift apart.
        text_box_style=TextBoxStyle(
            font=GlyphAccumulatorFactory(str(FONT), font_size=STAMP_FONT_SIZE),
            font_size=STAMP_FONT_SIZE,
        ),
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    if FIELD not in {name for name, *_rest in fields.enumerate_sig_fields(writer)}:
        fields.append_signature_field(writer, fields.SigFieldSpec(sig_field_name=FIELD))
    pdf_signer = signers.PdfSigner(meta, signer=signer, stamp_style=style)
    content = pdf_signer.sign_pdf(writer).getvalue()
    return Signed(
        content=content, sha256=sha256(content), subject=subject, signed_at=timezone.now()
    )


def trust_context() -> ValidationContext:
    paths = [Path(p) for p in settings.SIGNING_TRUST_ROOTS]
    if settings.SIGNING_DEMO:
        paths.append(Path(settings.SIGNING_DIR) / "demo-ca.pem")
    roots = [load_cert_from_pemder(str(path)) for path in paths if path.is_file()]
    return ValidationContext(trust_roots=roots, allow_fetching=False)


@dataclass
class Validation:
    subject: str
    signed_at: datetime.datetime | None


def validate_external(signed: bytes, approved: bytes) -> Validation:
    """Accept a PDF signed outside the system only if it is the approved report, signed by a
    certificate chaining to a trusted root, intact, and unchanged since it was signed."""
    try:
        reader = PdfFileReader(BytesIO(signed), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # pyHanko raises several types on a damaged or non-PDF file
        raise SigningError(_("The file is not a readable PDF.")) from exc
    if not signatures:
        raise SigningError(_("The PDF carries no digital signature."))
    if not signed.startswith(approved):
        raise SigningError(
            _("The signed content is not the approved report: sign the approved PDF itself.")
        )
    embedded = signatures[-1]
    status = validate_pdf_signature(embedded, trust_context())
    if not status.intact or not status.valid:
        raise SigningError(_("The signature is not valid: the file was changed after signing."))
    if not status.trusted:
        raise SigningError(
            _("The signing certificate is not trusted (it does not chain to a configured root).")
        )
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        raise SigningError(_("The file was changed after it was signed."))
    return Validation(
        subject=status.signing_cert.subject.human_friendly,
        signed_at=status.signer_reported_dt,
    )


def ensure_demo_certificate(folder: Path) -> tuple[Path, Path]:
    """Create (once) a demo CA and a signer PKCS#12, clearly labelled as having no legal value.

    Returns (the PKCS#12 path, the CA certificate path). Password: ``DEMO_PASSWORD``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    p12_path, ca_path = folder / "demo-signer.p12", folder / "demo-ca.pem"
    if p12_path.is_file() and ca_path.is_file():
        return p12_path, ca_path
    now = datetime.datetime.now(datetime.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"TTHC Scoring {DEMO_LABEL}"),
            x509.NameAttribute(NameOID.COMMON_NAME, "TTHC Scoring Demo CA"),
        ]
    )
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"UBND huyện Tuần Giáo ({DEMO_LABEL})"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Vũ Văn Đức ({DEMO_LABEL})"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    p12 = pkcs12.serialize_key_and_certificates(
        b"demo-signer",
        key,
        cert,
        [ca_cert],
        serialization.BestAvailableEncryption(DEMO_PASSWORD.encode()),
    )
    p12_path.write_bytes(p12)
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    return p12_path, ca_path
