"""Asking before a destructive or final action, with or without JavaScript.

A view calls ``ask_first`` before it acts. When the POST carries ``confirmed`` the user has
agreed and the view goes on; otherwise it answers a page that says what will happen and posts
the very same fields again, with ``confirmed``. With JavaScript, ``static/js/confirm.js`` asks
in the browser's own dialog (the text of the button's ``data-confirm``) and adds the field, so
that page is skipped; cancelling either sends nothing.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRMED = "confirmed"


def confirmed(request: HttpRequest) -> bool:
    return request.POST.get(CONFIRMED) == "1"


def ask_first(
    request: HttpRequest,
    *,
    title: str,
    question: str,
    confirm_label: str,
    cancel_url: str,
    consequences: list[str] = (),
    warnings: list[str] = (),
    action: str | None = None,
    fields: list[tuple[str, str]] | None = None,
    danger: bool = False,
) -> HttpResponse | None:
    """None once confirmed; else the page that asks. ``fields`` (default: the POST's own) are
    posted again to ``action`` (default: the same address)."""
    if confirmed(request):
        return None
    if fields is None:
        fields = [
            (name, value)
            for name in request.POST
            if name not in ("csrfmiddlewaretoken", CONFIRMED)
            for value in request.POST.getlist(name)
        ]
    context = {
        "title": title,
        "question": question,
        "consequences": consequences,
        "warnings": warnings,
        "confirm_label": confirm_label,
        "cancel_url": cancel_url,
        "action": action or request.get_full_path(),
        "fields": fields,
        "danger": danger,
    }
    return render(request, "confirm.html", context)
