"""Production: PostgreSQL through DATABASE_URL, SMTP mailer, HTTPS everywhere."""

from django.core.exceptions import ImproperlyConfigured

from config.env import cache_setting, env, env_bool, env_int, session_engine
from config.settings.base import *  # noqa: F403
from config.settings.base import CACHES

SECRET_KEY = env("SECRET_KEY")  # no default in production
DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Rate limits (access requests) count in the cache, and sessions may live there: it must be shared by every web
# process, so production defaults to the database table and refuses a per-process cache.
CACHES = {**CACHES, "default": cache_setting(env("CACHE_URL", "db"))}
SESSION_ENGINE = session_engine(env("SESSION_STORE", "db"), CACHES["default"])
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache":
    raise ImproperlyConfigured("CACHE_URL=locmem is per process: use redis://… or db in production.")
