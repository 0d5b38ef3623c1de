"""A mail backend whose server is down, for testing that a mail failure saves the step anyway."""

from smtplib import SMTPServerDisconnected

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise SMTPServerDisconnected("the mail server is down")


class BrokenBackend(BaseEmailBackend):
    """A backend failing in a way no mail server would: a bug, a bad setting, a refused header."""

    def send_messages(self, email_messages):
        raise RuntimeError("the mail backend is misconfigured")
