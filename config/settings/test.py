"""Test settings: fast hashing, plain static storage, fail on unknown template variables."""

from config.settings.base import *  # noqa: F403
from config.settings.base import TEMPLATES

SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ALLOWED_HOSTS = ["*"]


class _InvalidTemplateVariable(str):
    """Makes an unknown template variable an error instead of an empty string."""

    def __mod__(self, other):
        raise NameError(f"Unknown template variable: {other!r}")


TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = _InvalidTemplateVariable("%s")
# Static files are served from the app folders in tests; nothing has been collected.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# Tasks run at once, in the test process; periodic jobs are called directly by the tests that move the clock.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# A file, not SQLite's in-memory database: the live server of the browser tests then opens its own connections
# instead of sharing the test thread's one across threads (which raced at teardown). pytest-xdist suffixes the name
# per worker.
import os  # noqa: E402

from config.settings.base import DATABASES, VAR_DIR  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # TEST_DB_NAME lets several test runs share a working tree (each its own file).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / os.environ.get("TEST_DB_NAME", "test-db.sqlite3"))}

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A commit of the test database does not wait for its write-ahead log to reach the disk: the browser and
    # transactional tests commit and flush all the time, and no test is about surviving a crash of the server. The
    # setting is the session's own (the server and other databases keep theirs).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c synchronous_commit=off".strip()
