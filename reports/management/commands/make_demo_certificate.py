from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from reports import signing


class Command(BaseCommand):
    help = _(
        "Create the demo signing certificate (no legal value) used when no real certificate is "
        "configured in development. Does nothing if it exists or a real one is configured."
    )

    def handle(self, *args, **options):
        if not settings.SIGNING_DEMO:
            self.stdout.write(_("A signing certificate is configured; no demo certificate made."))
            return
        p12, ca = signing.ensure_demo_certificate(settings.SIGNING_DIR)
        self.stdout.write(
            _("Demo signing certificate: %(p12)s (password %(pw)s), demo CA: %(ca)s.")
            % {"p12": p12, "pw": signing.DEMO_PASSWORD, "ca": ca}
        )
