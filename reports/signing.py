"""Signing renderer: PAdES signatures with pyHanko, and validation of externally signed files.

Entry points: ``prepare`` (add the empty, visible signature field to an approved PDF),
``sign`` (sign it with the organisation's PKCS#12 certificate), ``validate_external`` (check
a PDF signed elsewhere, e.g. with a USB token, against the approved report, the trust roots
and the allowed signers), and ``ensure_demo_certificate`` (a clearly labelled demo certificate
for development; ``demo_ca`` and ``demo_signer`` build its parts).
"""

import datetime
import hashlib
import re
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
from pyhanko.sign.diff_analysis import (
    DEFAULT_DIFF_POLICY,
    DiffResult,
    FormUpdatingRule,
    ModificationLevel,
    StandardDiffPolicy,
)
from pyhanko.sign.diff_analysis.constants import ACROFORM_EXEMPT_STRICT_COMPARISON
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

FIELD = "ChuKySo"
# Noto Serif: its metrics work with pyHanko's glyph accumulator (Liberation's drift apart).
FONT = Path(__file__).resolve().parent / "fonts" / "NotoSerif-Regular.ttf"
DEMO_PASSWORD = "demo-signing"
STAMP_FONT_SIZE = 9
DEMO_LABEL = "DEMO - KHÔNG CÓ GIÁ TRỊ PHÁP LÝ"
DEMO_SIGNER = f"Vũ Văn Đức ({DEMO_LABEL})"
DEMO_ORGANISATION = f"UBND huyện Tuần Giáo ({DEMO_LABEL})"


class SigningError(Exception):
    """Signing or validation refused; the message says why, for the user."""


@dataclass
class Signed:
    content: bytes
    sha256: str
    subject: str
    signed_at: datetime.datetime
    common_name: str = ""


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


