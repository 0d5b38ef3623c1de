"""Evidence file checks: the type is read from the content, never trusted from the name.

Accepted: PDF, PNG, JPEG, and Office documents (OOXML .docx/.xlsx/.pptx, legacy .doc/.xls/.ppt).
A file whose content does not match its extension (an .exe renamed .pdf) is refused.
"""

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

OOXML = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
OLE = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}
SIMPLE = {
    ".pdf": (b"%PDF-", "application/pdf"),
    ".png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    ".jpg": (b"\xff\xd8\xff", "image/jpeg"),
    ".jpeg": (b"\xff\xd8\xff", "image/jpeg"),
}
ALLOWED_EXTENSIONS = sorted([*SIMPLE, *OOXML, *OLE])


@dataclass
class CheckedFile:
    name: str
    size: int
    content_type: str
    sha256: str


def _ooxml_ok(upload) -> bool:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            return "[Content_Types].xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False
    finally:
        upload.seek(0)


def _detect(upload, extension: str) -> str | None:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if extension in SIMPLE:
        magic, content_type = SIMPLE[extension]
        return content_type if head.startswith(magic) else None
    if extension in OOXML:
        return OOXML[extension] if head.startswith(b"PK\x03\x04") and _ooxml_ok(upload) else None
    if extension in OLE:
        return OLE[extension] if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") else None
    return None


def check_evidence_file(upload) -> CheckedFile:
    """Validate an uploaded file; raise ValidationError with a message for the user."""
    name = PurePath(upload.name or "").name
    extension = PurePath(name).suffix.lower()
    limit = settings.EVIDENCE_MAX_BYTES
    if not upload.size:
        raise ValidationError(_("The file “%(name)s” is empty.") % {"name": name})
    if upload.size > limit:
        raise ValidationError(
            _("The file “%(name)s” is %(size)s; the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            _("“%(name)s” is not an accepted type. Accepted: %(types)s.")
            % {"name": name, "types": ", ".join(ALLOWED_EXTENSIONS)}
        )
    content_type = _detect(upload, extension)
    if content_type is None:
        raise ValidationError(
            _("The content of “%(name)s” is not a %(ext)s file.") % {"name": name, "ext": extension}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(
        name=name, size=upload.size, content_type=content_type, sha256=digest.hexdigest()
    )
