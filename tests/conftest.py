import pytest
from django.db import connections

from tests.smtp import LoopbackSmtp

# The items in the order they were collected, before any plugin reorders them (tests/test_consistency.py replays the
# reordering with other seeds).
COLLECTION_ORDER = pytest.StashKey[list]()


def pytest_itemcollected(item):
    item.config.stash.setdefault(COLLECTION_ORDER, []).append(item)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the tests that flush the database after all the others, in each process.

    A transactional test (browser tests and anything on the live server) ends with a flush that also removes the rows
    written by data migrations (organisation types…); a plain database test running after it on the same xdist worker
    would miss them. pytest-django puts transactional tests last, but pytest's own regrouping of tests sharing a
    parametrised session fixture (Playwright's `browser_name`) runs after it and can move them first again. This
    stable sort runs last of all and keeps every other order (random seed, fixture grouping) intact.
    """
    items.sort(key=_flushes_database)


def _flushes_database(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    fixtures = getattr(item, "fixturenames", ())
    return "transactional_db" in fixtures or "live_server" in fixtures


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a temporary folder, never into the working tree."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits count in the cache, and the list keeps derived data in the fragments cache: each test starts
    with neither, nor what a process keeps in memory by id (the territory lists of `territories.choices`, the site
    versions' changes of `settlements.history`: test databases reuse ids)."""
    from django.core.cache import caches

    from resorption.settlements import history
    from resorption.territories import choices

    def forget():
        for alias in ("default", "fragments"):
            caches[alias].clear()
        choices.forget()
        history.forget_settled_changes()

    forget()
    yield
    forget()


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback, with the default mailer pointed at it. `.envelopes` holds what it received."""
    server = LoopbackSmtp()
    server.start()
    settings.MAILERS = server.mailers_setting
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _database_kept_whole(django_db_setup, django_db_keepdb, django_db_blocker):
    """Leave a kept test database (`--reuse-db`) with the rows written by data migrations.

    Each transactional test ends with a flush, and the next run would serialize (then restore) that empty state. Used
    by the transactional tests (browser tests, concurrency tests), which are also marked `serialized_rollback=True`.
    """
    yield
    if not django_db_keepdb:
        return
    with django_db_blocker.unblock():
        for connection in connections.all():
            contents = getattr(connection, "_test_serialized_contents", None)
            if contents:
                connection.creation.deserialize_db_from_string(contents)
