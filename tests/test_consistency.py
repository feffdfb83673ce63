"""Project-wide consistency: migrations match the models, every template is used."""

import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

ROOT = Path(settings.BASE_DIR)
TEMPLATES_DIR = ROOT / "resorption" / "templates"


def test_models_and_migrations_agree(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_every_template_is_referenced_somewhere():
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for pattern in ("resorption/**/*.py", "resorption/**/*.html", "resorption/**/*.txt")
        for path in ROOT.glob(pattern)
    )
    unused = []
    for template in TEMPLATES_DIR.rglob("*.*"):
        name = template.relative_to(TEMPLATES_DIR).as_posix()
        # Email templates are named without folder nor extension: email_queue(template="password_reset", …).
        stem = re.sub(r"\.(html|txt)$", "", name).removeprefix("emails/")
        if name not in sources and f'"{stem}"' not in sources:
            unused.append(name)
    assert unused == []


def test_tests_that_flush_the_database_run_after_the_others_whatever_the_seed():
    """Seed 3 is one where pytest's fixture regrouping used to put the browser tests first (see tests/conftest.py)."""
    for seed in (3, 11):
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", f"--randomly-seed={seed}", "-p", "no:xdist"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        ids = [line for line in result.stdout.splitlines() if "::" in line]
        browser = [index for index, test_id in enumerate(ids) if test_id.startswith("tests/browser/")]
        demo = [index for index, test_id in enumerate(ids) if test_id.startswith("tests/demo/")]
        assert browser and demo, result.stdout[-2000:] + result.stderr[-2000:]
        assert max(demo) < min(browser)
