"""Back up and restore everything the application holds: the PostgreSQL database
(``pg_dump --format=custom``) and the media folder (evidence, issued and signed PDFs,
imported files), with a manifest of every table's row count and every file's sha256 that a
restore is checked against. ``manage.py backup`` and ``manage.py restore`` are the commands."""

import hashlib
import json
import os
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _


class BackupError(Exception):
    pass


def _require_postgresql() -> dict:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError(
            _("Backups are made of PostgreSQL databases; this one is %(engine)s.")
            % {"engine": db["ENGINE"].rsplit(".", 1)[-1]}
        )
    return db


def _pg(tool: str, db: dict, *arguments: str) -> None:
    command = [tool, "--no-owner", "--no-privileges", *arguments]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            command += [option, str(db[key])]
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{tool}: {result.stderr.strip()}")


def row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def file_hashes(root: Path) -> dict[str, str]:
    hashes = {}
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            hashes[path.relative_to(root).as_posix()] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    return hashes


def backup(folder: Path) -> dict:
    """Write ``database.dump``, ``media.tar`` and ``manifest.json`` into ``folder``."""
    db = _require_postgresql()
    folder.mkdir(parents=True, exist_ok=True)
    media = Path(settings.MEDIA_ROOT)
    manifest = {
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "tables": row_counts(),
        "files": file_hashes(media),
    }
    _pg("pg_dump", db, "--format=custom", "--file", str(folder / "database.dump"), db["NAME"])
    with tarfile.open(folder / "media.tar", "w") as archive:
        if media.is_dir():
            archive.add(media, arcname=".")
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return manifest


def restore(folder: Path) -> dict:
    """Restore ``folder`` into the (empty) configured database and media folder, then compare
    every table's row count and every file's sha256 with the manifest."""
    db = _require_postgresql()
    manifest = json.loads((folder / "manifest.json").read_text())
    if any(row_counts().values()):
        raise BackupError(_("The database is not empty: restore only into a new database."))
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir() and any(media.iterdir()):
        raise BackupError(_("The media folder %(path)s is not empty.") % {"path": media})
    connection.close()
    _pg("pg_restore", db, "--exit-on-error", "--dbname", db["NAME"], str(folder / "database.dump"))
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / "media.tar") as archive:
        archive.extractall(media, filter="data")
    found = {"tables": row_counts(), "files": file_hashes(media)}
    problems = [
        _("Table %(table)s: %(found)s rows, %(expected)s in the backup.")
        % {"table": table, "found": found["tables"].get(table), "expected": n}
        for table, n in manifest["tables"].items()
        if found["tables"].get(table) != n
    ] + [
        _("File %(name)s differs from the backup.") % {"name": name}
        for name, digest in manifest["files"].items()
        if found["files"].get(name) != digest
    ]
    if problems:
        raise BackupError(problems)
    return found
