"""Settings for TTHC Scoring: one module, runs with no configuration.

Everything a deployment sets comes from the environment; the defaults are safe for
development (SQLite in the project folder, DEBUG on, localhost only).
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    return os.getenv(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: str) -> int:
    return int(os.getenv(name, default))


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


# One variable chooses the deployment: TTHC_ENV=production turns DEBUG off and every
# protection a public server needs on (HTTPS-only cookies, HSTS, the redirect to HTTPS, the
# proxy's scheme header), each of which can still be set on its own below.
ENVIRONMENT = os.getenv("TTHC_ENV", "development").strip().lower()
PRODUCTION = ENVIRONMENT == "production"

DEBUG = envbool("DEBUG", "false" if PRODUCTION else "true")
SECRET_KEY = os.getenv("SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "imports",  # before import_export: its strict ``import`` command replaces the library's
    "import_export",
    "django_tasks_db",
    "axes",
    "auditlog",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "tthc_scoring",
    "units",
    "criteria",
    "scoring",
    "reports",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tthc_scoring.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "tthc_scoring.uploads.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "tthc_scoring.twofactor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "tthc_scoring.middleware.SecurityHeadersMiddleware",
    "tthc_scoring.middleware.SessionIdleMiddleware",
    "auditlog.middleware.AuditlogMiddleware",  # who made each change (the audit log)
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # Static files from the application itself, under hashed, compressed names (STORAGES), so
    # the proxy needs no static folder of its own. In development runserver serves them.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "tthc_scoring.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "tthc_scoring.wsgi.application"

# SQLite is the embedded default; DATABASE_URL (postgres://...) selects PostgreSQL.
# Persistent connections are checked before reuse, so a database restart costs the requests
# in flight and nothing more.
DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", "60"),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Many units save at once before a deadline. Write transactions take SQLite's write lock
    # when they begin (IMMEDIATE), so two writers queue instead of failing halfway with
    # "database is locked"; the busy timeout is how long one waits; WAL lets pages be read
    # while someone writes.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": envint("SQLITE_BUSY_TIMEOUT", "20"),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # The test database is a file (not shared-cache memory), so that tests can race threads
    # and start worker processes against it as production would; one per test run.
    DATABASES["default"]["TEST"] = {
        "NAME": os.getenv("SQLITE_TEST_NAME", str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3"))
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The audit log (django-auditlog): every change an administrator or a user makes to these
# models, with who, when, from where and the values before and after; seen and exported in the
# admin. Rows written in bulk, which its signals never see, are logged by their writers through
# tthc_scoring.audit: the imported figures (dossier statistics, surveys, indicator figures)
# and the scores and scorecards saved by scoring.domain. Scores and scorecards are not
# registered here, so that a save costs one INSERT and no extra read; their user-facing
# history stays ScorecardEvent (the history page), as the report's stays ReportEvent.
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    {"model": "auth.user", "exclude_fields": ["last_login"], "mask_fields": ["password"]},
    "auth.group",
    "units.unit",
    "units.membership",
    "criteria.criteriaset",
    "criteria.criterion",
    "criteria.band",
    "scoring.period",
    "scoring.evidence",
    "scoring.dossierstats",
    "scoring.surveysummary",
    "scoring.indicatorfigure",
    "reports.report",
    "reports.issueddocument",
)

# Two-step login (TOTP) for these roles, comma-separated: "reviewer", "leader", "admin" (staff
# and superusers). Empty: nobody must (development and the demo); production turns it on for
# all three unless OTP_REQUIRED_FOR says otherwise.
OTP_REQUIRED_FOR = envlist("OTP_REQUIRED_FOR", "reviewer,leader,admin" if PRODUCTION else "")
OTP_TOTP_ISSUER = os.getenv("OTP_TOTP_ISSUER", "Chấm điểm TTHC")

# Logins: django-axes counts failed attempts per user name and per address; past
# AXES_FAILURE_LIMIT either is refused for AXES_COOLOFF_MINUTES (an administrator unlocks it
# sooner by deleting its "access attempts" in the admin). Behind the proxy the address is the
# one nginx puts in X-Real-IP (tthc_scoring.security.client_ip).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "10")
AXES_COOLOFF_TIME = datetime.timedelta(minutes=envint("AXES_COOLOFF_MINUTES", "30"))
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "tthc_scoring.security.client_ip"
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.getenv("STATIC_ROOT", BASE_DIR / "var" / "static"))
# In production, `manage.py collectstatic` writes each file under a name with its hash (and a
# compressed copy); pages link to those names, so browsers may cache them forever.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Evidence files and generated documents are private: they live outside any public URL
# and are served only through permission-checked views.
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", BASE_DIR / "var" / "media"))
MEDIA_URL = None

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"  # a unit with one scorecard to fill in goes straight to it
LOGOUT_REDIRECT_URL = "login"

# Mail: printed on the console in development; in production an SMTP server (EMAIL_HOST …).
_mail_backend = os.getenv(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
MAILERS = {"default": {"BACKEND": _mail_backend}}
if _mail_backend.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.getenv("EMAIL_HOST", "localhost"),
        "port": envint("EMAIL_PORT", "25"),
        "username": os.getenv("EMAIL_HOST_USER", ""),
        "password": os.getenv("EMAIL_HOST_PASSWORD", ""),
        "use_tls": envbool("EMAIL_USE_TLS", "false"),
        "timeout": envint("EMAIL_TIMEOUT", "10"),
    }
# Where links in e-mails point.
SITE_URL = os.getenv("SITE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "tthc-scoring@localhost")

# Largest evidence file accepted, in bytes.
# Imported tables (CSV, XLSX): refused before parsing above these limits.
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", str(5 * 1024 * 1024))
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", "20000")
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_FORMATS = [
    "import_export.formats.base_formats.CSV",
    "import_export.formats.base_formats.XLSX",
]
EVIDENCE_MAX_BYTES = envint("EVIDENCE_MAX_BYTES", str(10 * 1024 * 1024))
# Uploads are refused while they stream in (tthc_scoring.uploads): no single file over
# UPLOAD_MAX_BYTES (the largest form limit is a signed report's 30 MB), no request body over
# REQUEST_MAX_BYTES (nine evidence files at once, and the form). nginx's client_max_body_size
# should match REQUEST_MAX_BYTES (docs/operations.md).
UPLOAD_MAX_BYTES = envint("UPLOAD_MAX_BYTES", str(32 * 1024 * 1024))
REQUEST_MAX_BYTES = envint("REQUEST_MAX_BYTES", str(100 * 1024 * 1024))
FILE_UPLOAD_HANDLERS = [
    "tthc_scoring.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # the form fields other than files

# When a quarter is opened in the browser, its deadlines default to these days of the month
# after the quarter (self-scoring, then review).
SELF_DEADLINE_DAY = envint("SELF_DEADLINE_DAY", "10")
REVIEW_DEADLINE_DAY = envint("REVIEW_DEADLINE_DAY", "20")

# Long report renderings run after the request, in a worker process (`manage.py worker`:
# django-tasks-db's db_worker, which takes tasks from a table in the database).
TASKS = {"default": {"BACKEND": os.getenv("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# A running job whose worker has shown no sign of life for this many seconds is presumed dead
# (killed, out of memory, machine restarted) and started again, up to TASK_MAX_ATTEMPTS starts.
TASK_STALE_AFTER = envint("TASK_STALE_AFTER", "60")
TASK_MAX_ATTEMPTS = envint("TASK_MAX_ATTEMPTS", "3")

# Periods with more units than this render their approved PDF after the request.
REPORT_INLINE_UNITS = envint("REPORT_INLINE_UNITS", "100")

# Digital signatures (pyHanko). In development with no certificate configured, a demo
# certificate, clearly labelled as having no legal value, is generated under var/signing.
SIGNING_DIR = Path(os.getenv("SIGNING_DIR", BASE_DIR / "var" / "signing"))
SIGNING_PKCS12_PATH = os.getenv("SIGNING_PKCS12_PATH", "")
SIGNING_PKCS12_PASSWORD = os.getenv("SIGNING_PKCS12_PASSWORD", "")
SIGNING_TRUST_ROOTS = envlist("SIGNING_TRUST_ROOTS", "")
# Who may sign an uploaded report besides the signer it names: common names or full subjects
# ("CN=…,O=…,C=VN"), separated by semicolons, since a subject itself contains commas.
SIGNING_ALLOWED_SUBJECTS = [
    name.strip() for name in os.getenv("SIGNING_ALLOWED_SUBJECTS", "").split(";") if name.strip()
]
SIGNING_DEMO = envbool("SIGNING_DEMO", "true" if DEBUG and not SIGNING_PKCS12_PATH else "false")

# HTTPS. On in production (TTHC_ENV=production); the cookies also whenever DEBUG is off.
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", "false" if DEBUG else "true")
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", "false" if DEBUG else "true")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "true" if PRODUCTION else "false")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the monitor asks gunicorn directly, over HTTP
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000" if PRODUCTION else "0")
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", str(PRODUCTION))
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", str(PRODUCTION))
# Behind nginx (docs/operations.md), which terminates HTTPS and says so in this header. Only
# trust it when the proxy sets (never forwards) it.
BEHIND_PROXY = envbool("BEHIND_PROXY", str(PRODUCTION))
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy on every page: only this site's own scripts, styles and images (no
# inline script or style; a script that needs to be inline takes the request's nonce). The
# evidence view sends its own, stricter policy ("sandbox").
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],  # the dashboards' band colours, from the criteria set
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Browser features the site never uses, refused outright (tthc_scoring.middleware).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=()"

# Sessions end after SESSION_IDLE_MINUTES without a request (the expiry is pushed back at most
# every SESSION_TOUCH_SECONDS, not written on every request), and, for reviewers, leaders and
# administrators, when the browser closes.
SESSION_COOKIE_AGE = envint("SESSION_IDLE_MINUTES", "120") * 60
SESSION_TOUCH_SECONDS = envint("SESSION_TOUCH_SECONDS", "300")

# Logs go to stdout/stderr (systemd's journal keeps them): readable lines in development, one
# JSON object a line in production (LOG_FORMAT=json|text), at LOG_LEVEL and above.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "tthc_scoring.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": os.getenv("LOG_FORMAT", "json" if PRODUCTION else "text"),
        }
    },
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "WARNING")},
    # fontTools reports every font table it does not subset while WeasyPrint and pyHanko embed
    # fonts; the PDFs are fine, so keep it to errors.
    "loggers": {"fontTools": {"level": "ERROR"}},
}
