from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tthc_scoring.backup import BackupError, restore


class Command(BaseCommand):
    help = _(
        "Restore a backup FOLDER into the empty configured database and media folder, and "
        "check every table's row count and every file's checksum against its manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder, **options):
        try:
            found = restore(folder)
        except BackupError as exc:
            message = exc.args[0]
            raise CommandError(" ".join(message) if isinstance(message, list) else message) from exc
        self.stdout.write(
            _("Restored and checked %(tables)s tables and %(files)s files.")
            % {"tables": len(found["tables"]), "files": len(found["files"])}
        )
