"""Names from the libraries the admin shows (django-auditlog, django-axes), which ship no
Vietnamese: marked here so that our catalogue translates them (LOCALE_PATHS comes first)."""

from django.utils.translation import gettext_noop

NAMES = [
    gettext_noop("Audit log"),
    gettext_noop("log entry"),
    gettext_noop("log entries"),
    gettext_noop("actor"),
    gettext_noop("remote address"),
    gettext_noop("timestamp"),
    gettext_noop("change message"),
    gettext_noop("object representation"),
    gettext_noop("Axes"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
]
