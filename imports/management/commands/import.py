"""django-import-export's ``import`` command, made strict for the product's resources.

The library's command reports a file with invalid rows as "Import finished" with exit status
0 (it only checks ``has_errors``). For a ``ContractResource`` this version reads the file with
the same checks as the pages (size, real type, UTF-8, row limit), imports all or nothing,
prints every refused row and column in Vietnamese and exits with status 1. Other resources go
to the library's command unchanged.
"""

import importlib
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from import_export.command_utils import get_resource_class

from imports import domain
from imports.resources import ContractResource
from imports.tables import read_table

# "import" is a keyword, so the library's command module is loaded by name.
LibraryCommand = importlib.import_module("import_export.management.commands.import").Command


class Command(LibraryCommand):
    def handle(self, *args, **options):
        resource = get_resource_class(options["resource"])()
        if not isinstance(resource, ContractResource) or options["import_file_name"] == "-":
            return super().handle(*args, **options)
        if options["interactive"] and input(_("Import this file? [yes/no]: ")) != "yes":
            raise CommandError(_("Import cancelled."))
        path = Path(options["import_file_name"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(str(exc)) from None
        run = domain.preview if options["dry_run"] else domain.apply
        try:
            dataset = read_table(path.name, content)
            outcome = run(resource, dataset, file_name=path.name, content=content)
        except (ValidationError, domain.ImportRefused) as exc:
            self.stderr.write(self.style.ERROR(_("Nothing was imported:")))
            for message in exc.messages:
                self.stderr.write(self.style.ERROR(f"  {message}"))
            sys.exit(1)
        verb = _("Would import") if options["dry_run"] else _("Imported")
        self.stdout.write(
            _("%(verb)s %(file)s: %(added)s added, %(changed)s changed, %(unchanged)s unchanged.")
            % {
                "verb": verb,
                "file": path.name,
                "added": outcome.added,
                "changed": outcome.changed,
                "unchanged": outcome.unchanged,
            }
        )
