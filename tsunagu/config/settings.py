"""Settings for tsunagu. Everything that differs per deployment comes from the environment.

Production is the default: DEBUG is off unless `DJANGO_DEBUG=1`, and without DEBUG the process
refuses to start until `DJANGO_SECRET_KEY` is set. `make run` turns DEBUG on for the local demo.
Every variable is listed in docs/deployment.md.
"""

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("TSUNAGU_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    """`1/true/yes/on` or `0/false/no/off`; anything else is a configuration error, not a silent default."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"環境変数 {name} の値「{raw}」が不正です。1 か 0 を指定してください ({name} must be 1 or 0)."
    )


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"環境変数 {name} の値「{raw}」が不正です。整数を指定してください ({name} must be an integer)."
        ) from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

# Commands that read and write only files the user names (no database, nothing signed or encrypted that
# outlives the process, no personal data of the book): they start without the production keys, each
# process with throwaway random ones, so that the modelling CLI runs on any machine. Decided from the
# command line, not from a variable, so that no server can be started this way.
FILE_ONLY_COMMANDS = {"propensity_train", "propensity_score"}
FILE_ONLY = Path(sys.argv[0]).name == "manage.py" and len(sys.argv) > 1 and sys.argv[1] in FILE_ONLY_COMMANDS

# The fixed development key exists only for DEBUG (the local demo); anyone can read it in this file,
# so a production process without its own key must not start (a forged download link proved why).
DEVELOPMENT_SECRET_KEY = "tsunagu-development-only-not-secret"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY and FILE_ONLY and not DEBUG:
    SECRET_KEY = secrets.token_urlsafe(50)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "環境変数 DJANGO_SECRET_KEY が設定されていません。"
            "本番環境では推測できない鍵(50文字以上)を設定してください。"
            "ローカルのデモは `make run`(DJANGO_DEBUG=1)で起動できます。 "
            "(DJANGO_SECRET_KEY is not set: set a long random key in production, or DJANGO_DEBUG=1 for local "
            "development only. See docs/deployment.md.)"
        )
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
elif not DEBUG and (SECRET_KEY == DEVELOPMENT_SECRET_KEY or SECRET_KEY.startswith("replace-with")):
    raise ImproperlyConfigured(
        "環境変数 DJANGO_SECRET_KEY に公開されている鍵(開発用または記入例)が設定されています。"
        "本番用の鍵を生成してください。"
        " (DJANGO_SECRET_KEY is a published development/example key: generate your own, see docs/deployment.md.)"
    )
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

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
    "tsunagu.core.tasks_app.TaskResultsConfig",  # django-tasks' database backend, with a Japanese name
    "tsunagu.core.axes_app.LoginLockoutConfig",  # django-axes (login lockout), with a Japanese name
    "ninja",  # only for its vendored Swagger UI static files and template (API docs work offline)
    "tsunagu.core",
    "tsunagu.customers",
    "tsunagu.policies",
    "tsunagu.interactions",
    "tsunagu.search",
    "tsunagu.cases",
    "tsunagu.identity",
    "tsunagu.documents",
    "tsunagu.surveys",
    "tsunagu.voice",
    "tsunagu.practice",
    "tsunagu.kpis",
    "tsunagu.analytics",
    "tsunagu.compliance",
    "tsunagu.desk",
    "tsunagu.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tsunagu.core.sessions.IdleSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "tsunagu.core.middleware.ActorMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
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
                "tsunagu.core.navigation.context",  # the menu built from permissions; who is signed in
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
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("TSUNAGU_PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes): the axes backend comes first so a locked-out login is refused
# before the password is checked. Failures are counted per username and per client address, each
# with its own limit (one office behind one NAT address must not lock itself out after 5 typos).
AUTHENTICATION_BACKENDS = [
    "tsunagu.core.throttling.AxesRequestBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("TSUNAGU_LOGIN_LOCKOUT", True)
AXES_HANDLER = "tsunagu.core.throttling.PerUserAndAddressHandler"
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_FAILURE_LIMIT = env_int("TSUNAGU_LOGIN_FAILURES_PER_USER", 5)
TSUNAGU_LOGIN_FAILURES_PER_ADDRESS = env_int("TSUNAGU_LOGIN_FAILURES_PER_ADDRESS", 20)
AXES_COOLOFF_TIME = env_int("TSUNAGU_LOGIN_LOCKOUT_MINUTES", 30) / 60  # hours, as axes expects
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_COOLOFF_MESSAGE = "ログインの失敗が続いたため、一時的にログインできなくなっています。時間をおいてお試しください。"
AXES_PERMALOCK_MESSAGE = "ログインの失敗が続いたため、ログインできなくなっています。管理者に解除を依頼してください。"
# Behind a reverse proxy the client address is the proxy's unless told how many proxies to trust
# (X-Forwarded-For); see tsunagu.core.throttling.client_address.
TSUNAGU_PROXY_COUNT = env_int("TSUNAGU_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "tsunagu.core.throttling.client_address"

# API tokens: repeated failed Bearer tokens from one address get 429 (tsunagu.core.api.TokenAuth).
TSUNAGU_API_TOKEN_FAILURES_PER_ADDRESS = env_int("TSUNAGU_API_TOKEN_FAILURES_PER_ADDRESS", 20)
TSUNAGU_API_TOKEN_LOCKOUT_MINUTES = env_int("TSUNAGU_API_TOKEN_LOCKOUT_MINUTES", 30)

LANGUAGE_CODE = "ja"
# The product speaks Japanese only: LocaleMiddleware must not pick English (form errors, 404 pages)
# for a browser whose Accept-Language prefers it.
LANGUAGES = [("ja", "日本語")]
# Japanese labels for packages that ship none (django-axes in the admin).
LOCALE_PATHS = [BASE_DIR / "tsunagu" / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "tsunagu" / "static"]
STATIC_ROOT = VAR_DIR / "static"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free meta tag; keep default

# Staff sessions end after TSUNAGU_SESSION_IDLE_MINUTES without a request: the session's age is the
# idle limit and tsunagu.core.sessions.IdleSessionMiddleware renews it on activity (at most once a
# minute, instead of SESSION_SAVE_EVERY_REQUEST's write on every request).
SESSION_COOKIE_AGE = env_int("TSUNAGU_SESSION_IDLE_MINUTES", 30) * 60

# HTTPS: secure by default without DEBUG; each can be turned off for a deployment that knows why.
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
# Trust X-Forwarded-Proto only when a reverse proxy that sets it (and strips it from clients) is in
# front: opt-in, because trusting it without one lets any client claim HTTPS.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False) else None
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Error pages render without DEBUG; the CSRF failure page is Japanese too.
CSRF_FAILURE_VIEW = "tsunagu.core.errors.csrf_failure"

# Customers of this age or older are treated as elderly (損保協会 guideline benchmark: 70).
TSUNAGU_ELDERLY_AGE = int(os.environ.get("TSUNAGU_ELDERLY_AGE", "70"))

# Spark master of `match_records --engine spark` (名寄せ on Spark): local[*] uses this machine's cores; a cluster
# is spark://host:7077 (docs/deployment.md).
TSUNAGU_SPARK_MASTER = os.environ.get("TSUNAGU_SPARK_MASTER", "local[*]")

# Survey results from fewer answers than this are shown as 「回答数不足」 instead of a number.
TSUNAGU_SURVEY_MIN_N = env_int("TSUNAGU_SURVEY_MIN_N", 30)
# Survey defaults (read through tsunagu.surveys.config): a new trigger rule's quiet period, how long a
# sent survey (web link, postcard, phone) can be answered, business days to call back a detractor.
TSUNAGU_SURVEY_QUIET_DAYS = env_int("TSUNAGU_SURVEY_QUIET_DAYS", 90)
TSUNAGU_SURVEY_TOKEN_DAYS = env_int("TSUNAGU_SURVEY_TOKEN_DAYS", 30)
TSUNAGU_SURVEY_FOLLOW_UP_DAYS = env_int("TSUNAGU_SURVEY_FOLLOW_UP_DAYS", 3)

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TSUNAGU_LOG_LEVEL", "WARNING")},
    "loggers": {
        # Once, through the root handler (Django's own console handler would print DEBUG runs twice).
        "django": {"handlers": [], "propagate": True},
        # 403/404 are expected refusals (scoping, permissions), answered with a Japanese page and
        # counted by the proxy's access log; only server errors (500) are logged, with the traceback.
        "django.request": {"level": "ERROR", "propagate": True},
    },
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
    if not DEBUG and not FILE_ONLY:
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

# --- Sensitive fields (機微情報) at rest ---
# Keys for core.fields.EncryptedTextField, never in the database (docs/compliance.md, "Sensitive data
# at rest"): TSUNAGU_FIELD_KEYS (comma-separated, the current key first, older ones after it until
# `manage.py rotate_field_keys` has run) or TSUNAGU_FIELD_KEY_FILE (one key per line, same order).
# With DEBUG and neither, a published development key is derived from SECRET_KEY; without DEBUG the
# process refuses to start. (Self-contained block: it reads the environment itself.)
_DEVELOPMENT_FIELD_KEY = "dev-" + _sha256(f"tsunagu field dev key:{SECRET_KEY}".encode()).hexdigest()


def _field_keys() -> list[str]:
    listed = [k.strip() for k in os.environ.get("TSUNAGU_FIELD_KEYS", "").split(",") if k.strip()]
    path = os.environ.get("TSUNAGU_FIELD_KEY_FILE", "").strip()
    if path and not listed:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise _ConfigError(
                f"TSUNAGU_FIELD_KEY_FILE の鍵ファイル「{path}」を読めません({error.strerror})。 "
                "(TSUNAGU_FIELD_KEY_FILE cannot be read.)"
            ) from None
        listed = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not listed:
        if not DEBUG and not FILE_ONLY:
            raise _ConfigError(
                "環境変数 TSUNAGU_FIELD_KEYS(または鍵ファイルの TSUNAGU_FIELD_KEY_FILE)が設定されていません。"
                "機微情報の暗号化に使う鍵(32文字以上、データベースとは別に保管)を設定してください。 "
                "(TSUNAGU_FIELD_KEYS is not set: set a random key of 32+ characters, kept outside the database. "
                "See docs/deployment.md.)"
            )
        return [_DEVELOPMENT_FIELD_KEY]
    for key in listed:
        if len(key) < 32:
            raise _ConfigError(
                "TSUNAGU_FIELD_KEYS の鍵が短すぎます(32文字以上にしてください)。 "
                "(each TSUNAGU_FIELD_KEYS key must be at least 32 characters.)"
            )
        if not DEBUG and (key == _DEVELOPMENT_FIELD_KEY or key.startswith("replace-with")):
            raise _ConfigError(
                "TSUNAGU_FIELD_KEYS に公開されている鍵(開発用または記入例)が設定されています。本番用の鍵を生成して"
                "ください。 (TSUNAGU_FIELD_KEYS holds a published development/example key.)"
            )
    return listed


TSUNAGU_FIELD_KEYS = _field_keys()
