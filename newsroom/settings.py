"""
Settings for the newsroom CMS, read from the environment.

Secure by default: DEBUG is off unless DEBUG=1 is set (`make run` and the test settings set it), and with DEBUG off
SECRET_KEY must be set (start-up stops without it). Development with DEBUG=1 needs nothing else: SQLite in the project
folder, a local-memory cache, pictures on the local disk. Production sets ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS,
DATABASE_URL (PostgreSQL), REDIS_URL and, for more than one server, the S3 media store; README "Production" lists
every variable read here.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "development-only-not-secret"  # noqa: S105 - never used with DEBUG off

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # modeltranslation must come before the admin so its admin classes patch in first.
    "modeltranslation",
    "newsroom.apps.NewsroomAdminConfig",
    # The project's own app: health checks, the 503 page, two-factor setup, backup and restore commands.
    "newsroom",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django_filters",
    "reversion",
    # Only for its editor's static files (ProseMirror/Tiptap) and their translations; see articles/widgets.py.
    "django_prose_editor",
    # Login protection: failed logins counted per user and address in the database, so every server sees them.
    "newsroom.apps.LoginProtectionConfig",  # axes, with a translated name
    # Optional TOTP second factor for staff (required for chief editors with ADMIN_REQUIRE_2FA=1).
    "django_otp",
    "newsroom.apps.TwoFactorDevicesConfig",  # django_otp.plugins.otp_totp, with translated names
    "csp",
    "storages",
    # The design, one app per part; dependencies run articles <- workflow <- reader and articles <- interchange.
    "articles",
    "workflow",
    "interchange",
    "reader",
]

MIDDLEWARE = [
    # First: a cached public page is answered before anything else runs (reader/caching.py).
    "reader.caching.PageCacheMiddleware",
    # Next, so its timings cover everything below and it sees every answer Django renders (REQUEST_LOG=1).
    "newsroom.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # django-csp's, with the constant policy of nonce-free answers built once (newsroom/middleware.py).
    "newsroom.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Below LocaleMiddleware, so the 503 page is in the reader's language.
    "newsroom.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After authentication: the admin speaks the language each editor chose (ADMIN_LANGUAGES), not the site's.
    "workflow.middleware.AdminLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "reader.statement_timeout.StatementTimeoutMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"

TEMPLATES = [
    {
        # The public site's templates, reader/jinja2/ (reader/templating.py says why they are Jinja2); first, so its
        # 404 page is the one found.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "reader.templating.environment",
            "extensions": ["jinja2.ext.i18n"],
            "context_processors": ["reader.templating.page_context"],
        },
    },
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

WSGI_APPLICATION = "newsroom.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# Every database call has a deadline: a database that stops answering costs a request seconds, not minutes (psycopg
# waits 130 s to connect by default), and the 503 page (newsroom/middleware.py) answers instead.
DATABASE_CONNECT_TIMEOUT = env_int("DATABASE_CONNECT_TIMEOUT", 3)  # seconds
DATABASE_STATEMENT_TIMEOUT = env_int("DATABASE_STATEMENT_TIMEOUT", 30_000)  # milliseconds; 0 turns it off
# A request's queries are short: starting parallel workers costs more than they save (a category's capped count took
# 11 ms with two workers and 4 ms without, at 100,000 articles). Reports run from a shell can ask for them.
DATABASE_PARALLEL_WORKERS = env_int("DATABASE_PARALLEL_WORKERS", 0)
# After a connect fails, a process answers 503 at once for this long instead of waiting out the connect timeout on
# every request (newsroom/backends/postgresql).
DATABASE_OUTAGE_PAUSE = env_int("DATABASE_OUTAGE_PAUSE", 5)  # seconds
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "newsroom.backends.postgresql"
    DATABASES["default"]["OPTIONS"] = {
        "connect_timeout": DATABASE_CONNECT_TIMEOUT,
        # Server side: a statement running longer is cancelled. Client side: a kept connection whose packets go
        # unacknowledged (a network that drops them; the server's kernel acknowledges even during a long statement)
        # is given up after a few seconds, and idle ones are probed.
        "options": (
            f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT}"
            f" -c max_parallel_workers_per_gather={DATABASE_PARALLEL_WORKERS}"
        ),
        "tcp_user_timeout": (DATABASE_CONNECT_TIMEOUT + 2) * 1000,
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        **DATABASES["default"].get("OPTIONS", {}),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while an import writes; the timeout rides out short write locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "newsroom"),
            # A cache that stops answering must not hold requests: pages then render uncached (reader/caching.py).
            "OPTIONS": {
                "socket_connect_timeout": float(os.environ.get("REDIS_CONNECT_TIMEOUT", "0.5")),
                "socket_timeout": float(os.environ.get("REDIS_TIMEOUT", "0.5")),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# django-axes first: it refuses a locked-out login before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: Arabic is the service's own language and modeltranslation's default.
LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", _("Arabic")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Berlin")

# The languages the admin speaks, which an editor chooses for themselves: the publishing languages and English.
# Kept apart from LANGUAGES, which also makes the public site's URL prefixes (/ar/, /de/) and the article columns.
ADMIN_LANGUAGES = [*LANGUAGES, ("en", _("English"))]

# The languages articles are written and published in: one column per translated field each.
MODELTRANSLATION_LANGUAGES = tuple(code for code, _name in LANGUAGES)
MODELTRANSLATION_DEFAULT_LANGUAGE = MODELTRANSLATION_LANGUAGES[0]
# What Django does not know about each publishing language; articles/languages.py reads it (and has the defaults).
LANGUAGE_FACTS = {
    "ar": {
        "date_format": "j F Y",  # ٦ نوفمبر ٢٠١٦, as the Arabic service prints it
        "digits": "٠١٢٣٤٥٦٧٨٩",
        "search_config": "arabic",
        "list_separator": "، ",
        "og_locale": "ar_AR",
    },
    "de": {"date_format": "d.m.Y", "search_config": "german", "og_locale": "de_DE"},
}
# No silent fallback: an empty German version is missing, never the Arabic text shown as German.
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": ()}
MODELTRANSLATION_ENABLE_FALLBACKS = False
MODELTRANSLATION_AUTO_POPULATE = False

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Pictures, renditions and staged import files go through Django's storage API: the local disk by default, an
# S3-compatible object store with MEDIA_STORAGE=s3 (then every server sees every file, and the store or a CDN in
# front of it serves /media/).
MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "local")
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded import files wait here between preview and confirmation; outside MEDIA_ROOT, which is public.
IMPORT_STAGING_ROOT = Path(os.environ.get("IMPORT_STAGING_ROOT", BASE_DIR / "var" / "imports"))
STATICFILES_STORAGE_BACKEND = (
    "django.contrib.staticfiles.storage.StaticFilesStorage"
    if DEBUG
    else "whitenoise.storage.CompressedManifestStaticFilesStorage"
)
if MEDIA_STORAGE == "s3":
    from botocore.config import Config as S3ClientConfig  # only S3 deployments need boto3

    S3_BUCKET = os.environ.get("S3_BUCKET", "")
    if not S3_BUCKET:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs S3_BUCKET.")
    S3_OPTIONS = {
        "bucket_name": S3_BUCKET,
        "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("S3_REGION") or None,
        # Credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the host's role, as boto3 reads them.
        "file_overwrite": False,
        # Every call to the store has a deadline and a few retries.
        "client_config": S3ClientConfig(
            connect_timeout=env_int("S3_TIMEOUT", 5),
            read_timeout=env_int("S3_TIMEOUT", 5) * 3,
            retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": os.environ.get("S3_ADDRESSING_STYLE", "path")},
        ),
    }
    STORAGES = {
        # Public pictures: plain URLs (no signatures) on the store's public prefix, or on the CDN (S3_CUSTOM_DOMAIN).
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **S3_OPTIONS,
                "location": os.environ.get("S3_MEDIA_PREFIX", "media"),
                "querystring_auth": False,
                "custom_domain": os.environ.get("S3_CUSTOM_DOMAIN") or None,
                "url_protocol": os.environ.get("S3_URL_PROTOCOL", "https:"),
                "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            },
        },
        # Staged imports are private: agency files may hold notes not meant for readers.
        "imports": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **S3_OPTIONS,
                "location": os.environ.get("S3_IMPORTS_PREFIX", "import-staging"),
                "default_acl": "private",
                "querystring_auth": True,
            },
        },
        "staticfiles": {"BACKEND": STATICFILES_STORAGE_BACKEND},
    }
elif MEDIA_STORAGE == "local":
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "imports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": IMPORT_STAGING_ROOT, "base_url": None},
        },
        "staticfiles": {"BACKEND": STATICFILES_STORAGE_BACKEND},
    }
else:
    raise ImproperlyConfigured("MEDIA_STORAGE must be local or s3.")
# Whether this process serves /media/ itself: in development, or on one server without a proxy in front.
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG) and MEDIA_STORAGE == "local"

# Uploads: imports take files of a few MB; anything larger is refused before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_FILE_BYTES = int(os.environ.get("IMPORT_MAX_FILE_BYTES", 10 * 1024 * 1024))
IMPORT_MAX_ZIP_MEMBERS = int(os.environ.get("IMPORT_MAX_ZIP_MEMBERS", 5000))
IMPORT_MAX_ZIP_BYTES = int(os.environ.get("IMPORT_MAX_ZIP_BYTES", 500 * 1024 * 1024))
IMAGE_MAX_BYTES = int(os.environ.get("IMAGE_MAX_BYTES", 25 * 1024 * 1024))
IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_PIXELS", 60_000_000))
# Memory one picture may take while it is decoded for its renditions (JPEGs decode at reduced scale, so this mostly
# bounds PNG, WebP and GIF); a picture that needs more is refused by its header, before decoding, and says why.
IMAGE_MAX_DECODED_BYTES = int(os.environ.get("IMAGE_MAX_DECODED_BYTES", 32 * 1024 * 1024))
IMAGE_MIN_SIDE = 16
# How many imports (previews and confirmations) one editor may run at once, across all servers.
IMPORT_MAX_CONCURRENT_PER_USER = env_int("IMPORT_MAX_CONCURRENT_PER_USER", 2)
# Import previews never confirmed are deleted after this long (on the next upload and by clean_import_staging).
IMPORT_STAGING_MAX_AGE = env_int("IMPORT_STAGING_MAX_AGE", 24 * 3600)  # seconds

# Feeds (`manage.py ingest`) and the pictures their items name: what a request may take and where it may go. Hosts
# inside our own network (private, loopback, link-local addresses) are refused unless listed here.
FETCH_ALLOWED_HOSTS = env_list("FETCH_ALLOWED_HOSTS", [])
FETCH_TIMEOUT_SECONDS = float(os.environ.get("FETCH_TIMEOUT_SECONDS", 10))
FETCH_MAX_REDIRECTS = int(os.environ.get("FETCH_MAX_REDIRECTS", 3))
FETCH_RETRIES = int(os.environ.get("FETCH_RETRIES", 2))
FETCH_BACKOFF_SECONDS = float(os.environ.get("FETCH_BACKOFF_SECONDS", 2))
FETCH_USER_AGENT = os.environ.get("FETCH_USER_AGENT", "newsroom-ingest/1.0")
# Drop folders must lie below this folder: a feed never reads (and moves) files anywhere else on the server.
INGEST_DROP_ROOT = Path(os.environ.get("INGEST_DROP_ROOT", BASE_DIR / "var" / "drop"))
# A dropped file younger than this may still be being written; it waits for the next run.
INGEST_SETTLE_SECONDS = float(os.environ.get("INGEST_SETTLE_SECONDS", 10))
# How long a process may hold a feed before another may take it over (a crashed one never lets go otherwise).
INGEST_LEASE_SECONDS = int(os.environ.get("INGEST_LEASE_SECONDS", 900))
# Pictures downloaded for a feed file's items are written with them in parts of about this many bytes, so a file
# naming a thousand pictures never holds them all in memory.
INGEST_PICTURE_BYTES_IN_MEMORY = int(os.environ.get("INGEST_PICTURE_BYTES_IN_MEMORY", 4 * IMAGE_MAX_BYTES))

# The public page cache (reader/caching.py) and the CDN in front of it (reader/purge.py).
PUBLIC_PAGE_CACHE_SECONDS = int(os.environ.get("PUBLIC_PAGE_CACHE_SECONDS", 300))  # a safety net: changes renew pages
PUBLIC_PAGE_STALE_SECONDS = int(os.environ.get("PUBLIC_PAGE_STALE_SECONDS", 10))  # served while one worker re-renders
PUBLIC_PAGE_MAX_AGE = int(os.environ.get("PUBLIC_PAGE_MAX_AGE", 60))  # browsers
PUBLIC_PAGE_STALE_WHILE_REVALIDATE = int(os.environ.get("PUBLIC_PAGE_STALE_WHILE_REVALIDATE", 30))
CDN_PURGE_URL = os.environ.get("CDN_PURGE_URL", "")  # e.g. http://varnish:6081/ ; unset: no purge requests
CDN_PURGE_HEADER = os.environ.get("CDN_PURGE_HEADER", "Surrogate-Key")
# Shared caches keep pages for a minute, or a day when purges reach them.
PUBLIC_PAGE_SHARED_MAX_AGE = int(os.environ.get("PUBLIC_PAGE_SHARED_MAX_AGE", 86400 if CDN_PURGE_URL else 60))
PUBLIC_STATEMENT_TIMEOUT_MS = int(os.environ.get("PUBLIC_STATEMENT_TIMEOUT_MS", 3000))  # PostgreSQL, public pages

SITE_NAME = os.environ.get("SITE_NAME", "Newsroom")
# How long a shared preview link (for a colleague without an account) stays valid, in seconds.
PREVIEW_LINK_MAX_AGE = int(os.environ.get("PREVIEW_LINK_MAX_AGE", 3 * 24 * 3600))
SHORT_LINK_BASE = os.environ.get("SHORT_LINK_BASE", "")

# --- Behind a TLS proxy -----------------------------------------------------------------------------------------
# The proxy terminates TLS and must set (not pass on) X-Forwarded-Proto; without it, https requests look like http and
# the admin's login is refused as a cross-site POST. SECURE_PROXY_SSL_HEADER="" turns trusting it off.
_proxy_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "" if DEBUG else "HTTP_X_FORWARDED_PROTO,https")
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = tuple(part.strip() for part in _proxy_header.split(",", 1))
# How many proxies in front append to X-Forwarded-For: the client's address (for login lockouts and the request
# log) is read that many entries from the end; 0 reads the connection's address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0 if DEBUG else 1)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# The admin's messages live in its session: the default (a signed cookie, falling back to the session) builds a
# cookie signer on every request, public pages included, which never show a message.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"

# --- Content-Security-Policy (django-csp) ---------------------------------------------------------------------------
# No inline scripts or styles anywhere: our templates load static files; the few inline pieces of Django's admin
# templates carry a nonce (templates/admin/). Pictures may come from the media store or CDN when it is elsewhere.
_media_origin = [MEDIA_URL] if MEDIA_URL.startswith(("http://", "https://")) else []
if MEDIA_STORAGE == "s3" and not _media_origin:
    _media_origin = [
        f"{STORAGES['default']['OPTIONS']['url_protocol']}//{STORAGES['default']['OPTIONS']['custom_domain']}"
        if STORAGES["default"]["OPTIONS"]["custom_domain"]
        else (STORAGES["default"]["OPTIONS"]["endpoint_url"] or "https://*.amazonaws.com")
    ]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # data: for the QR code of two-factor setup; blob: for a picture shown in the article form before it is
        # uploaded (its focal point is set on it).
        "img-src": [SELF, "data:", "blob:", *_media_origin],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Nothing of ours uses these browser features; say so, so no injected script can ask for them.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}

# --- Login protection -----------------------------------------------------------------------------------------------
# django-axes: after LOGIN_FAILURE_LIMIT failed logins, the same user from the same address is locked out for
# LOGIN_LOCKOUT_MINUTES. `manage.py axes_reset_username NAME` (or axes_reset) unlocks early.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [
    [part.strip() for part in group.split("+")] for group in env_list("LOGIN_LOCKOUT_BY", ["username+ip_address"])
]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "newsroom.middleware.client_address"
AXES_LOCKOUT_CALLABLE = "newsroom.login.lockout_response"
AXES_VERBOSE = False
# Successful logins are in the admin's log already; only failures are kept.
AXES_DISABLE_ACCESS_LOG = True
# Two-factor login: optional for every staff member; required for chief editors when ADMIN_REQUIRE_2FA=1.
ADMIN_REQUIRE_2FA = env_bool("ADMIN_REQUIRE_2FA", False)
ADMIN_2FA_REQUIRED_GROUPS = ["chief editor"]
OTP_TOTP_ISSUER = os.environ.get("SITE_NAME", "Newsroom")

# --- Logs -------------------------------------------------------------------------------------------------------------
# REQUEST_LOG=1 writes one JSON line per request (method, path, status, duration, queries) to the "newsroom.request"
# logger; health probes are left out.
REQUEST_LOG = env_bool("REQUEST_LOG", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"message": {"format": "%(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "request_log": {"class": "logging.StreamHandler", "formatter": "message"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "newsroom.request": {"handlers": ["request_log"], "level": "INFO", "propagate": False},
    },
}
