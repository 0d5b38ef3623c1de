from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from scoring.demo import DEMO_PASSWORD, build_demo
from units.models import Unit


class Command(BaseCommand):
    help = _(
        "Build the Tuần Giáo Q2/2021 demo (units, criteria, approved scorecards, dossier "
        "statistics, users). Running it again adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("do nothing when the database already has units"),
        )

    def handle(self, *args, **options):
        if options["if_empty"] and Unit.objects.exists():
            self.stdout.write(_("The database already has data; the demo was not loaded."))
            return
        result = build_demo()
        if result.created:
            self.stdout.write(_("Demo quarter 2021-Q2 of Tuần Giáo built."))
        else:
            self.stdout.write(_("The demo is already loaded; nothing was added."))
        self.stdout.write(_("Demo users (password for all: %(pw)s):") % {"pw": DEMO_PASSWORD})
        for username, full_name, role in result.users:
            self.stdout.write(f"  {username:<26} {full_name:<28} {role}")
