"""Settings for tsunagu. Everything that differs per deployment comes from the environment."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("TSUNAGU_VAR_DIR", BASE_DIR / "var"))

# A fixed development key keeps `make run` to one command; production sets its own.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "tsunagu-development-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "tsunagu.core",
    "tsunagu.customers",
    "tsunagu.policies",
    "tsunagu.interactions",
    "tsunagu.search",
    "tsunagu.cases",
    "tsunagu.identity",
    "tsunagu.documents",
    "tsunagu.desk",
    "tsunagu.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "tsunagu.core.middleware.ActorMiddleware",
]

ROOT_URLCONF = "tsunagu.config.urls"
WSGI_APPLICATION = "tsunagu.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tsunagu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# DATABASE_URL selects the database for every command; the default is SQLite in var/.
DEFAULT_SQLITE_URL = f"sqlite:///{VAR_DIR / 'tsunagu.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", DEFAULT_SQLITE_URL))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while a writer commits; IMMEDIATE avoids lock-upgrade deadlocks.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": None}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 60

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work (long batches, full match runs): django-tasks with its database backend, run by
# `manage.py db_worker` (one worker on SQLite; any number on PostgreSQL). `make run` starts one.
TASKS = {"default": {"BACKEND": os.environ.get("TSUNAGU_TASK_BACKEND", "django_tasks_db.DatabaseBackend")}}
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "desk:home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "ja"
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "tsunagu" / "static"]
STATIC_ROOT = VAR_DIR / "static"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free meta tag; keep default

# Customers of this age or older are treated as elderly (損保協会 guideline benchmark: 70).
TSUNAGU_ELDERLY_AGE = int(os.environ.get("TSUNAGU_ELDERLY_AGE", "70"))

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TSUNAGU_LOG_LEVEL", "WARNING")},
}

# --- Access log integrity ---
# The access log is an HMAC chain keyed with TSUNAGU_ACCESS_LOG_KEY, which must not live in the
# database (an attacker with SQL access could otherwise re-sign rows they rewrote). See
# docs/access-log.md. With DEBUG and no key, a development key is derived from SECRET_KEY so that
# `make run` and the tests need no extra variable; without DEBUG the process refuses to start.
# (Self-contained block: it reads the environment itself.)
from hashlib import sha256 as _sha256  # noqa: E402

from django.core.exceptions import ImproperlyConfigured as _ConfigError  # noqa: E402


def _access_log_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        return int(raw) if raw else default
    except ValueError:
        raise _ConfigError(
            f"環境変数 {name} の値「{raw}」が不正です。整数を指定してください ({name} must be an integer)."
        ) from None


TSUNAGU_ACCESS_LOG_KEY = os.environ.get("TSUNAGU_ACCESS_LOG_KEY", "")
if not TSUNAGU_ACCESS_LOG_KEY:
    if not DEBUG:
        raise _ConfigError(
            "環境変数 TSUNAGU_ACCESS_LOG_KEY が設定されていません。アクセスログの改ざん検知に使う鍵"
            "(32文字以上、データベースとは別に保管)を設定してください。 "
            "(TSUNAGU_ACCESS_LOG_KEY is not set: set a random key of 32+ characters, kept outside the "
            "database. See docs/access-log.md.)"
        )
    TSUNAGU_ACCESS_LOG_KEY = "dev-" + _sha256(f"tsunagu access-log dev key:{SECRET_KEY}".encode()).hexdigest()
elif len(TSUNAGU_ACCESS_LOG_KEY) < 32:
    raise _ConfigError(
        "環境変数 TSUNAGU_ACCESS_LOG_KEY が短すぎます(32文字以上にしてください)。 "
        "(TSUNAGU_ACCESS_LOG_KEY must be at least 32 characters.)"
    )
# Rotation: the new key goes into TSUNAGU_ACCESS_LOG_KEY, the old ones (comma-separated, newest
# first) here; rows and checkpoints name their key by id, so old rows still verify.
TSUNAGU_ACCESS_LOG_OLD_KEYS = [k for k in os.environ.get("TSUNAGU_ACCESS_LOG_OLD_KEYS", "").split(",") if k.strip()]
# Independent chains appended to concurrently (one lock each instead of one for every reader).
TSUNAGU_ACCESS_LOG_CHAINS = _access_log_int("TSUNAGU_ACCESS_LOG_CHAINS", 16)
# Signed checkpoints outside the database: where, and how often log_access writes one by itself
# (per process, whichever comes first; 0 turns that trigger off). `manage.py access_log_checkpoint`
# writes one too (cron / periodic task).
TSUNAGU_ACCESS_LOG_CHECKPOINT_STORE = os.environ.get(
    "TSUNAGU_ACCESS_LOG_CHECKPOINT_STORE", "tsunagu.core.access_log_checkpoints.FileCheckpointStore"
)
TSUNAGU_ACCESS_LOG_CHECKPOINT_FILE = os.environ.get(
    "TSUNAGU_ACCESS_LOG_CHECKPOINT_FILE", str(VAR_DIR / "access-log-checkpoints.jsonl")
)
TSUNAGU_ACCESS_LOG_CHECKPOINT_SECONDS = _access_log_int("TSUNAGU_ACCESS_LOG_CHECKPOINT_SECONDS", 60)
TSUNAGU_ACCESS_LOG_CHECKPOINT_ROWS = _access_log_int("TSUNAGU_ACCESS_LOG_CHECKPOINT_ROWS", 10_000)
