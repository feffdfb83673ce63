"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

pytest-playwright provides the `browser` (one per test process), `context` and `page` (one per test) fixtures; the
overrides below make it launch the system Chromium (never a browser downloaded by `playwright install`), in French,
and keep every request on the machine.

Tests here are marked `browser` and `django_db(transaction=True, serialized_rollback=True)`: the live server answers
from another thread, so the data must be committed; the serialized rollback restores the rows written by data
migrations (organisation types…) that the flush after each transactional test removes.
"""

import os
import re
import shutil
import threading
from urllib.parse import urlsplit

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

# Playwright's sync API keeps an asyncio loop running in this thread from its start to the end of the session: Django
# would otherwise refuse ORM calls (factories, refresh_from_db, later transactional tests) as SynchronousOnlyOperation.
# Nothing here runs concurrently with that loop. Subprocesses inherit the variable: tests starting `manage.py` with
# production settings must remove it from their environment, or `check --deploy` reports async.E001.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Playwright waits 30 s by default; a page of ours that takes more than 10 s is already a failure.
ACTION_TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def playwright():
    """Playwright's sync API, started with the database connections of this thread kept in use.

    While Playwright runs, an asyncio loop counts as running in this thread, so Django (through asgiref) files the
    connections under a second, context-local storage and would hand the test new connection objects: objects without
    the contents saved for serialized rollbacks, and for in-memory SQLite a second connection that is never closed.
    Filing the thread's connections in that storage too keeps one set of connections for the whole session.
    """
    thread_connections = {alias: connections[alias] for alias in connections}
    with sync_playwright() as started:
        for alias, connection in thread_connections.items():
            connections[alias] = connection
        yield started


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's `chromium` package, headless unless `--headed` was given."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is missing: run scripts/ensure-chromium.sh (installs Debian's 'chromium' package).")
    return {
        "headless": True,
        **browser_type_launch_args,
        "executable_path": executable,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url(_database_kept_whole, live_server):
    """Relative URLs (`page.goto("/connexion/")`) go to the live server.

    Session fixtures are set up before function ones, so without the database set up first the live server would start
    before the test database exists and could not share the in-memory SQLite connection: each of its threads would
    open (and leak) its own. This also replaces pytest-playwright's `base_url`, which pytest 9 deprecates.
    """
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """French locale and time zone; `bypass_csp` lets tests inject axe-core despite our strict CSP."""
    return {**browser_context_args, "locale": "fr-FR", "timezone_id": "Europe/Paris", "bypass_csp": True}


@pytest.fixture
def context(context, live_server):
    """The browser context of one test, which may only reach the live server: any other request is aborted.

    At the end of the test, it waits for the pages' network to go quiet: a test is over as soon as its last assertion
    holds, often while stylesheets, fonts and the favicon still load, and a request reaching the live server after
    the test has closed the database makes Django print a "Database access not allowed" traceback.
    """
    # Only the requests to another host are routed here: the pattern is matched by Playwright's driver, so the
    # requests to the live server go on without a round trip through this process.
    allowed = re.escape(urlsplit(live_server.url).netloc)
    elsewhere = re.compile(rf"^(?![a-z][a-z0-9+.-]*://{allowed}(?:[/?#]|$))", re.IGNORECASE)
    context.route(elsewhere, lambda route: route.abort("blockedbyclient"))
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(ACTION_TIMEOUT_MS)
    in_flight = _InFlightRequests(context)
    yield context
    in_flight.wait_until_quiet()
    context.close()  # ends the browser's keep-alive connections, so the server threads serving them can finish
    _join_live_server_request_threads()


def _join_live_server_request_threads(timeout: float = 2) -> None:
    """Wait for the live server's request threads to end before the test database is torn down.

    The browser may consider a page done while the server thread that answered it is still closing its database
    connection; if the test's teardown resets the shared connection first, that thread fails with "DatabaseWrapper
    objects created in a thread can only be used in that same thread". Django's server threads are daemons (not
    tracked by socketserver), so they are found by name.
    """
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and "process_request_thread" in thread.name:
            thread.join(timeout)


class _InFlightRequests:
    """Counts the requests of a browser context that have not yet received their whole response."""

    STEP_MS = 20
    QUIET_MS = 100  # the favicon is requested just after the load event
    MAX_WAIT_MS = 5_000

    def __init__(self, context):
        self.context = context
        self.count = 0
        context.on("request", self._started)
        context.on("requestfinished", self._ended)
        context.on("requestfailed", self._ended)

    def _started(self, request):
        self.count += 1

    def _ended(self, request):
        self.count -= 1

    def wait_until_quiet(self):
        pages = self.context.pages
        if not pages:
            return
        quiet_ms = waited_ms = 0
        while quiet_ms < self.QUIET_MS and waited_ms < self.MAX_WAIT_MS:
            pages[0].wait_for_timeout(self.STEP_MS)  # lets Playwright deliver the pending network events
            waited_ms += self.STEP_MS
            quiet_ms = quiet_ms + self.STEP_MS if self.count <= 0 else 0
