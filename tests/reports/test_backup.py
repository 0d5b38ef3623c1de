"""Backup → restore, proven: a populated database and its media folder (evidence files, the
approved and the signed PDF) dumped, restored into an empty database, and every table's row
count and every stored file's sha256 compared. PostgreSQL only (production's database)."""

import hashlib
import os
import secrets
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils.translation import override

from reports import domain
from tthc_scoring.backup import BackupError, backup, file_hashes

BASE_DIR = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("backups are made of PostgreSQL databases (DATABASE_URL=postgres://…)")


@pytest.fixture
def empty_database(postgresql):
    db = settings.DATABASES["default"]
    name = f"tthc_restore_{secrets.token_hex(4)}"
    params = {k: db[v] for k, v in (("host", "HOST"), ("port", "PORT"), ("user", "USER")) if db[v]}
    admin = psycopg2.connect(dbname="postgres", **params)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    yield name, params
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def test_a_backup_restores_every_row_and_every_file_signed_pdfs_included(
    approved_report, leader, empty_database, tmp_path
):
    signed = domain.sign(approved_report, actor=leader)
    assert signed.signed_pdf and signed.pdf
    folder = tmp_path / "backup"

    manifest = backup(folder)

    assert signed.signed_pdf.name in manifest["files"]
    assert manifest["tables"]["scoring_scorecard"] == 5
    name, params = empty_database
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    restored_media = tmp_path / "restored-media"
    env = {**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": str(restored_media)}

    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(folder)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    with psycopg2.connect(dbname=name, **params) as restored, restored.cursor() as cursor:
        for table, count in manifest["tables"].items():
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            assert cursor.fetchone()[0] == count, table
    assert file_hashes(restored_media) == manifest["files"]
    stored = (restored_media / signed.signed_pdf.name).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == signed.signed_sha256


def test_restoring_into_a_database_that_is_not_empty_is_refused(postgresql, period, tmp_path):
    backup(tmp_path / "backup")

    from tthc_scoring.backup import restore

    with override("en"), pytest.raises(BackupError) as error:
        restore(tmp_path / "backup")

    assert str(error.value) == "The database is not empty: restore only into a new database."


def test_a_backup_of_sqlite_is_refused_with_a_clear_message(settings, tmp_path):
    if connection.vendor == "postgresql":
        pytest.skip("the refusal is for SQLite")

    with pytest.raises(Exception) as error:
        call_command("backup", str(tmp_path / "b"))

    assert "PostgreSQL" in str(error.value)
