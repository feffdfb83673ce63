"""Read deployment settings from environment variables, with typed helpers."""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"The environment variable {name} is required.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"The environment variable {name} must be a boolean, got {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"The environment variable {name} must be an integer, got {raw!r}.") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def cache_setting(url: str) -> dict:
    """The default cache from CACHE_URL: `redis://…` or `rediss://…` (Redis), `db` (database table `django_cache`),
    `locmem` (one process)."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if url == "db":
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}
    if url == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise ImproperlyConfigured(f"CACHE_URL must be redis://…, db or locmem, got {url!r}.")


_SESSION_ENGINES = {
    "db": "resorption.accounts.sessions",  # Django's database store, with a cheaper read
    "cache": "django.contrib.sessions.backends.cache",
    "cached_db": "django.contrib.sessions.backends.cached_db",
}


def session_engine(store: str, cache: dict) -> str:
    """The session engine from SESSION_STORE. Sessions kept only in the cache need one that survives restarts and is
    shared by every process: Redis, never `locmem` or the database cache (use `db` for that)."""
    if store not in _SESSION_ENGINES:
        raise ImproperlyConfigured(f"SESSION_STORE must be db, cache or cached_db, got {store!r}.")
    if store == "cache" and not cache["BACKEND"].endswith("RedisCache"):
        raise ImproperlyConfigured("SESSION_STORE=cache needs CACHE_URL=redis://…")
    return _SESSION_ENGINES[store]
