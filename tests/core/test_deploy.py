import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def _environment_without_test_flags() -> dict[str, str]:
    """The browser tests allow async-unsafe ORM calls in this process; production must not inherit that."""
    return {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}


def test_production_settings_pass_check_deploy(tmp_path):
    """`manage.py check --deploy` reports nothing with production settings and real-looking values."""
    env = {
        **_environment_without_test_flags(),
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": "k3y-" + "x9Q" * 20 + "-production-like-secret",
        "ALLOWED_HOSTS": "resorption-bidonvilles.example.gouv.fr",
        "BASE_URL": "https://resorption-bidonvilles.example.gouv.fr",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_secret_key(tmp_path):
    env = {key: value for key, value in _environment_without_test_flags().items() if key != "SECRET_KEY"}
    env.update(
        {"DJANGO_SETTINGS_MODULE": "config.settings.prod", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr
