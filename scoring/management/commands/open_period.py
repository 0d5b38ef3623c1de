import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from criteria.models import CriteriaSet
from scoring.domain import ScoringError
from scoring.periods import open_period
from units.models import Unit


def iso_date(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value)


class Command(BaseCommand):
    help = _(
        "Open a quarter's scoring round: one scorecard for every unit active under the "
        "organiser on the quarter's last day."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organizer", required=True, metavar="UNIT_CODE")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--quarter", required=True, type=int, choices=[1, 2, 3, 4])
        parser.add_argument("--criteria-set", required=True, metavar="CODE")
        parser.add_argument(
            "--set-version", type=int, help=_("version of the set (default: the latest published)")
        )
        parser.add_argument("--self-deadline", type=iso_date, metavar="YYYY-MM-DD")
        parser.add_argument("--review-deadline", type=iso_date, metavar="YYYY-MM-DD")
        parser.add_argument("--basis", default="", help=_("the instruction this round answers"))
        parser.add_argument(
            "--carry-over",
            action="store_true",
            help=_("start each unit's explanations from its previous quarter's"),
        )

    def handle(self, *args, **options):
        organizer = Unit.objects.filter(code=options["organizer"]).first()
        if organizer is None:
            raise CommandError(_("No unit has the code %(code)s.") % {"code": options["organizer"]})
        sets = CriteriaSet.objects.filter(code=options["criteria_set"], status="published")
        if options["set_version"]:
            sets = sets.filter(version=options["set_version"])
        criteria_set = sets.order_by("-version").first()
        if criteria_set is None:
            raise CommandError(
                _("No published criteria set has the code %(code)s.")
                % {"code": options["criteria_set"]}
            )
        try:
            period = open_period(
                organizer,
                options["year"],
                options["quarter"],
                criteria_set,
                self_deadline=options["self_deadline"],
                review_deadline=options["review_deadline"],
                basis_document=options["basis"],
                carry_over=options["carry_over"],
            )
        except ScoringError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            _("Opened %(period)s with %(count)s scorecards.")
            % {"period": period, "count": period.scorecards.count()}
        )
