"""Relais settings: the one place where configuration lives.

Every value that differs between a laptop, CI and production comes from an
environment variable (documented in docs/configuration.md). SQLite is the
default database; PostgreSQL is selected with DATABASE_URL.
"""

import os
import re
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# Under the test runner: a throwaway key and a fast password hasher.
TESTING = "pytest" in sys.modules or env_bool("RELAIS_TESTING", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
# Or from a file readable by Relais only (make run generates var/secret_key on first start).
SECRET_KEY_FILE = Path(os.environ.get("SECRET_KEY_FILE", BASE_DIR / "var" / "secret_key"))
if not SECRET_KEY and SECRET_KEY_FILE.is_file():
    SECRET_KEY = SECRET_KEY_FILE.read_text(encoding="utf-8").strip()
if not SECRET_KEY:
    if not DEBUG and not TESTING:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "SECRET_KEY or SECRET_KEY_FILE must be set when DEBUG is off (docs/configuration.md)."
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Theme: "neutral" (default, for everyone) or "dsfr" (State services only:
# the DSFR's terms of use forbid it to other operators, so never a default).
THEME = os.environ.get("THEME", "neutral")
if THEME not in {"neutral", "dsfr"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"THEME must be 'neutral' or 'dsfr', not {THEME!r}.")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "huey.contrib.djhuey",
    "relais.web",
    "relais.accounts",
    "relais.audit",
    "relais.territory",
    "relais.offer",
    "relais.persons",
    "relais.orientation",
    "relais.notifications",
    "relais.pathway",
    "relais.messaging",
    "relais.agenda",
    "relais.evaluations",
    "relais.activity",
    "relais.steering",
    "relais.api",
    "relais.fhir",
    "relais.demo",
    "relais.jobs",
    "relais.operations",
]
if THEME == "dsfr":
    INSTALLED_APPS += ["widget_tweaks", "dsfr"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "relais.web.middleware.RejectNulMiddleware",  # a NUL in the address or query string: 400, not a database error
    "relais.web.middleware.MethodNotAllowedPageMiddleware",  # an action opened by its address: a page, not a bare 405
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "relais.accounts.middleware.ActorMiddleware",
    "relais.accounts.middleware.OrganisationTimezoneMiddleware",  # "today" and times where the organisation lives
    "relais.accounts.middleware.TwoFactorEnforcementMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "config.db_router.ReplicaReadsMiddleware",  # the requests that may read from DATABASE_REPLICA_URL
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "relais.web.context_processors.relais",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'relais.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tuned for a web server: WAL lets readers run during a write, the busy
    # timeout waits for a lock instead of failing, and IMMEDIATE transactions
    # take the write lock up front so two writers never deadlock on upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000; "
            "PRAGMA foreign_keys=ON; PRAGMA cache_size=-64000;"
        ),
    }
elif TESTING and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Tests only: a commit returns before its WAL record reaches the disk (crash safety, which a throwaway test
    # database does not need; what other sessions see and when is unchanged). Per connection, not the server's setting.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Tests only: argon2 is deliberately slow; it stays first everywhere else.
    PASSWORD_HASHERS.insert(0, "django.contrib.auth.hashers.MD5PasswordHasher")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Two-factor authentication (TOTP) for every account that can read personal
# data. On by default; a developer may turn it off locally (make run does).
RELAIS_REQUIRE_2FA = env_bool("RELAIS_REQUIRE_2FA", True)
OTP_TOTP_ISSUER = "Relais"
# Login attempts allowed per client address and per account, per period.
RELAIS_LOGIN_RATE = os.environ.get("RELAIS_LOGIN_RATE", "10/m")
RELAIS_PUBLIC_RATE = os.environ.get("RELAIS_PUBLIC_RATE", "120/m")  # anonymous directory reads, per address
# The « retour à domicile » checklist planned on a discharge home (decision 0045): a JSON file shaped like
# relais/pathway/record/home_return.json; empty: that default file.
RELAIS_HOME_RETURN_CHECKLIST = os.environ.get("RELAIS_HOME_RETURN_CHECKLIST", "")
# Password reset requests allowed per client address and per e-mail address, per period.
RELAIS_PASSWORD_RESET_RATE = os.environ.get("RELAIS_PASSWORD_RESET_RATE", "5/h")
RATELIMIT_VIEW = "relais.web.views.ratelimited"
# Relais's own French 403 page when a form's CSRF check fails (relais/web/errors.py), never Django's.
CSRF_FAILURE_VIEW = "relais.web.views.csrf_failure"
# Which request header holds the client address for rate limits: REMOTE_ADDR, or the header a
# trusted reverse proxy sets (e.g. HTTP_X_REAL_IP); never a header clients can forge.
RATELIMIT_IP_META_KEY = os.environ.get("RATELIMIT_IP_META_KEY", "REMOTE_ADDR")

SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(30 * 60)))  # idle timeout, seconds
SESSION_SAVE_EVERY_REQUEST = True  # the timeout counts from the last request
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Security headers -------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
HTTPS = env_bool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)  # usually done by the reverse proxy
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None

