"""Secure by default: the production environment passes Django's deployment checks, every
page sends a Content-Security-Policy and the other security headers, sessions end when idle,
and privileged users' sessions end with the browser."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from reports import signing
from tests.clients import client_for

BASE_DIR = Path(__file__).resolve().parent.parent


def production_environment(tmp_path) -> dict:
    """The variables README.md's production table asks for, with a real certificate."""
    p12, ca = signing.ensure_demo_certificate(tmp_path)
    return {
        # The machine's own environment, less what the test run itself sets (the browser
        # tests allow sync ORM calls in the event loop: never in a deployment).
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DEBUG", "SIGNING", "DJANGO_ALLOW_ASYNC_UNSAFE", "TTHC_"))
        },
        "TTHC_ENV": "production",
        "SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-" + "x" * 20,
        "ALLOWED_HOSTS": "tthc.dienbien.example",
        "CSRF_TRUSTED_ORIGINS": "https://tthc.dienbien.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SIGNING_DEMO": "false",
        "SIGNING_PKCS12_PATH": str(p12),
        "SIGNING_PKCS12_PASSWORD": signing.DEMO_PASSWORD,
        "SIGNING_TRUST_ROOTS": str(ca),
        "EMAIL_HOST": "mail.dienbien.example",
    }


def test_check_deploy_with_the_documented_production_environment_reports_nothing(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_turns_every_protection_on(tmp_path):
    env = production_environment(tmp_path)
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'tthc_scoring.settings';"
        "django.setup(); from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER,"
        " s.MAILERS['default']['BACKEND'].rsplit('.', 2)[-2])"
    )

    out = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    ).stdout.strip()

    assert out == "False True True True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https') smtp"


@pytest.mark.django_db
def test_every_page_sends_a_content_security_policy_and_the_other_headers(client, staff, card):
    pages = [client.get(reverse("login"))]
    client.force_login(staff)
    pages.append(client.get(reverse("scoring:scorecard", args=[card.pk])))

    for page in pages:
        policy = page.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self'" in policy  # plus the request's nonce when a page uses it
        assert "style-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert page.headers["Referrer-Policy"] == "same-origin"
        assert page.headers["X-Frame-Options"] == "DENY"
        assert "camera=()" in page.headers["Permissions-Policy"]


def test_no_page_template_has_inline_script_or_style():
    offenders = []
    for path in (BASE_DIR / "templates").rglob("*.html"):
        if path.name == "document.html":  # rendered to PDF by WeasyPrint, never served
            continue
        # A style block is allowed with the request's nonce (the dashboards' band colours).
        text = path.read_text().replace('<style nonce="{{ csp_nonce }}">', "")
        if "style=" in text or "<style" in text or "<script>" in text or " on" + "click=" in text:
            offenders.append(path.name)
    assert offenders == []


@pytest.mark.django_db
def test_a_session_is_pushed_back_at_most_every_few_minutes(client, staff, settings):
    client.force_login(staff)
    client.get(reverse("home"))
    first = client.session["_touched"]

    client.get(reverse("home"))
    assert client.session["_touched"] == first  # not rewritten on every request

    session = client.session
    session["_touched"] = int(time.time()) - settings.SESSION_TOUCH_SECONDS - 1
    session.save()
    client.get(reverse("home"))
    assert client.session["_touched"] >= int(time.time()) - 2  # pushed back: idle clock reset
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


@pytest.mark.django_db
def test_an_idle_session_is_over(client, staff, settings):
    settings.SESSION_COOKIE_AGE = 1
    client.force_login(staff)
    time.sleep(1.2)

    response = client.get(reverse("home"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "at_browser_close"), [("staff", False), ("reviewer", True)])
def test_privileged_sessions_end_with_the_browser(client, request, who, at_browser_close):
    user = request.getfixturevalue(who)

    client.post(
        reverse("login"), {"username": user.username, "password": "correct horse battery staple"}
    )

    assert client.session.get_expire_at_browser_close() is at_browser_close


@pytest.mark.django_db
def test_evidence_keeps_its_own_sandbox_policy(card, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from scoring.domain import add_evidence
    from scoring.files import check_evidence_file

    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    evidence = add_evidence(card.scores.first(), upload, check_evidence_file(upload))

    response = client_for(staff).get(reverse("scoring:evidence", args=[evidence.pk]))

    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert settings.SECURE_CSP  # the site's policy is on, the view's own wins


def test_production_static_files_have_hashed_compressed_names_served_by_the_app(tmp_path):
    env = production_environment(tmp_path) | {"STATIC_ROOT": str(tmp_path / "static")}
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stderr

    import json

    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/app.css"]
    assert hashed != "css/app.css" and hashed.startswith("css/app.")
    assert (tmp_path / "static" / f"{hashed}.gz").is_file()

    serve = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'tthc_scoring.settings';"
        "django.setup(); from django.test import Client;"
        f"r = Client().get('/static/{hashed}', secure=True, HTTP_HOST='tthc.dienbien.example');"
        "print(r.status_code, r.headers.get('Cache-Control'))"
    )
    served = subprocess.run(
        [sys.executable, "-c", serve], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert served.stdout.split()[0] == "200", served.stdout + served.stderr
    assert "immutable" in served.stdout


def test_production_logs_are_one_json_object_a_line(tmp_path):
    code = (
        "import django, os, logging;"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'tthc_scoring.settings'; django.setup();"
        "logging.getLogger('scoring').warning('Không gửi được thư cho %s', 'Xã Quài Cang')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=production_environment(tmp_path),
        capture_output=True,
        text=True,
    )

    import json

    lines = [line for line in result.stderr.splitlines() if line.startswith("{")]
    entry = json.loads(lines[-1])
    assert entry["level"] == "WARNING" and entry["logger"] == "scoring"
    assert entry["message"] == "Không gửi được thư cho Xã Quài Cang"
