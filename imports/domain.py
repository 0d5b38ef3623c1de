"""Running an import from our own pages: check → preview → confirm, all or nothing.

The pages read an upload with ``imports.tables``, call ``preview`` (a dry run in a rolled-back
transaction: what each row would add or change, old → new), keep the file with ``stage`` while
the user looks, and on confirmation call ``apply``, which runs the same import for real and
returns the ``ImportBatch`` it recorded. A refused file raises ``ImportRefused`` with one
sentence per problem; nothing is written then.
"""

import hashlib
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from django.conf import settings
from django.utils.text import get_valid_filename

from imports.resources import ContractResource, describe_errors, file_line
from scoring.models import ImportBatch, ImportOutcome


class ImportRefused(Exception):
    def __init__(self, messages):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))


@dataclass
class RowChange:
    line: int
    label: str
    kind: str  # "new", "update" or "skip"
    changes: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class ImportPreview:
    rows: list[RowChange]
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    batch: ImportBatch | None = None

    @property
    def changes_anything(self) -> bool:
        return bool(self.added or self.changed)

    @property
    def changed_rows(self) -> list[RowChange]:
        return [row for row in self.rows if row.kind != "skip"]


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _run(resource: ContractResource, dataset, *, dry_run: bool, line_offset, **context):
    content = context.get("content") or b""
    context.setdefault("sha256", sha256_of(content) if content else "")
    result = resource.import_data(dataset, dry_run=dry_run, **context)
    if result.has_errors() or result.has_validation_errors():
        raise ImportRefused(describe_errors(result, resource, line_offset))
    preview = ImportPreview(rows=[])
    for number, row in enumerate(result.rows, 1):
        changes = getattr(row.diff, "changes", [])
        line = file_line(number, line_offset)
        preview.rows.append(RowChange(line, row.object_repr or "", row.import_type, changes))
    preview.added = result.totals.get("new", 0)
    preview.changed = result.totals.get("update", 0)
    preview.unchanged = result.totals.get("skip", 0)
    preview.batch = resource.batch
    return preview


def preview(
    resource: ContractResource, dataset, *, line_offset: int | Sequence[int] = 1, **context
) -> ImportPreview:
    """What importing ``dataset`` would do, nothing written. ``context`` goes to the resource:
    ``user``, ``file_name``, ``content`` (the file's bytes), ``period``… ``line_offset``: the
    file line above the first data row, or each data row's line (``resources.file_line``)."""
    return _run(resource, dataset, dry_run=True, line_offset=line_offset, **context)


def apply(
    resource: ContractResource, dataset, *, line_offset: int | Sequence[int] = 1, **context
) -> ImportPreview:
    """Import ``dataset`` for real; ``.batch`` is the ``ImportBatch`` recorded (None when no
    row changed anything)."""
    return _run(resource, dataset, dry_run=False, line_offset=line_offset, **context)


def earlier_import(kind: str, sha256: str, period=None) -> ImportBatch | None:
    """The last successful import of the very same file for the same purpose, if any."""
    batches = ImportBatch.objects.filter(kind=kind, sha256=sha256, outcome=ImportOutcome.SUCCEEDED)
    if period is not None:
        batches = batches.filter(period=period)
    return batches.select_related("imported_by").order_by("-created_at").first()


# Staging: the uploaded file waits here between the preview and the confirmation.

STAGE_MAX_AGE = 24 * 3600
TOKEN = re.compile(r"[0-9a-f]{64}")


def _stage_dir(user) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "pending" / str(user.pk)


def stage(user, name: str, content: bytes) -> str:
    """Keep an uploaded file for ``user`` until confirmed; returns its token (the sha256)."""
    folder = _stage_dir(user)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if time.time() - old.stat().st_mtime > STAGE_MAX_AGE:
            old.unlink(missing_ok=True)
    token = sha256_of(content)
    for old in folder.glob(f"{token}__*"):
        old.unlink(missing_ok=True)
    safe = get_valid_filename(PurePath(name).name) or "file"
    (folder / f"{token}__{safe}").write_bytes(content)
    return token


def staged(user, token: str) -> tuple[str, bytes] | None:
    """The staged file's name and content, or None if there is no such file (any more)."""
    if not TOKEN.fullmatch(token or ""):
        return None
    found = sorted(_stage_dir(user).glob(f"{token}__*")) if _stage_dir(user).exists() else []
    if not found:
        return None
    path = found[0]
    return path.name.split("__", 1)[1], path.read_bytes()


def unstage(user, token: str) -> None:
    if TOKEN.fullmatch(token or "") and _stage_dir(user).exists():
        for path in _stage_dir(user).glob(f"{token}__*"):
            path.unlink(missing_ok=True)
