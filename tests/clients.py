"""Test clients and small helpers shared by the page tests.

The clients read the interface in English (the language cookie), so messages compare with
their msgids.
"""

from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse


def english(client: Client | None = None) -> Client:
    client = client or Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def client_for(user) -> Client:
    client = english()
    client.force_login(user)
    return client


def flashes(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request)]


def url(card, name: str = "scoring:scorecard") -> str:
    return reverse(name, args=[card.pk])
