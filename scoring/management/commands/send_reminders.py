from django.core.management.base import BaseCommand
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from scoring import notifications
from scoring.models import PeriodStatus, Reminder, Scorecard, ScorecardStatus


class Command(BaseCommand):
    help = _(
        "Mail the units that have not submitted their scorecard when the deadline is at most "
        "DAYS days away. At most one reminder per unit per day, however often it runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=3, help=_("days before the deadline"))

    def handle(self, *args, **options):
        today = timezone.localdate()
        cards = Scorecard.objects.filter(
            period__status=PeriodStatus.OPEN,
            status__in=ScorecardStatus.unit_editable(),
        ).select_related("unit", "period")
        sent = 0
        for card in cards:
            deadline = card.effective_deadline
            if deadline is None or not 0 <= (deadline - today).days <= options["days"]:
                continue
            if Reminder.objects.filter(scorecard=card, sent_on=today).exists():
                continue  # already reminded today
            recipients = notifications.reminder(card, (deadline - today).days)
            if not recipients:
                continue  # nobody to mail (no address, or the mail server failed): try again
            try:
                with transaction.atomic():
                    Reminder.objects.create(scorecard=card, sent_on=today, recipients=recipients)
            except IntegrityError:
                continue  # another run reminded it meanwhile
            sent += 1
        self.stdout.write(_("Reminders sent to %(n)s units.") % {"n": sent})
