"""A database lock held by another connection, as the web server or the scheduler holds one while the worker runs.

Used with the `short_lock_wait` fixture (tests/core/conftest.py), which makes this thread's connection give up on a
lock after 0.1 s instead of SQLite's 20 s busy timeout or PostgreSQL's endless wait: the same « the lock was held
longer than we wait » on both databases.
"""

import threading
from collections.abc import Callable

from django.db import connection, transaction


class HeldLock:
    """Runs `take` in a transaction on another connection (a thread) and keeps that transaction open until
    `release()`, then rolls it back. On SQLite the transaction holds the write lock from its start (IMMEDIATE); on
    PostgreSQL it holds the row locks `take` acquires."""

    def __init__(self, take: Callable[[], object]):
        self._take = take
        self._taken = threading.Event()
        self._released = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        try:
            with transaction.atomic():
                self._take()
                self._taken.set()
                self._released.wait(30)
                transaction.set_rollback(True)
        except BaseException as error:  # reported to the test by __enter__
            self._error = error
        finally:
            self._taken.set()
            connection.close()

    def __enter__(self) -> "HeldLock":
        self._thread.start()
        assert self._taken.wait(10), "the lock was not taken"
        if self._error is not None:
            raise self._error
        return self

    def release(self) -> None:
        self._released.set()

    def release_after(self, seconds: float) -> None:
        threading.Timer(seconds, self._released.set).start()

    def __exit__(self, *exc_info) -> None:
        self.release()
        self._thread.join(10)
