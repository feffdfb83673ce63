"""config/wsgi.py (decision 0021): the objects loaded with the application are frozen out of the collector."""

import gc
import importlib
import sys


def test_loading_the_wsgi_application_freezes_what_it_loaded():
    sys.modules.pop("config.wsgi", None)
    gc.unfreeze()
    try:
        wsgi = importlib.import_module("config.wsgi")

        assert callable(wsgi.application)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
