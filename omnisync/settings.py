"""The one settings module, read from the environment.

Defaults run a fresh clone: SQLite, the django-q2 ORM broker and the built-in
sandbox marketplaces. DATABASE_URL and REDIS_URL move it onto PostgreSQL and
Redis; DEBUG off demands real secrets.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from omnisync.lib.env import env_bool, env_float, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("OMNISYNC_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-omnisync-do-not-use-in-production-0123456789"  # noqa: S105

# Key for channel secrets at rest; falls back to one derived from SECRET_KEY.
FIELD_ENCRYPTION_KEY = env_str("OMNISYNC_FIELD_KEY") or None

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

SANDBOX_ENABLED = env_bool("OMNISYNC_SANDBOX", DEBUG)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_q",
    "django_tables2",
    "django_filters",
    "django_htmx",
    "axes",
    "omnisync",
    "channels_app",
    "inventory",
    "orders",
    "alerts",
]
if SANDBOX_ENABLED:
    INSTALLED_APPS.append("sandbox")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language staff picked, else Indonesian; never the browser's Accept-Language.
    "omnisync.lib.language.ShopLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "omnisync.urls"
WSGI_APPLICATION = "omnisync.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = env_url("DATABASE_URL", ("postgres", "postgresql", "sqlite"))
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(VAR_DIR / "omnisync.sqlite3")),
            "OPTIONS": {
                # Writers queue instead of failing with "database is locked".
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": env_str("SQLITE_TEST_PATH", str(VAR_DIR / "test.sqlite3"))},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_url("REDIS_URL", ("redis", "rediss", "unix"))

# Retries are ours (a run is re-run and recorded), never the broker's.
Q_TIMEOUT = env_int("Q_TIMEOUT", 1800, minimum=10)
Q_CLUSTER = {
    "name": env_str("Q_NAME", "omnisync"),
    "workers": env_int("Q_WORKERS", 2, minimum=1),
    "timeout": Q_TIMEOUT,
    "retry": Q_TIMEOUT + 300,
    "max_attempts": 1,
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 1000,
    "queue_limit": 50,
    "label": "Django Q",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 0.5

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password guessing: django-axes locks a username from an address after AXES_FAILURE_LIMIT
# failed logins for AXES_COOLOFF_MINUTES; a successful login clears the count.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "id")
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date and time format per language, in tables, pages, inputs and the report alike.
FORMAT_MODULE_PATH = ["omnisync.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Jakarta")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Mail goes out by SMTP once EMAIL_HOST is set; until then (development) it is printed on the console.
EMAIL_HOST = env_str("EMAIL_HOST", "") or "localhost"
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if env_str("EMAIL_HOST") else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "omnisync@localhost")
REPORT_EMAILS = env_list("OMNISYNC_REPORT_EMAILS", [])
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)

# Alert centre (alerts/): who gets the e-mail, when a channel's downloads count as stale, webhook retries.
ALERT_EMAILS = env_list("OMNISYNC_ALERT_EMAILS", REPORT_EMAILS)
ALERT_DOWNLOAD_STALE_HOURS = env_int("OMNISYNC_ALERT_DOWNLOAD_STALE_HOURS", 26, minimum=1)
ALERT_AUTH_EXPIRY_DAYS = env_int("OMNISYNC_ALERT_AUTH_EXPIRY_DAYS", 7, minimum=1)
ALERT_WEBHOOK_MAX_ATTEMPTS = env_int("OMNISYNC_ALERT_WEBHOOK_MAX_ATTEMPTS", 6, minimum=1, maximum=20)
ALERT_WEBHOOK_TIMEOUT = env_int("OMNISYNC_ALERT_WEBHOOK_TIMEOUT", 10, minimum=1, maximum=60)
# Links in e-mails and webhooks point here (the address staff open the dashboard at).
SITE_URL = (env_str("OMNISYNC_SITE_URL", "") or "").rstrip("/")

# Marketplace HTTP: timeouts in seconds, retries for transient failures only.
HTTP_CONNECT_TIMEOUT = env_int("HTTP_CONNECT_TIMEOUT", 5, minimum=1)
HTTP_READ_TIMEOUT = env_int("HTTP_READ_TIMEOUT", 30, minimum=1)
HTTP_MAX_RETRIES = env_int("HTTP_MAX_RETRIES", 4, minimum=0, maximum=10)
HTTP_BACKOFF_BASE = float(env_int("HTTP_BACKOFF_BASE_MS", 500, minimum=0)) / 1000
# Multiplies every platform's request rate limit; above 1 only against the local sandbox.
HTTP_RATE_LIMIT_SCALE = env_float("HTTP_RATE_LIMIT_SCALE", 1.0, minimum=0.01)

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # urllib3 would log request URLs, and some platforms put tokens in the query string.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "urllib3": {"level": "WARNING"}},
}

# Sync rules
ORDERS_OVERLAP_MINUTES = env_int("OMNISYNC_ORDERS_OVERLAP_MINUTES", 60, minimum=0)
ORDERS_FIRST_LOOKBACK_DAYS = env_int("OMNISYNC_ORDERS_FIRST_LOOKBACK_DAYS", 30, minimum=1, maximum=365)
