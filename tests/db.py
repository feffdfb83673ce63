"""Data shared by the tests of a module (or class): written once, rolled back after the last of them."""

from contextlib import contextmanager

from django.db import transaction


@contextmanager
def rolled_back_afterwards(django_db_blocker):
    """Open a transaction for data several tests read; roll it back at the end of the block.

    For a fixture of module scope, around a `yield`: each test marked `django_db` then runs in a savepoint of this
    transaction (pytest-django nests its atomic blocks), so what one test writes is gone before the next one and the
    shared data is written only once. Not for transactional tests, which commit and flush.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)
