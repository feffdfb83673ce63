"""Settings shared by every environment.

Every value that differs between deployments is read from an environment variable (see README "Configuration").
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import cache_setting, env, env_bool, env_int, env_list, session_engine

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env("VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env("SECRET_KEY", "insecure-development-key-change-me-in-production-0123456789")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
BASE_URL = env("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", BASE_URL)

INSTALLED_APPS = [
    # dsfr must come before django.forms so that its widget templates win (PLATFORM-NOTES).
    "dsfr",
    "django.forms",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "widget_tweaks",  # django-dsfr's checkbox and radio templates load it
    "simple_history",
    "resorption.core",
    "resorption.emails",
    "resorption.territories",
    "resorption.accounts",
    "resorption.settlements",
    "resorption.journal",
    "resorption.actions",
    "resorption.maps",
    "resorption.notifications",
    "resorption.directory",
    "resorption.activity",
    "resorption.exports",
    "resorption.stats",
    "resorption.dashboard",
    "resorption.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "resorption.core.middleware.RequestLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "resorption.accounts.middleware.SessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "resorption.accounts.middleware.AccountGateMiddleware",
    "resorption.accounts.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# SQLite, the embedded default, builds covering indexes without their included columns (models.W040): the key
# columns still serve it, and PostgreSQL, production's database, gets the whole index.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "resorption" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "resorption.core.context_processors.navigation",
                "resorption.accounts.context_processors.account_links",
                "resorption.notifications.context_processors.notification_bell",
            ],
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
DSFR_MARK_OPTIONAL_FIELDS = True

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The web server, the task worker and the scheduler are separate processes writing to the same file:
    # - WAL lets readers go on while one process writes;
    # - a writer waits up to `timeout` seconds for the write lock instead of failing at once (« database is locked »);
    # - IMMEDIATE takes the write lock when a transaction begins: a transaction that read first, then wants to write
    #   after another process committed, fails at once whatever the timeout (SQLITE_BUSY on upgrade).
    # tests/core/test_database.py runs concurrent writers and the worker on a file database with these options.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL;",
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", True
):
    # Server-side parameters: psycopg then prepares a statement it has run 5 times on a connection, so that the
    # planning of the pages' queries (about 1 ms for the site's joins, more than running them) is done once per
    # connection (kept DATABASE_CONN_MAX_AGE seconds), not once per request. Set DATABASE_PREPARED_STATEMENTS=0 behind
    # a pooler in transaction mode (PgBouncer before 1.21), which cannot keep prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and sessions, shared by every web process and host in production (docs/decisions/0011-sessions-cache…).
# CACHE_URL: `redis://host:6379/0` (Redis), `db` (the table of `createcachetable`), `locmem` (one process only).
# SESSION_STORE: `db` (a table), `cache` (the cache alone: Redis), `cached_db` (read from the cache, kept in a table).
CACHES = {
    "default": cache_setting(env("CACHE_URL", "locmem")),
    # Rendered fragments whose key is derived from everything they show (the list's filter panel, a site version's
    # public sections): the same in every process, so each process keeps its own copy in memory — no query, no
    # network. Up to 3,000 of them (a site's sections weigh about 8 KB: some 25 MB per process at most).
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "OPTIONS": {"MAX_ENTRIES": 3000},
    },
}
SESSION_ENGINE = session_engine(env("SESSION_STORE", "db"), CACHES["default"])

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["resorption.accounts.backends.EmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:index"
LOGOUT_REDIRECT_URL = "core:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "resorption.accounts.passwords.PasswordPolicyValidator"},
]
# Activation links sent by admins stay valid this many days (reference §B.3).
ACTIVATION_LINK_DAYS = env_int("ACTIVATION_LINK_DAYS", 7)
# Password reset links expire after this many seconds (Django's PasswordResetTokenGenerator).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 24 * 3600)

# Sign-in throttling (reference §B.5): failures counted over a sliding window.
SIGNIN_WINDOW = timedelta(minutes=env_int("SIGNIN_WINDOW_MINUTES", 15))
SIGNIN_MAX_FAILURES_PER_EMAIL = env_int("SIGNIN_MAX_FAILURES_PER_EMAIL", 3)
# An IP is often shared by a whole administration behind a proxy: its limit is higher than one account's.
SIGNIN_MAX_FAILURES_PER_IP = env_int("SIGNIN_MAX_FAILURES_PER_IP", 20)
# Reverse proxies in front of the application that append the client's address to X-Forwarded-For (0: none, the
# client's address is REMOTE_ADDR). Read by resorption.core.network.client_ip; too many lets clients forge their IP.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more, got {TRUSTED_PROXY_COUNT}.")

# Idle session timeout: a session expires after this many idle seconds. Its expiry is pushed back at most once a
# minute (SESSION_RENEWAL_SECONDS, accounts.middleware.SessionRenewalMiddleware), so that a page costs no write.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 30) * 60
SESSION_RENEWAL_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The CSRF refusal as a French page (the error pages are in resorption/core/views.py, set in config/urls.py).
CSRF_FAILURE_VIEW = "resorption.core.views.csrf_failure"

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [
    BASE_DIR / "resorption" / "static",
    # The map's library, served from the files npm installs (`make install` runs `npm ci`; docs/decisions/0018-map.md).
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
    ("vendor/leaflet.markercluster", BASE_DIR / "node_modules" / "leaflet.markercluster" / "dist"),
    # The statistics' charts (Chart.js, UMD build), each with the same figures as a table under it.
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": env("MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "resorption.core.staticfiles.StaticFilesStorage"},
}
# Uploaded files on an S3-compatible object store (production), through django-storages, when S3_BUCKET is set.
# Objects stay private: files are only ever served through our views, which check permissions (journal attachments).
if env("S3_BUCKET", ""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET", ""),
            "endpoint_url": env("S3_ENDPOINT_URL", "") or None,
            "region_name": env("S3_REGION", "") or None,
            "access_key": env("S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env("S3_SECRET_ACCESS_KEY", "") or None,
            "location": env("S3_PREFIX", "media"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# Virus scanning of uploaded files (journal attachments, reference §C.13): clamd's INSTREAM command over a unix socket
# (CLAMD_SOCKET) or TCP (CLAMD_HOST, CLAMD_PORT). With neither set, files are not scanned and a log line says so.
CLAMD_SOCKET = env("CLAMD_SOCKET", "")
CLAMD_HOST = env("CLAMD_HOST", "")
CLAMD_PORT = env_int("CLAMD_PORT", 3310)
CLAMD_TIMEOUT = env_int("CLAMD_TIMEOUT", 30)

# Outgoing email (Django 6.1 mailers). SMTP in production; see config/settings/dev.py for the development outbox.
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Résorption-bidonvilles <ne-pas-repondre@resorption-bidonvilles.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
CONTACT_EMAIL = env("CONTACT_EMAIL", "contact@resorption-bidonvilles.test")
MAILERS = {
    "default": {
        "BACKEND": env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"),
        "OPTIONS": {
            "host": env("EMAIL_HOST", "localhost"),
            "port": env_int("EMAIL_PORT", 25),
            "username": env("EMAIL_HOST_USER", ""),
            "password": env("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", False),
            "timeout": env_int("EMAIL_TIMEOUT", 10),
        },
    }
}

# Map tiles are an outside service: the URL is a setting (PLATFORM-NOTES), IGN's « Plan IGN v2 » unless told
# (OpenStreetMap: README). The CSP lets images come from the tiles' host and nowhere else (a `{s}` subdomain becomes
# a wildcard); the map reads no other outside resource (docs/decisions/0018-map.md).
MAP_TILE_URL = env(
    "MAP_TILE_URL",
    "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2"
    "&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}",
)
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", "© IGN – Plan IGN v2")
if MAP_TILE_URL:
    _tiles = urlsplit(MAP_TILE_URL)
    if _tiles.scheme not in ("https", "http") or not _tiles.netloc:
        raise ImproperlyConfigured(f"MAP_TILE_URL must be an http(s) URL template, got {MAP_TILE_URL!r}.")
    SECURE_CSP["img-src"] = [*SECURE_CSP["img-src"], f"{_tiles.scheme}://{_tiles.netloc.replace('{s}', '*')}"]
# The national address API (BAN, e.g. https://api-adresse.data.gouv.fr/search/ or
# https://data.geopf.fr/geocodage/search) searched by the map's place search, from the server; empty: the search
# finds territories only (resorption/maps/geocoding.py).
ADDRESS_API_URL = env("ADDRESS_API_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "resorption.core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "loggers": {
        "django": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "WARNING")},
        # 4xx warnings repeat the raw path, which may hold an activation or reset token; our request log masks it.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "resorption": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO"), "propagate": False},
    },
}

# Where `load_territories` reads the Etalab data set (installed by `npm ci`).
TERRITORIES_DATA_DIR = Path(
    env("TERRITORIES_DATA_DIR", str(BASE_DIR / "node_modules" / "@etalab" / "decoupage-administratif" / "data"))
)

# Background work: Django's tasks API on a database queue (`manage.py db_worker`), and periodic jobs enqueued by
# `manage.py run_scheduler` (resorption/core/scheduler.py). See docs/architecture.md.
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
SCHEDULED_JOBS = {
    "deliver_due_emails": {"task": "resorption.emails.tasks.deliver_due_emails", "every": 60},
    # Account jobs (reference §B.3, §B.9, §J.3); each one is also a management command of the same name.
    "send_access_reminders": {"task": "resorption.accounts.tasks.send_access_reminders", "every": 15 * 60},
    "check_inactive_users": {"task": "resorption.accounts.tasks.check_inactive_users", "daily_at": "06:00"},
    "anonymize_users": {"task": "resorption.accounts.tasks.anonymize_users", "daily_at": "11:00"},
    "purge_signin_log": {"task": "resorption.accounts.tasks.purge_signin_log", "daily_at": "04:00"},
    # Weekly digest, Monday 07:00 (§F.3, §J.3). The scheduler has no weekly slot: the job runs daily at 07:00 and
    # sends only from Monday 07:00 to Wednesday 07:00, once per person and week (resorption/notifications/digest.py).
    "send_weekly_digests": {"task": "resorption.notifications.tasks_digest.send_weekly_digests", "daily_at": "07:00"},
    "send_action_reminders": {"task": "resorption.actions.tasks.send_action_reminders", "daily_at": "05:00"},  # §E.3
    # Deletes site export files 24 hours after they were written; the rows stay as the export log (§H.4).
    "sweep_site_exports": {"task": "resorption.exports.tasks.sweep_site_exports", "every": 60 * 60},
    # Fans out the notification events whose task failed or was lost (resorption/notifications/services.py).
    "fan_out_pending_notifications": {
        "task": "resorption.notifications.tasks.fan_out_pending_notifications",
        "every": 5 * 60,
    },
}
