"""Production settings pass Django's deployment checks, and refuse to start without a secret key.

The settings are built in this process from a production-like environment (tests/core/production.py) and the checks
run against them through `override_settings`, as `manage.py check --deploy` would in a process of their own.
"""

from io import StringIO

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings

from tests.core.production import PRODUCTION_LIKE_ENVIRONMENT, import_production_settings, settings_of

# Which database the checks would connect to does not matter (`check` runs no database check without --database),
# and Django refuses to switch databases under a running test.
NOT_OVERRIDDEN = {"DATABASES"}


def test_production_settings_pass_check_deploy(monkeypatch, tmp_path, db):
    """`manage.py check --deploy` reports nothing with production settings and real-looking values.

    `db`: the model checks ask the database what it supports (JSON fields on SQLite).
    """
    prod = import_production_settings(
        monkeypatch, {**PRODUCTION_LIKE_ENVIRONMENT, "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}"}
    )
    production = {
        name: value
        for name, value in settings_of(prod).items()
        if name not in NOT_OVERRIDDEN and (not hasattr(settings, name) or getattr(settings, name) != value)
    }
    assert production["SECRET_KEY"] == PRODUCTION_LIKE_ENVIRONMENT["SECRET_KEY"]  # the production values are used
    out = StringIO()

    with override_settings(**production):
        call_command("check", "--deploy", "--fail-level", "WARNING", stdout=out, stderr=out)

    assert "no issues" in out.getvalue()


def test_production_settings_refuse_to_start_without_secret_key(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is required"):
        import_production_settings(
            monkeypatch, {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}, drop=("SECRET_KEY",)
        )
