import time

from django.conf import settings
from django.utils import translation


class LanguageMiddleware:
    """Vietnamese unless the user chose another language (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and many officials'
    browsers are set to English; the product speaks Vietnamese by default.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # Only for this request: the thread goes back to the default language afterwards, so
        # one user's choice never leaks into whatever the thread runs next.
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class SecurityHeadersMiddleware:
    """The headers Django has no setting for: Permissions-Policy (``PERMISSIONS_POLICY``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class SessionIdleMiddleware:
    """End a session after ``SESSION_COOKIE_AGE`` seconds without a request.

    Django's session expires that long after it was last saved. Saving it on every request
    (``SESSION_SAVE_EVERY_REQUEST``) would write the session row on every page; instead the
    session is marked changed at most once every ``SESSION_TOUCH_SECONDS``, which pushes the
    expiry back, so the idle limit holds to within that many seconds.
    """

    KEY = "_touched"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= settings.SESSION_TOUCH_SECONDS:
                session[self.KEY] = now
        return self.get_response(request)


def end_privileged_sessions_with_the_browser(sender, request, user, **kwargs):
    """Reviewers, leaders and administrators sign official documents: their session ends
    when the browser closes (a unit's staff keep theirs for the idle time)."""
    from units.models import Membership, Role

    privileged = user.is_staff or user.is_superuser
    privileged = (
        privileged
        or Membership.objects.filter(user=user, role__in=[Role.REVIEWER, Role.LEADER]).exists()
    )
    if privileged:
        request.session.set_expiry(0)
