from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from scoring.demo import DEMO_PASSWORD, build_demo
from units.models import Unit


class Command(BaseCommand):
    help = _(
        "Build the Tuần Giáo demo: 2021-Q1 closed, 2021-Q2 as in the seed report (every "
        "scorecard approved) and 2021-Q3 in progress, with units, criteria, dossier statistics "
        "and users. Running it again adds nothing."
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
            self.stdout.write(
                _(
                    "Demo of Tuần Giáo built: 2021-Q1 (closed), 2021-Q2 (the seed report) and "
                    "2021-Q3 (in progress)."
                )
            )
        else:
            self.stdout.write(_("The demo is already loaded; nothing was added."))
        self.stdout.write(_("Demo users (password for all: %(pw)s):") % {"pw": DEMO_PASSWORD})
        for username, full_name, role in result.users:
            self.stdout.write(f"  {username:<26} {full_name:<28} {role}")
