"""Local development (`make run`): SQLite, debug, emails kept in files instead of being sent."""

from config.env import env, env_bool
from config.settings.base import *  # noqa: F403
from config.settings.base import MAILERS, VAR_DIR

DEBUG = env_bool("DEBUG", True)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MAILERS["default"] = {
    "BACKEND": env("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"),
    "OPTIONS": {"file_path": env("EMAIL_FILE_PATH", str(VAR_DIR / "outbox"))},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
