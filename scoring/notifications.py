"""E-mail to the people a workflow step concerns (Django's mail; console backend by default).

Mail is sent after the transaction commits, so a refused or rolled-back step mails nobody.
"""

import logging
from smtplib import SMTPException

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from units.models import Role, Unit

logger = logging.getLogger(__name__)


def ancestors(unit: Unit) -> list[Unit]:
    found, current = [], unit
    while current.parent_id is not None:
        current = current.parent
        found.append(current)
    return found


def addresses(units: list[Unit], role: str) -> list[str]:
    users = (
        get_user_model()
        .objects.filter(memberships__unit__in=units, memberships__role=role, is_active=True)
        .exclude(email="")
    )
    return sorted(set(users.values_list("email", flat=True)))


def reviewers_of(unit: Unit) -> list[str]:
    return addresses([unit, *ancestors(unit)], Role.REVIEWER)


def staff_of(unit: Unit) -> list[str]:
    return addresses([unit], Role.UNIT_STAFF)


def _send(subject: str, template: str, context: dict, recipients: list[str]) -> int:
    """One message per recipient (nobody sees the others' addresses). A mail server error is
    logged, never shown to the user whose step has already been saved."""
    if not recipients:
        return 0
    body = render_to_string(template, context)
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [to]) for to in recipients]
    try:
        return send_mass_mail(messages)
    except (OSError, SMTPException):
        logger.exception("Could not send %r to %s", subject, recipients)
        return 0


def _link(name: str, pk: int) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=[pk])


def after_transition(scorecard_id: int, name: str, note: str) -> int:
    """Mail the reviewers on submit, the unit's staff on return and approval."""
    from scoring.models import Scorecard

    card = Scorecard.objects.select_related("unit", "period__organizer").get(pk=scorecard_id)
    context = {"card": card, "note": note}
    with translation.override(settings.LANGUAGE_CODE):
        if name == "submit":
            context["link"] = _link("scoring:review", card.pk)
            subject = _("%(unit)s submitted its scorecard for %(period)s")
            recipients, template = reviewers_of(card.unit), "emails/submitted.txt"
        elif name in ("return", "approve"):
            context["link"] = _link("scoring:scorecard", card.pk)
            if name == "return":
                subject = _("Your scorecard for %(period)s was returned for correction")
            else:
                subject = _("Your scorecard for %(period)s was approved")
            template = {"return": "emails/returned.txt", "approve": "emails/approved.txt"}[name]
            recipients = staff_of(card.unit)
        else:
            return 0
        subject = subject % {"unit": card.unit.name, "period": card.period.code}
        return _send(subject, template, context, recipients)


def reminder(card, days_left: int) -> int:
    """Remind a unit's staff that their scorecard is not submitted yet."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Reminder: submit your scorecard for %(period)s") % {"period": card.period.code}
        context = {
            "card": card,
            "days_left": days_left,
            "link": _link("scoring:scorecard", card.pk),
        }
        return _send(subject, "emails/reminder.txt", context, staff_of(card.unit))
