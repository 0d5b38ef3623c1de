"""Model fields more than one app writes the same way."""

from django.conf import settings
from django.db import models


def person(verbose_name) -> models.ForeignKey:
    """Who did something (approved, signed, closed, imported…): kept when the account is
    deleted as an empty value, never reached back from the user (no reverse accessor)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