# --- Public map (decision 0037) -----------------------------------------------------------------
# The tile server of the search map, a Leaflet URL template (https://tile.example.org/{z}/{x}/{y}.png). Empty by
# default: no visitor's address reaches a third party and the markers stand on a plain background. Its origin is
# added to the CSP's img-src below.
RELAIS_MAP_TILES_URL = os.environ.get("RELAIS_MAP_TILES_URL", "").strip()
RELAIS_MAP_ATTRIBUTION = os.environ.get("RELAIS_MAP_ATTRIBUTION", "").strip()


def map_tile_origins(template: str) -> list[str]:
    """The origin a tile URL template loads images from, for the CSP ("{s}" subdomains become a wildcard)."""
    match = re.match(r"(https?://)([^/]+)", template)
    if not match:
        return []
    host = re.sub(r"^\{s\}\.", "*.", match.group(2))
    return [match.group(1) + host]


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *map_tile_origins(RELAIS_MAP_TILES_URL)],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- E-mail ---------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))  # for the file-based backend
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Relais <ne-pas-repondre@relais.invalid>")

# --- Cache, rate limits and the job queue: one Redis for several processes (docs/scaling.md) -------------------
# REDIS_URL is the one switch: the job queue (huey, below) uses its database N, the cache (where the login, public
# directory and password-reset rate limits count) the next one, N+1, because Django's cache.clear() empties a whole
# Redis database and must never empty the queue. CACHE_URL overrides the cache's location. Unset: in-process memory
# (one process only) and the queue in SQLite. Sessions stay in the database, shared by every process through it.
REDIS_URL = os.environ.get("REDIS_URL", "")


