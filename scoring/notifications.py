"""E-mail to the people a workflow step concerns (Django's mail; console backend by default).

Mail is sent after the transaction commits, so a refused or rolled-back step mails nobody.
A notification never breaks the request: whatever goes wrong while mailing (the server is
down, a header is refused, a template fails) is logged and kept as a ``MailFailure`` row that
administrators see, and the step stays saved.
"""

import logging

from django.conf import settings
from django.core.mail import send_mass_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from scoring.models import MailFailure, Scorecard, Transition
from units.access import members, overseers
from units.models import Role

logger = logging.getLogger(__name__)


def _addresses(users) -> list[str]:
    return sorted(set(users.exclude(email="").values_list("email", flat=True)))


def reviewers_of(card: Scorecard) -> list[str]:
    """The reviewers of the unit that organised the card's period, except the unit's own
    people (nobody reviews their own unit)."""
    reviewers = overseers(card.period.organizer, Role.REVIEWER).exclude(memberships__unit=card.unit)
    return _addresses(reviewers)


def staff_of(card: Scorecard) -> list[str]:
    return _addresses(members(card.unit, Role.UNIT_STAFF))


def one_line(text: str) -> str:
    """A mail subject is a single header line: fold any line breaks and runs of spaces."""
    return " ".join(str(text).split())


def _send(subject: str, template: str, context: dict, recipients: list[str], card=None) -> int:
    """One message per recipient (nobody sees the others' addresses); returns how many went."""
    if not recipients:
        return 0
    subject = one_line(subject)
    try:
        body = render_to_string(template, context)
        messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [to]) for to in recipients]
        return send_mass_mail(messages)
    except Exception as exc:  # the step is saved; no mail problem may undo it
        _record_failure(subject, recipients, exc, card)
        return 0


def _record_failure(subject: str, recipients: list[str], exc: Exception, card) -> None:
    logger.exception("Could not send %r to %s", subject, recipients)
    try:
        MailFailure.objects.create(
            subject=subject[:300],
            recipients=", ".join(recipients),
            error=f"{type(exc).__name__}: {exc}",
            scorecard=card,
        )
    except Exception:  # e.g. the database is gone too: the log line stays
        logger.exception("Could not record the mail failure")


def _link(name: str, pk: int) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=[pk])


# transition → (subject, template, page the link opens, who is mailed)
MAILS = {
    Transition.SUBMIT: (
        gettext_noop("%(unit)s submitted its scorecard for %(period)s"),
        "emails/submitted.txt",
        "scoring:review",
        reviewers_of,
    ),
    Transition.RETURN: (
        gettext_noop("Your scorecard for %(period)s was returned for correction"),
        "emails/returned.txt",
        "scoring:scorecard",
        staff_of,
    ),
    Transition.APPROVE: (
        gettext_noop("Your scorecard for %(period)s was approved"),
        "emails/approved.txt",
        "scoring:scorecard",
        staff_of,
    ),
}


def after_transition(scorecard_id: int, name: str, note: str) -> int:
    """Mail the reviewers on submit, the unit's staff on return and approval. Never raises."""
    if name not in MAILS:
        return 0
    subject, template, link, recipients_of = MAILS[name]
    try:
        card = Scorecard.objects.select_related("unit", "period__organizer").get(pk=scorecard_id)
        with translation.override(settings.LANGUAGE_CODE):
            subject = _(subject) % {"unit": card.unit.name, "period": card.period.code}
            context = {"card": card, "note": note, "link": _link(link, card.pk)}
            return _send(subject, template, context, recipients_of(card), card)
    except Exception as exc:  # see the module docstring
        _record_failure(f"{name} #{scorecard_id}", [], exc, None)
        return 0


def reminder(card, days_left: int) -> int:
    """Remind a unit's staff that their scorecard is not submitted yet."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Reminder: submit your scorecard for %(period)s") % {"period": card.period.code}
        context = {
            "card": card,
            "days_left": days_left,
            "link": _link("scoring:scorecard", card.pk),
        }
        return _send(subject, "emails/reminder.txt", context, staff_of(card), card)
