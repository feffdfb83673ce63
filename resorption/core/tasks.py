"""What every background task shares: another attempt after a transient database error.

The task worker, the web server and the scheduler write to the same database. A task can meet a lock held too long
(SQLite's « database is locked », a PostgreSQL lock timeout), a serialization failure or deadlock, or a connection
that dropped (database restart, failover). Such an error says nothing about the task: the task is run again a few
times, a little later each time, instead of ending FAILED with its work undone until a periodic sweep takes it.
Any other error (a bug, bad data) fails at once.

Every task is safe to run again: each one is an idempotent sweep or checks what is already done under a lock
(`event_fan_out`, `email_deliver`). A task still failing after the last attempt ends FAILED as before, and the
periodic sweeps (`fan_out_pending_notifications`, `deliver_due_emails`) take its work over.
"""

import functools
import logging
import time
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connections

logger = logging.getLogger("resorption.tasks")

# Seconds to wait before each new attempt: five attempts in all. With SQLite's busy timeout (20 s, settings) a
# database locked throughout holds the worker about 1 min 45 s before the task fails.
RETRY_DELAYS: tuple[float, ...] = (1, 2, 4, 8)

# SQLite result codes (and their extended codes, e.g. SQLITE_BUSY_SNAPSHOT): another connection holds a lock.
SQLITE_TRANSIENT = ("SQLITE_BUSY", "SQLITE_LOCKED")
# PostgreSQL SQLSTATE: 08 connection exception, 40 transaction rollback (serialization failure, deadlock),
# 53 insufficient resources (too many connections…), 57P operator intervention (shutdown, cannot connect now),
# 55P03 lock not available (lock_timeout).
POSTGRES_TRANSIENT_PREFIXES = ("08", "40", "53", "57P", "55P03")


def is_transient_database_error(error: BaseException) -> bool:
    """Whether the database error may well not happen again a moment later."""
    if isinstance(error, InterfaceError):  # the connection was closed under us
        return True
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__  # the driver's own exception, kept by Django's error wrapper
    sqlite_errorname = getattr(cause, "sqlite_errorname", None)
    if sqlite_errorname is not None:
        return sqlite_errorname.startswith(SQLITE_TRANSIENT)
    if hasattr(cause, "sqlstate"):
        # psycopg gives no SQLSTATE when no answer came from the server: the connection failed.
        return cause.sqlstate is None or cause.sqlstate.startswith(POSTGRES_TRANSIENT_PREFIXES)
    return False


def retry_on_transient_database_errors[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    """Runs the task's function again after a transient database error, at most `len(RETRY_DELAYS)` more times.

    Put it under `@task`. Inside an open transaction (a task run by the caller's own transaction) nothing is retried:
    the transaction is broken, only its owner can roll it back.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        delays = RETRY_DELAYS
        attempt = 1
        while True:
            try:
                return func(*args, **kwargs)
            except (OperationalError, InterfaceError) as error:
                if attempt > len(delays) or not is_transient_database_error(error) or _in_transaction():
                    raise
                logger.warning(
                    "task retried after a transient database error",
                    extra={
                        "task": f"{func.__module__}.{func.__qualname__}",
                        "attempt": attempt,
                        "error": f"{type(error.__cause__ or error).__name__}: {error}"[:300],
                    },
                )
                _close_broken_connections()
                time.sleep(delays[attempt - 1])
                attempt += 1

    return wrapper


def _in_transaction() -> bool:
    return any(connection.in_atomic_block for connection in connections.all(initialized_only=True))


def _close_broken_connections() -> None:
    """The next attempt reconnects if the connection dropped (as the worker does between two tasks)."""
    for connection in connections.all(initialized_only=True):
        connection.close_if_unusable_or_obsolete()
