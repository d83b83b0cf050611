"""Anbud settings: one module, configured from the environment.

Production differences are environment, not code. With no environment at all the service runs
on a bare machine: SQLite in ``var/`` and Celery in eager mode (no broker).
"""

import datetime
import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ANBUD_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, or a key generated once and kept in var/.

    A bare ``make run`` must work without configuration; a generated key that survives
    restarts keeps sessions and tokens valid. Production sets SECRET_KEY.
    """
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000"
)

INSTALLED_APPS = [
    # First, so that its admin templates (base_site.html: the language switch) win.
    "workbench",
    "workbench.adminconfig.AnbudAdminConfig",  # django.contrib.admin with Anbud's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "audit",
    "procurement",
    "criteria",
    "scoring",
    "contracts",
    "reports",
    "publication",
    "webhooks",
    "api",
    "demo",
]

MIDDLEWARE = [
    # First: the time of receipt is read before anything else can make the request wait.
    "audit.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "api.conditional.ConditionalApiGetMiddleware",
    "api.locations.CreatedLocationMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The admin's language: its switch (cookie), else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    # The API's language (/api/): ?lang, else Accept-Language, else English; never a cookie.
    "api.language.ApiLanguageMiddleware",
    # Django's CommonMiddleware, but a write to an API path without its slash gets 308.
    "api.slashes.ApiSlashMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A query parameter the operation does not take is a 400 naming it (openapi.yaml decides).
    "api.query.KnownQueryParametersMiddleware",
    # Idempotency-Key on POSTs: a retry gets the first answer. It runs the view through the
    # next middleware's transaction itself, so that a success is stored with its change.
    "api.idempotency.IdempotencyMiddleware",
    # A write request is one transaction (after CSRF and authentication have run).
    "audit.middleware.RequestTransactionMiddleware",
    # Last: key reads answered from memory while the audit chain says nothing has changed.
    "api.readcache.ReadCacheMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "procurement.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Proxies in front of us that append to X-Forwarded-For (0: the peer's address is the client).
# Only their entries are believed; what a client writes into the header itself is ignored.
ANBUD_TRUSTED_PROXIES = env_int("ANBUD_TRUSTED_PROXIES", 0)

# Database: DATABASE_URL, default a SQLite file in var/.
DATABASE_URL = os.environ.get("DATABASE_URL", "") or f"sqlite:///{VAR_DIR / 'anbud.sqlite3'}"
DATABASES = {
    # Health checks: a persistent connection that broke (a database restart) is replaced at
    # the start of the next request instead of failing it.
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # IMMEDIATE transactions take the write lock at BEGIN, so the audit chain head is read
    # under the lock; the busy timeout makes a second writer wait instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("sv", "Svenska"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The workbench's time: officers enter and read times in it (deadlines, receipts, protocols).
# The API and everything stored speak UTC (api.language.ApiLanguageMiddleware keeps it there).
TIME_ZONE = os.environ.get("TIME_ZONE", "") or "Europe/Stockholm"
USE_I18N = True
USE_TZ = True
# Numbers, money and times are shown the way the page's language writes them
# (config/formats, workbench/formats.py); the API writes JSON, unaffected.
FORMAT_MODULE_PATH = ["config.formats"]
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Uploaded documents: the file system under MEDIA_ROOT, or an S3-compatible object store
# (django-storages) when ANBUD_S3_BUCKET is set, so that several web nodes share them.
# Credentials come the usual boto3 way (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or a role).
ANBUD_S3_BUCKET = os.environ.get("ANBUD_S3_BUCKET", "")
if ANBUD_S3_BUCKET:
    DEFAULT_FILE_STORAGE_CONFIG = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": ANBUD_S3_BUCKET,
            "endpoint_url": os.environ.get("ANBUD_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("ANBUD_S3_REGION") or None,
            "location": os.environ.get("ANBUD_S3_PREFIX", ""),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    DEFAULT_FILE_STORAGE_CONFIG = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_FILE_STORAGE_CONFIG,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Uploads: the limit for one document (bytes). Bigger files get 413 and nothing is stored.
ANBUD_MAX_UPLOAD_BYTES = env_int("ANBUD_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
# Request bodies above this are refused before they are read (the document limit plus room
# for the multipart envelope); uploads stream to temporary files above 2.5 MiB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Slow bodies (config/asgi.py): each part of a request body within this many seconds, and the
# whole at this many bytes a second on average after that allowance; else 408.
ANBUD_BODY_TIMEOUT_SECONDS = env_int("ANBUD_BODY_TIMEOUT_SECONDS", 20)
ANBUD_BODY_MIN_BYTES_PER_SECOND = env_int("ANBUD_BODY_MIN_BYTES_PER_SECOND", 500)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only; the two upload endpoints take multipart (and say so in the schema).
    "DEFAULT_PARSER_CLASSES": ["api.parsers.BoundedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "api.filters.CollectionFilterBackend",
        "api.filters.CollectionOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.problem_exception_handler",
    # Only failed logins are limited (procurement.services.logins); DRF's proxy guessing off.
    "NUM_PROXIES": 0,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# Key reads (the views' ``cached_reads``) are kept in each worker's memory and answered again
# while nothing has changed (api/readcache.py); at most this many seconds, 0 turns it off.
ANBUD_READ_CACHE_SECONDS = env_int("ANBUD_READ_CACHE_SECONDS", 60)
ANBUD_READ_CACHE_ENTRIES = env_int("ANBUD_READ_CACHE_ENTRIES", 512)

# Idempotency-Key (api/idempotency.py): the answer to a POST with a key is given again for a
# retry with the same key within this many hours.
ANBUD_IDEMPOTENCY_HOURS = env_int("ANBUD_IDEMPOTENCY_HOURS", 24)

# API tokens (django-rest-knox, stored as SHA-512 digests).
# knox's own migrations would create its unused default table (our model is swapped in);
# without them Django creates no table for a swapped model.
MIGRATION_MODULES = {"knox": None}
KNOX_TOKEN_MODEL = "procurement.ApiToken"  # noqa: S105 - a model name, not a secret
ANBUD_TOKEN_TTL_SECONDS = env_int("ANBUD_TOKEN_TTL_SECONDS", 10 * 3600)
REST_KNOX = {
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
    "TOKEN_TTL": datetime.timedelta(seconds=ANBUD_TOKEN_TTL_SECONDS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

# Failed logins: after this many failures within an hour, each further attempt waits twice as
# long as the last, from one second up to the ceiling. Counted for a username from one address
# (the usual guess), for a username from anywhere (a guess spread over many addresses), and for
# one address over all usernames: far higher, since a region's officers often share an address.
ANBUD_LOGIN_FAILURES_PER_USER_AND_CLIENT = env_int("ANBUD_LOGIN_FAILURES_PER_USER_AND_CLIENT", 5)
ANBUD_LOGIN_FAILURES_PER_USER = env_int("ANBUD_LOGIN_FAILURES_PER_USER", 20)
ANBUD_LOGIN_FAILURES_PER_CLIENT = env_int("ANBUD_LOGIN_FAILURES_PER_CLIENT", 200)
ANBUD_LOGIN_BACKOFF_MAX_SECONDS = env_int("ANBUD_LOGIN_BACKOFF_MAX_SECONDS", 900)

# The cache holds the login and denial counters, so every worker and node must share it: Redis
# when ANBUD_CACHE_URL names one, otherwise the database (procurement.counters, which
# also counts in the database while Redis cannot be reached).
ANBUD_CACHE_URL = os.environ.get("ANBUD_CACHE_URL", "")
_DATABASE_CACHE: dict[str, Any] = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "anbud_cache",
}
if ANBUD_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": ANBUD_CACHE_URL,
            "KEY_PREFIX": "anbud",
            # An outage is noticed within a second (procurement.counters).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
else:
    CACHES = {"default": _DATABASE_CACHE}

SPECTACULAR_SETTINGS = {
    "TITLE": "Anbud API",
    "DESCRIPTION": (
        "Sustainable public procurement: tenders, lots and documents, sealed bids opened by "
        "two officers, criteria, explainable scoring and a tamper-evident audit trail.\n\n"
        "Authenticate with `POST /api/v1/auth/token/` and send `Authorization: Token <token>`. "
        "Errors are RFC 9457 problem details (`application/problem+json`). Money is "
        '`{"amount": "1234.50", "currency": "SEK"}` with the amount as a decimal string.\n\n'
        "Language: the texts the API writes (problem `title` and `detail`, error `message`s, "
        "explanations) are Swedish or English: `?lang=sv|en` when given, else `Accept-Language`, "
        "else English. Responses carry `Content-Language` and `Vary: Accept-Language`; texts "
        'that carry both languages (`{"sv", "en"}`) are unchanged.'
    ),
    "VERSION": "1.0.0",
    # Tags and operation ids from the resource (tenders, bids, ...), not from "v1".
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # No licence has been chosen for Anbud yet: say so rather than name one.
    "LICENSE": {
        "name": "No licence granted yet: all rights reserved",
        "identifier": "LicenseRef-AllRightsReserved",
    },
    "CONTACT": {"name": "Anbud", "email": "api@anbud.example"},
    "SERVERS": [
        {"url": "http://127.0.0.1:8000", "description": "Local: make run"},
    ],
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "OrganizationKindEnum": "procurement.models.Organization.Kind",
        "TenderDocumentKindEnum": "procurement.models.TenderDocument.Kind",
        "BidDocumentKindEnum": "procurement.models.BidDocument.Kind",
        "CriterionKindEnum": "criteria.models.Kind",
        "SustainabilityCategoryEnum": "reports.followup.CATEGORY_CHOICES",
        "CategoryEnum": "criteria.models.Category",
        "DeviationSeverityEnum": "contracts.models.Deviation.Severity",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_language",
        "api.schema.add_http_headers",
        "api.schema.add_links",
        "api.schema.schema_agrees_with_server",
        "api.schema.openapi_31",
    ],
}

# Celery: an empty broker URL means eager mode (tasks run in the web process).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 540)
CELERY_RESULT_BACKEND = None
# A task is acknowledged when it ends (acks late). If its whole worker vanishes, the broker
# hands the unacknowledged message to another worker once this many seconds have passed since
# delivery: the time limit (no task legitimately runs longer) plus a margin.
ANBUD_BROKER_VISIBILITY_MARGIN = env_int("ANBUD_BROKER_VISIBILITY_MARGIN", 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + ANBUD_BROKER_VISIBILITY_MARGIN,
    # Look for such messages every 10 s (kombu's default scans only every 100 s).
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
# Seconds a run waits after it is claimed: fault injection for the worker-crash test only.
ANBUD_FAULT_INJECT_RUN_DELAY = env_int("ANBUD_FAULT_INJECT_RUN_DELAY", 0)
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic upkeep, run by `make beat` (celery beat) beside the workers.
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-evaluations": {
        "task": "scoring.tasks.sweep_stuck_evaluations_task",
        "schedule": 600.0,
    },
    "purge-orphan-files": {
        "task": "procurement.tasks.purge_orphan_files_task",
        "schedule": 3600.0,
    },
    "purge-expired-tokens": {
        "task": "procurement.tasks.purge_expired_tokens_task",
        "schedule": 3600.0,
    },
    "purge-expired-idempotency-keys": {
        "task": "api.tasks.purge_expired_idempotency_keys_task",
        "schedule": 3600.0,
    },
    # Webhooks: events no task has read yet (after a crash), and the retries that are due.
    "sweep-webhooks": {
        "task": "webhooks.tasks.sweep_webhooks_task",
        "schedule": 60.0,
    },
    # OCDS releases of events whose after-commit hand-over was lost (publication.tasks).
    "sweep-ocds-releases": {
        "task": "publication.tasks.sweep_releases_task",
        "schedule": 300.0,
    },
    # Contract follow-up: record the checks whose request time has come and the overdue ones
    # (idempotent; reads never wait for it: contracts.selectors compute both from the clock).
    "follow-up-contract-checks": {
        "task": "contracts.tasks.follow_up_due_checks_task",
        "schedule": 900.0,
    },
}

# Where Anbud is reached from outside: absolute links (webhook payloads, OCDS uris).
ANBUD_PUBLIC_URL = os.environ.get("ANBUD_PUBLIC_URL", "").rstrip("/") or "http://127.0.0.1:8000"
# Webhook targets must be https and public addresses (checked after DNS resolution, at each
# send); these allow http and private or loopback addresses (tests, closed networks).
ANBUD_WEBHOOK_ALLOW_HTTP = env_bool("ANBUD_WEBHOOK_ALLOW_HTTP", False)
ANBUD_WEBHOOK_ALLOW_PRIVATE = env_bool("ANBUD_WEBHOOK_ALLOW_PRIVATE", False)
# Seconds to connect, and for each read, of one delivery attempt.
ANBUD_WEBHOOK_TIMEOUT_SECONDS = env_int("ANBUD_WEBHOOK_TIMEOUT_SECONDS", 5)

# Open data (OCDS, publication/): ocids are "<OCDS_PREFIX>-<tender id>", and the prefix must
# be the one registered with the Open Contracting Partnership: "ocds-" and six characters. Set
# it in production (the default is for development only); checked at start-up. Every OCDS uri
# is absolute, under ANBUD_PUBLIC_URL.
OCDS_PREFIX = os.environ.get("OCDS_PREFIX", "") or "ocds-anbud0"
if not OCDS_PREFIX.startswith("ocds-") or not (
    len(OCDS_PREFIX) == 11
    and OCDS_PREFIX[5:].isascii()
    and OCDS_PREFIX[5:].isalnum()
    and OCDS_PREFIX[5:] == OCDS_PREFIX[5:].lower()
):
    raise ImproperlyConfigured(
        "OCDS_PREFIX must be a registered ocid prefix: 'ocds-' and six lower-case letters or "
        f"digits (e.g. ocds-213czf), not {OCDS_PREFIX!r}."
    )
OCDS_PUBLISHER_NAME = os.environ.get("OCDS_PUBLISHER_NAME", "") or "Anbud"
OCDS_PUBLISHER_URI = os.environ.get("OCDS_PUBLISHER_URI", "") or ANBUD_PUBLIC_URL
OCDS_LICENSE = (
    os.environ.get("OCDS_LICENSE", "") or "https://creativecommons.org/publicdomain/zero/1.0/"
)
OCDS_PUBLICATION_POLICY = os.environ.get("OCDS_PUBLICATION_POLICY", "")
# The language of the releases' texts when the buyer's country does not say (publication.ocds).
ANBUD_OCDS_LANGUAGE = os.environ.get("ANBUD_OCDS_LANGUAGE", "") or "sv"
# Requests per client address to the public OCDS feed, in DRF's form ("120/minute").
ANBUD_PUBLIC_OCDS_RATE = os.environ.get("ANBUD_PUBLIC_OCDS_RATE", "") or "120/minute"
# Releases per page of the public feed.
ANBUD_OCDS_PAGE_SIZE = env_int("ANBUD_OCDS_PAGE_SIZE", 100)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Content-Security-Policy for every page (admin, API docs, browsable API): scripts and
# connections only from Anbud itself, no plugins, no framing. Styles allow inline style
# attributes (the admin and Swagger UI use them); images and fonts also data: URLs (Swagger
# UI's icons); ReDoc runs its search in a blob: worker.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "worker-src": [CSP.SELF, "blob:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"

# Behind HTTPS (ANBUD_HTTPS=true): HSTS for a year, cookies only over TLS, and the proxy's
# X-Forwarded-Proto believed when there are trusted proxies in front of us.
ANBUD_HTTPS = env_bool("ANBUD_HTTPS", False)
if ANBUD_HTTPS:
    SECURE_HSTS_SECONDS = env_int("ANBUD_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("ANBUD_SSL_REDIRECT", False)
    if ANBUD_TRUSTED_PROXIES > 0:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
FILE_UPLOAD_HANDLERS = ["procurement.uploads.LimitedUploadHandler"]
