"""System checks for a deployment's settings, with stable ids (``manage.py check --deploy``)."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

DEV_KEY_PREFIX = "dev-only-insecure-key"


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs):
    if not settings.DEBUG and settings.SECRET_KEY.startswith(DEV_KEY_PREFIX):
        return [
            Error(
                "SECRET_KEY is the development key while DEBUG is off.",
                hint="Set the SECRET_KEY environment variable to a long random value.",
                id="tthc.E001",
            )
        ]
    return []


@register()
def check_signing(app_configs, **kwargs):
    if settings.SIGNING_DEMO:
        if not settings.DEBUG:
            return [
                Error(
                    "SIGNING_DEMO is on while DEBUG is off: reports would be signed with a demo "
                    "certificate that has no legal value.",
                    hint="Set SIGNING_PKCS12_PATH, SIGNING_PKCS12_PASSWORD and SIGNING_DEMO=false.",
                    id="tthc.E002",
                )
            ]
        return []
    problems = []
    path = settings.SIGNING_PKCS12_PATH
    if path and not Path(path).is_file():
        problems.append(
            Error(
                f"SIGNING_PKCS12_PATH points at {path}, which does not exist.",
                id="tthc.E003",
            )
        )
    if not path:
        problems.append(
            Warning(
                "No signing certificate is configured: reports cannot be signed in the system "
                "(uploading a PDF signed with a USB token still works).",
                hint="Set SIGNING_PKCS12_PATH and SIGNING_PKCS12_PASSWORD.",
                id="tthc.W001",
            )
        )
    if not settings.SIGNING_TRUST_ROOTS:
        problems.append(
            Warning(
                "SIGNING_TRUST_ROOTS is empty: no uploaded signed report can be accepted.",
                hint="List the PEM files of the trusted root certificates, comma-separated.",
                id="tthc.W002",
            )
        )
    return problems
