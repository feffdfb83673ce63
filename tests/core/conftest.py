import pytest
from django.db import connection


@pytest.fixture
def short_lock_wait():
    """This thread's connection gives up on a lock held elsewhere after 0.1 s (SQLite's busy timeout, PostgreSQL's
    lock_timeout) instead of 20 s or never, so that a test meets « database is locked » / « lock timeout » quickly."""
    options = connection.settings_dict["OPTIONS"]
    saved = dict(options)
    if connection.vendor == "sqlite":
        options["timeout"] = 0.1
    else:
        options["options"] = f"{options.get('options', '')} -c lock_timeout=100".strip()
    connection.close()
    yield
    options.clear()
    options.update(saved)
    connection.close()