def stamp_time(moment) -> str:
    """The signing time as the stamp shows it, in the site's time zone and Vietnamese order:
    "14:05 ngày 07/12/2026 (GMT+7)"."""
    local = timezone.localtime(moment)
    offset = local.utcoffset().total_seconds() / 3600
    zone = f"GMT{offset:+.0f}" if offset == int(offset) else f"GMT{offset:+.1f}"
    return f"{local:%H:%M} ngày {local:%d/%m/%Y} ({zone})"


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
        stamp_text="Ký bởi: %(signer)s\nThời gian: %(when)s",
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
    signed_at = timezone.now()
    content = pdf_signer.sign_pdf(
        writer, appearance_text_params={"when": stamp_time(signed_at)}
    ).getvalue()
    return Signed(
        content=content,
        sha256=sha256(content),
        subject=subject,
        signed_at=signed_at,
        common_name=common_name(signer.signing_cert),
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
    common_name: str = ""


# The approved PDF is not signed yet, so the first signature legitimately raises the form's
# /SigFlags (signatures exist, append only); every other rule is pyHanko's default.
APPROVED_TO_SIGNED_POLICY = StandardDiffPolicy(
    global_rules=DEFAULT_DIFF_POLICY.global_rules,
    form_rule=FormUpdatingRule(
        field_rules=DEFAULT_DIFF_POLICY.form_rule.field_rules,
        ignored_acroform_keys=ACROFORM_EXEMPT_STRICT_COMPARISON | {"/SigFlags"},
    ),
)


def validate_external(signed: bytes, approved: bytes, *, signer_name: str) -> Validation:
    """Accept a PDF signed outside the system only if it is the approved report plus signature
    revisions and nothing else, every signature intact and chaining to a trusted root, each
    signer the report's ``signer_name`` or one of ``SIGNING_ALLOWED_SUBJECTS``.

    Refusals raise ``SigningError`` with the reason, checked in this order: readable PDF,
    signed at all, the approved bytes as its start, each signature valid and trusted, nothing
    changed after the last one, no content changed between the approved file and the
    signatures (pyHanko's difference analysis), the signers.
    """
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
    context = trust_context()
    statuses = [validate_pdf_signature(embedded, context) for embedded in signatures]
    for index, status in enumerate(statuses, start=1):
        _check_signature(status, last=index == len(statuses))
    _check_only_signatures_added(reader, approved)
    certificates = [status.signing_cert for status in statuses]
    for certificate in certificates:
        _check_signer(certificate, signer_name)
    return Validation(
        subject="; ".join(certificate.subject.human_friendly for certificate in certificates),
        signed_at=statuses[-1].signer_reported_dt,
        common_name=", ".join(common_name(certificate) for certificate in certificates),
    )


def _check_signature(status, *, last: bool) -> None:
    if not status.intact or not status.valid:
        raise SigningError(_("The signature is not valid: the file was changed after signing."))
    if not status.trusted:
        raise SigningError(
            _("The signing certificate is not trusted (it does not chain to a configured root).")
        )
    changed_after = (
        status.coverage != SignatureCoverageLevel.ENTIRE_FILE
        if last
        else status.modification_level is None
        or status.modification_level > ModificationLevel.FORM_FILLING
    )
    if changed_after or not status.docmdp_ok:
        raise SigningError(_("The file was changed after it was signed."))


def _check_only_signatures_added(reader: PdfFileReader, approved: bytes) -> None:
    """Between the approved file and the signed one, only signature fields may be filled or
    added (and validation data stored): no page content, annotation or other object."""
    base = PdfFileReader(BytesIO(approved), strict=False).xrefs.total_revisions - 1
    result = APPROVED_TO_SIGNED_POLICY.review_file(reader, base)
    if (
        not isinstance(result, DiffResult)
        or result.modification_level > ModificationLevel.FORM_FILLING
    ):
        raise SigningError(
            _(
                "The signed file changes the approved report: content was added or altered "
                "before signing. Only signatures may be added to the approved PDF; sign the "
                "approved PDF as it was downloaded."
            )
        )


def _normalise(name: str) -> str:
    """Case, runs of spaces and spaces around "," and "=" do not matter."""
    return re.sub(r"\s*([,=])\s*", r"\1", " ".join(name.split())).casefold()


def common_name(certificate) -> str:
    """The certificate's common name (the signer's name), as written in it."""
    name = certificate.subject.native.get("common_name", "")
    return name[-1] if isinstance(name, list) else name


def _signer_names(certificate) -> set[str]:
    """The names a certificate answers to: its common name and its full subject (pyHanko's
    form and RFC 4514's), normalised."""
    name = common_name(certificate)
    demo_suffix = f" ({DEMO_LABEL})"
    if settings.SIGNING_DEMO and name.endswith(demo_suffix):
        # The demo certificate is the demo leader's, labelled as having no legal value.
        name = name.removesuffix(demo_suffix)
    rfc4514 = x509.load_der_x509_certificate(certificate.dump()).subject.rfc4514_string()
    return {_normalise(name), _normalise(certificate.subject.human_friendly), _normalise(rfc4514)}


def _check_signer(certificate, signer_name: str) -> None:
    """Refuse a certificate that is neither the report's signer nor an allowed one."""
    allowed = {_normalise(name) for name in settings.SIGNING_ALLOWED_SUBJECTS}
    if signer_name.strip():
        allowed.add(_normalise(signer_name))
    if allowed & _signer_names(certificate):
        return
    name = common_name(certificate)
    if not signer_name.strip():
        raise SigningError(
            _(
                "The report names no signer, and %(name)s is not on the list of allowed "
                "signers. Withdraw the approval and enter the signer's name."
            )
            % {"name": name}
        )
    raise SigningError(
        _(
            "The file is signed by %(name)s, who is neither the report's signer "
            "(%(signer)s) nor on the list of allowed signers."
        )
        % {"name": name, "signer": signer_name.strip()}
    )


def ensure_demo_certificate(folder: Path) -> tuple[Path, Path]:
    """Create (once) a demo CA and a signer PKCS#12, clearly labelled as having no legal value.

    Returns (the PKCS#12 path, the CA certificate path). Password: ``DEMO_PASSWORD``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    p12_path, ca_path = folder / "demo-signer.p12", folder / "demo-ca.pem"
    if p12_path.is_file() and ca_path.is_file():
        return p12_path, ca_path
    ca_key, ca_cert = demo_ca()
    p12_path.write_bytes(
        demo_signer(
            ca_key,
            ca_cert,
            common_name=DEMO_SIGNER,
            organisation=DEMO_ORGANISATION,
        )
    )
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    return p12_path, ca_path


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def demo_ca() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A self-signed demo certificate authority (its key is kept only in memory)."""
    now = datetime.datetime.now(datetime.UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"TTHC Scoring {DEMO_LABEL}"),
            x509.NameAttribute(NameOID.COMMON_NAME, "TTHC Scoring Demo CA"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def demo_signer(
    ca_key: rsa.RSAPrivateKey, ca_cert: x509.Certificate, *, common_name: str, organisation: str
) -> bytes:
    """A PKCS#12 (password ``DEMO_PASSWORD``) for a signer certified by the demo CA."""
    now = datetime.datetime.now(datetime.UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        b"demo-signer",
        key,
        cert,
        [ca_cert],
        serialization.BestAvailableEncryption(DEMO_PASSWORD.encode()),
    )
