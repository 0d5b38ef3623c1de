from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from criteria.loader import CriteriaFileError, load_criteria_file


class Command(BaseCommand):
    help = _("Load or update a criteria set from a YAML file (format: criteria/sets/README.md).")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help=_("criteria set YAML file"))

    def handle(self, *args, **options):
        for path in options["files"]:
            try:
                result = load_criteria_file(path)
            except CriteriaFileError as exc:
                raise CommandError(
                    _("%(file)s: %(item)s: %(reason)s. Nothing was loaded.")
                    % {"file": exc.path, "item": exc.item, "reason": exc.reason}
                ) from exc
            messages = {
                "created": _("Created %(set)s from %(file)s."),
                "updated": _("Updated draft %(set)s from %(file)s."),
                "unchanged": _("%(set)s is already loaded and unchanged."),
            }
            self.stdout.write(messages[result.outcome] % {"set": result.criteria_set, "file": path})
