import re
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reports import domain, excel, pdf, signing
from reports.models import ReportStatus
from reports.snapshot import take_snapshot
from scoring.models import Period, ScorecardStatus


class Command(BaseCommand):
    help = _(
        "Build a period's quarterly report as PDF (and Excel). Without --draft every scorecard "
        "must be approved; an approved report is written from its frozen results."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organizer", required=True, metavar="UNIT_CODE")
        parser.add_argument("--period", required=True, metavar="YYYY-QN", help="e.g. 2021-Q2")
        parser.add_argument("--output", required=True, metavar="FILE.pdf")
        parser.add_argument(
            "--draft", action="store_true", help=_("render current data, marked DỰ THẢO")
        )
        parser.add_argument("--xlsx", metavar="FILE.xlsx", help=_("also write the table to Excel"))
        parser.add_argument("--sign", action="store_true", help=_("sign the PDF (PAdES)"))

    def step(self, message: str) -> None:
        self.started = getattr(self, "started", time.monotonic())
        self.stdout.write(f"[{time.monotonic() - self.started:6.1f} s] {message}")

    def handle(self, *args, **options):
        period = self._period(options["organizer"], options["period"])
        report = domain.report_for(period)
        draft = options["draft"]
        if not draft:
            pending = period.scorecards.exclude(status=ScorecardStatus.APPROVED).count()
            if pending:
                raise CommandError(
                    ngettext(
                        "%(n)s scorecard is not approved; approve it or use --draft.",
                        "%(n)s scorecards are not approved; approve them or use --draft.",
                        pending,
                    )
                    % {"n": pending}
                )
        frozen = report.status != ReportStatus.DRAFT and not draft
        self.step(_("Collecting the results…"))
        snapshot = report.snapshot if frozen else take_snapshot(period)
        units = sum(len(g["units"]) for g in snapshot["groups"])
        self.step(_("Rendering the PDF (%(units)s units)…") % {"units": units})
        rendered = pdf.render_pdf(report, snapshot, draft=draft)
        content = signing.prepare(rendered.content, rendered.signature_box)
        if options["sign"]:
            self.step(_("Signing…"))
            path, password = domain.signing_credentials()
            try:
                content = signing.sign(content, path=path, password=password).content
            except signing.SigningError as exc:
                raise CommandError(str(exc)) from exc
        Path(options["output"]).write_bytes(content)
        self.step(
            _("Wrote %(file)s (%(pages)s pages).")
            % {"file": options["output"], "pages": rendered.pages}
        )
        if options["xlsx"]:
            Path(options["xlsx"]).write_bytes(excel.render_xlsx(report, snapshot))
            self.step(_("Wrote %(file)s.") % {"file": options["xlsx"]})

    def _period(self, organizer: str, code: str) -> Period:
        match = re.fullmatch(r"(\d{4})-Q([1-4])", code)
        if not match:
            raise CommandError(_("The period must look like 2021-Q2."))
        period = Period.objects.filter(
            organizer__code=organizer, year=int(match[1]), quarter=int(match[2])
        ).first()
        if period is None:
            raise CommandError(
                _("%(org)s has no period %(code)s.") % {"org": organizer, "code": code}
            )
        return period
