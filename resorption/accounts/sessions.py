"""The database session store of the platform (SESSION_STORE=db): Django's, reading a session with one plain SQL
statement instead of building an ORM query on every request (issue 8: the signed-in frame). With
SESSION_STORE=cached_db, Django's store reads the cache first and this table only on a miss."""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.db.models.expressions import Col
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        """The unexpired session of this key, or None (forgetting the key, as Django's store does)."""
        model = self.model
        connection = connections[router.db_for_read(model)]
        quote = connection.ops.quote_name
        expire_field = model._meta.get_field("expire_date")
        sql = (
            f"SELECT {quote('session_data')}, {quote('expire_date')} FROM {quote(model._meta.db_table)} "
            f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        session_data, expire_date = row
        column = Col(model._meta.db_table, expire_field)
        for converter in connection.ops.get_db_converters(column) + expire_field.get_db_converters(connection):
            expire_date = converter(expire_date, column, connection)
        return model(session_key=self.session_key, session_data=session_data, expire_date=expire_date)
