"""Per-connection settings.

SQLite needs foreign keys, WAL and a busy timeout to share a file. PostgreSQL connections are
checked before each use without a round trip (`_watch_liveness`).
"""

from __future__ import annotations

import select
import time
from typing import Any

from sqlalchemy import Connection, Engine, event, exc

# a connection idle longer than this is pinged before use: a firewall or proxy may have dropped
# it without a word, which only a round trip finds out
IDLE_PING_SECONDS = 30.0
_IDLE_SINCE = "idle_since"


def configure_engine(engine: Engine) -> None:
    """Make SQLite safe for a web server and a scheduler writing the same file; keep PostgreSQL
    connections alive across a server restart."""
    if engine.dialect.name == "postgresql":
        _watch_liveness(engine)
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def _watch_liveness(engine: Engine) -> None:
    """Replace a dead pooled connection with a new one before a request uses it.

    SQLAlchemy's `pool_pre_ping` costs a round trip on every checkout, that is on every request
    (issue 5: intake throughput). A server that restarts or terminates a backend first tells the
    client and closes the socket: a poll of the socket, with no wait, sees something to read on
    a connection that is owed nothing, and only then is it pinged. A connection idle for longer
    than `IDLE_PING_SECONDS` is pinged too, for the silent drops. A `DisconnectionError` on
    checkout makes the pool connect again (up to three attempts) before the caller sees it.
    """

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _alive(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None:
            return  # a new connection
        # nothing is owed to an idle connection: anything on its socket is news, most likely
        # the server's "terminating connection" and the end of the stream
        try:
            poll = select.poll()
            poll.register(dbapi_connection.pgconn.socket, select.POLLIN)  # raises once closed
            if poll.poll(0) or time.monotonic() - since > IDLE_PING_SECONDS:
                engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(str(error)) from error


def execute_on_driver(
    connection: Connection, text: str, params: dict[str, Any] | None = None
) -> Any:
    """Run `text` on the driver's own connection, in `connection`'s transaction; its one row.

    For the statements intake runs on every complaint: SQLAlchemy's execution context and
    result metadata cost as much as the driver's own work on them (issue 5). A driver error
    is raised as SQLAlchemy's class of it (IntegrityError, OperationalError...), as
    `exec_driver_sql` would, for the callers that catch them.
    """
    driver = connection.connection.driver_connection
    assert driver is not None
    try:
        return driver.execute(text, params).fetchone()
    except connection.dialect.loaded_dbapi.Error as error:
        raise exc.DBAPIError.instance(
            text, params, error, connection.dialect.loaded_dbapi.Error, dialect=connection.dialect
        ) from error
