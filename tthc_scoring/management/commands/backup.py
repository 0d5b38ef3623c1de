from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tthc_scoring.backup import BackupError, backup


class Command(BaseCommand):
    help = _("Back up the database and the media folder (with a manifest) into FOLDER.")

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder, **options):
        try:
            manifest = backup(folder)
        except BackupError as exc:
            raise CommandError(exc) from exc
        self.stdout.write(
            _("Backed up %(tables)s tables (%(rows)s rows) and %(files)s files into %(folder)s.")
            % {
                "tables": len(manifest["tables"]),
                "rows": sum(manifest["tables"].values()),
                "files": len(manifest["files"]),
                "folder": folder,
            }
        )
