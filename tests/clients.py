"""Test clients and small helpers shared by the page tests.

The clients read the interface in English (the language cookie), so messages compare with
their msgids.
"""

from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse


class ConfirmingClient(Client):
    """Posts the way a browser does once its user has agreed in a confirmation dialog
    (``static/js/confirm.js`` adds ``confirmed=1``). The confirmation step itself is tested
    with a plain ``Client`` (``asking_client``)."""

    def post(self, path, data=None, *args, **kwargs):
        if data is None:
            data = {"confirmed": "1"}
        elif isinstance(data, dict) and "confirmed" not in data:
            data = {**data, "confirmed": "1"}
        return super().post(path, data, *args, **kwargs)


def asking_client(user) -> Client:
    """A client that never confirms: it sees the confirmation pages, as without JavaScript."""
    client = english(Client())
    client.force_login(user)
    return client


def english(client: Client | None = None) -> Client:
    client = client or ConfirmingClient()
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