def redis_next_database(url: str) -> str:
    """redis://host:6379/0 -> redis://host:6379/1 (same server, next database number)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    number = int(parts.path.strip("/") or "0")
    if parts.scheme not in {"redis", "rediss"} or number >= 15:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"REDIS_URL {url!r}: set CACHE_URL too (the cache needs database N+1 of N ≤ 14).")
    return urlunsplit(parts._replace(path=f"/{number + 1}"))


CACHE_URL = os.environ.get("CACHE_URL", "") or (redis_next_database(REDIS_URL) if REDIS_URL else "")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            # Several Relais instances (or a test run) may share one Redis database without mixing their keys.
            "KEY_PREFIX": os.environ.get("RELAIS_CACHE_PREFIX", "relais"),
        }
    }
# django-ratelimit warns about a per-process cache: expected with one process, silenced only then.
SHARED_CACHE = "redis" in CACHES["default"]["BACKEND"]
SILENCED_SYSTEM_CHECKS = [] if SHARED_CACHE else ["django_ratelimit.W001", "django_ratelimit.E003"]

# --- Read replica (optional): the public directory and the territory figures read from it ---------------------
# DATABASE_REPLICA_URL: a streaming replica of DATABASE_URL. Every write, every read inside a transaction and every
# other read stays on the primary (config/db_router.py says which requests may read from the replica and why).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0"))
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests: the same test database, through its own connection
DATABASE_ROUTERS = ["config.db_router.PrimaryReplicaRouter"]

# --- Language, time ------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# whitenoise serves static files from the WSGI server (no separate web server needed); hashed names, compressed.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))

# Reference data shipped in the repository (national code lists, CNSA tables, official examples): see
# reference/README.md for each file's source, version and licence.
REFERENCE_DIR = Path(os.environ.get("RELAIS_REFERENCE_DIR", BASE_DIR / "reference"))

# Reference data installed by npm (package.json): see docs/decisions.
NODE_MODULES = Path(os.environ.get("RELAIS_NODE_MODULES", BASE_DIR / "node_modules"))
# Browser libraries installed by npm, served as static files under their own prefix (decision 0037: Leaflet).
STATICFILES_DIRS = [("vendor/leaflet", NODE_MODULES / "leaflet" / "dist")]


# --- APIs ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "relais.api.authentication.ApiClientAuthentication",
        "relais.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["relais.api.permissions.HasActor"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # ?limit= and ?offset=, at most 200 a page (relais/api/pagination.py).
    "DEFAULT_PAGINATION_CLASS": "relais.api.pagination.Pagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Relais API",
    "DESCRIPTION": "API REST de Relais, système d'information territorial du secteur médico-social.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Background jobs (huey) -------------------------------------------------------------------
# SQLite storage in var/ by default (no extra server); Redis when REDIS_URL is set, so several workers share one
# queue. Under the test runner tasks run at once in-process ("immediate" mode) unless a test starts a real consumer.
# (REDIS_URL is read in the Cache block above: one switch for the cache, the rate limits and this queue.)
JOBS_DIR = Path(os.environ.get("RELAIS_JOBS_DIR", BASE_DIR / "var"))
HUEY = {
    "name": os.environ.get("RELAIS_JOBS_QUEUE", "relais"),
    "huey_class": "huey.RedisHuey" if REDIS_URL else "huey.SqliteHuey",
    "immediate": env_bool("RELAIS_JOBS_IMMEDIATE", TESTING),
    "results": False,
    "utc": False,  # schedules in TIME_ZONE (Django sets the process's TZ): "06:15" means 06:15 in Paris
    "connection": {"url": REDIS_URL}
    if REDIS_URL
    else {"filename": str(JOBS_DIR / (f"jobs-test-{os.getpid()}.sqlite3" if TESTING else "jobs.sqlite3"))},
    "consumer": {"workers": int(os.environ.get("RELAIS_JOBS_WORKERS", "2")), "worker_type": "thread"},
}
# Days a failed attempt (JobFailure) is kept before the daily jobs_purge deletes it.
RELAIS_JOB_FAILURE_RETENTION_DAYS = int(os.environ.get("RELAIS_JOB_FAILURE_RETENTION_DAYS", "90"))

# --- Access log ---------------------------------------------------------------------------------
# (owned by the access-log work: signing key and published heads live outside the database)
# The Ed25519 key that signs the chain's heads (created 0600 on first use, public key alongside as .pub) and the
# file the signed heads are appended to: both outside the database, ideally on another disk or host (decision 0026).
# Under the test runner they default to var/audit-test/, so a test database never meets the heads of a real one.
_AUDIT_DIR = BASE_DIR / "var" / ("audit-test" if TESTING else "audit")
RELAIS_AUDIT_KEY_FILE = Path(os.environ.get("RELAIS_AUDIT_KEY_FILE", _AUDIT_DIR / "signing.key"))
RELAIS_AUDIT_HEADS_FILE = Path(os.environ.get("RELAIS_AUDIT_HEADS_FILE", _AUDIT_DIR / "heads.jsonl"))
# Ask the worker to chain new entries right after a commit (the every-minute job remains); off under the test runner.
RELAIS_AUDIT_SEQUENCE_ON_COMMIT = env_bool("RELAIS_AUDIT_SEQUENCE_ON_COMMIT", not TESTING)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
