"""`make run`: the links in emails follow the address served (issue 9, item 8). Read from `make --dry-run`, which
prints the commands without running any."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def run_dev_command(*arguments: str, **environment: str) -> str:
    """The command line that `make run …` uses to start the web server, worker and scheduler."""
    if shutil.which("make") is None:
        pytest.fail("`make` is missing: the Makefile is the project's entry point.")
    inherited = {
        name: value
        for name, value in os.environ.items()
        if name not in {"BASE_URL", "HOST", "PORT", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    }
    result = subprocess.run(
        ["make", "--dry-run", "--no-print-directory", "run", *arguments],
        cwd=ROOT,
        env={**inherited, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    [line] = [line for line in result.stdout.splitlines() if "scripts/run-dev.sh" in line]
    return line


def test_make_run_gives_the_port_to_base_url():
    assert run_dev_command("PORT=8123") == "BASE_URL='http://127.0.0.1:8123' scripts/run-dev.sh 127.0.0.1:8123"


def test_make_run_gives_the_host_and_port_to_base_url():
    assert (
        run_dev_command("HOST=0.0.0.0", "PORT=9000")
        == "BASE_URL='http://0.0.0.0:9000' scripts/run-dev.sh 0.0.0.0:9000"
    )


def test_make_run_keeps_a_base_url_set_in_the_environment():
    command = run_dev_command("PORT=8123", BASE_URL="https://demo.exemple.fr")
    assert command == "BASE_URL='https://demo.exemple.fr' scripts/run-dev.sh 127.0.0.1:8123"


def test_make_run_defaults_to_the_documented_address():
    assert run_dev_command() == "BASE_URL='http://127.0.0.1:8000' scripts/run-dev.sh 127.0.0.1:8000"
