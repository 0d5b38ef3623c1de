"""Test clients that read the interface in English, so messages compare with their msgids."""

from django.conf import settings
from django.test import Client


def english(client: Client | None = None) -> Client:
    client = client or Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
