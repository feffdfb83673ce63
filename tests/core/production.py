"""Production settings built in this process, from an environment of the test's choosing.

`config.settings.prod` (and `config.settings.base`, which it extends) read the environment when imported: they are
imported afresh under their own names with the environment given, then the modules of the test settings are put back,
so that nothing else in the process sees them. Cheaper than a `manage.py` subprocess (which starts Django and all the
apps again) and as faithful for what the tests read: the settings modules' own code runs on the environment given.
"""

import importlib
import os
import sys
from contextlib import contextmanager
from types import ModuleType

import config.settings

SETTINGS_MODULES = ("config.settings.base", "config.settings.prod")
PRODUCTION_LIKE_ENVIRONMENT = {
    "SECRET_KEY": "k3y-" + "x9Q" * 20 + "-production-like-secret",
    "ALLOWED_HOSTS": "resorption-bidonvilles.example.gouv.fr",
    "BASE_URL": "https://resorption-bidonvilles.example.gouv.fr",
}
# The browser tests allow async-unsafe ORM calls in this process (tests/browser/conftest.py); a production process
# never does, and Django's checks report async.E001 when it is set.
TEST_PROCESS_VARIABLES = ("DJANGO_ALLOW_ASYNC_UNSAFE",)


def import_production_settings(monkeypatch, environment: dict[str, str], *, drop: tuple[str, ...] = ()) -> ModuleType:
    """`config.settings.prod` as imported with the process environment updated with `environment`, less `drop`
    and less any storage variable (`S3_*`, `MEDIA_STORAGE_BACKEND`) that `environment` does not set.

    The environment stays so until the end of the test (monkeypatch undoes it), as it would for a process started
    with it.
    """
    for name in (*TEST_PROCESS_VARIABLES, *drop):
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name in environment:
            continue
        if name.startswith("S3_") or name == "MEDIA_STORAGE_BACKEND":
            monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with _fresh(SETTINGS_MODULES):
        return importlib.import_module("config.settings.prod")


def settings_of(module: ModuleType) -> dict:
    """The settings a module defines (its upper-case names), as Django reads them."""
    return {name: getattr(module, name) for name in dir(module) if name.isupper()}


@contextmanager
def _fresh(names: tuple[str, ...]):
    """Import `names` again inside the block; afterwards, the modules (and package attributes) are the ones before."""
    saved = {name: sys.modules.pop(name) for name in names if name in sys.modules}
    attributes = {name.rpartition(".")[2]: getattr(config.settings, name.rpartition(".")[2], None) for name in names}
    try:
        yield
    finally:
        for name in names:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
        for attribute, value in attributes.items():
            if value is None:
                if hasattr(config.settings, attribute):
                    delattr(config.settings, attribute)
            else:
                setattr(config.settings, attribute, value)
