"""The client's address, for the login lockout (django-axes)."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR; behind the proxy (``BEHIND_PROXY``), the address nginx sets in X-Real-IP
    (``proxy_set_header X-Real-IP $remote_addr``), never one a client could send: otherwise
    every user would share the proxy's address, and one office's mistakes would lock all."""
    if settings.BEHIND_PROXY and request.META.get("HTTP_X_REAL_IP"):
        return request.META["HTTP_X_REAL_IP"].strip()
    return request.META.get("REMOTE_ADDR")
