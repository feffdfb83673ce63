"""Project-wide consistency: migrations match the models, every template is used."""

import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from tests.conftest import COLLECTION_ORDER

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


def test_tests_that_flush_the_database_run_after_the_others_whatever_the_seed(request, monkeypatch):
    """Seed 3 is one where pytest's fixture regrouping used to put the browser tests first (see tests/conftest.py).

    When this process collected the whole suite with pytest-randomly, the items are put back in their collection order
    and reordered again for each seed by this process's own `pytest_collection_modifyitems` hooks (pytest-randomly,
    pytest-django, pytest's fixture regrouping, tests/conftest.py): what `pytest --collect-only --randomly-seed=N`
    would do, without collecting the suite again. Otherwise (a part of the suite, `-p no:randomly`), a collect-only
    run in a subprocess does it.
    """
    config = request.config
    collected = config.stash.get(COLLECTION_ORDER, [])
    in_process = config.pluginmanager.has_plugin("randomly") and _browser_and_demo_positions(
        [item.nodeid for item in request.session.items]
    )
    for seed in (3, 11):
        if in_process:
            monkeypatch.setattr(config.option, "randomly_seed", seed)
            items = list(collected)
            config.hook.pytest_collection_modifyitems(session=request.session, config=config, items=items)
            ids, output = [item.nodeid for item in items], ""
        else:
            ids, output = _collect_in_a_subprocess(seed)
        positions = _browser_and_demo_positions(ids)
        assert positions, output
        browser, demo = positions
        assert max(demo) < min(browser)


def _browser_and_demo_positions(ids: list[str]) -> tuple[list[int], list[int]] | None:
    browser = [index for index, test_id in enumerate(ids) if test_id.startswith("tests/browser/")]
    demo = [index for index, test_id in enumerate(ids) if test_id.startswith("tests/demo/")]
    return (browser, demo) if browser and demo else None


def _collect_in_a_subprocess(seed: int) -> tuple[list[str], str]:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", f"--randomly-seed={seed}", "-p", "no:xdist"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    ids = [line for line in result.stdout.splitlines() if "::" in line]
    return ids, result.stdout[-2000:] + result.stderr[-2000:]
