"""Per-connection settings and how transactions begin.

Every unit of work (a request, a job, a command) is one transaction on both databases. SQLite:
SQLAlchemy emits BEGIN itself (the SQLite dialect's documented recipe), so that reads are inside
the transaction too, not only writes as pysqlite would have it; a unit of work that writes
begins with BEGIN IMMEDIATE (`begin_write`): it holds the write lock before its first read, so a
read-then-write (a tally compaction, a PIN counter, a timeline append) cannot be overtaken by
another writer. PostgreSQL: connections are checked before each use without a round trip.
"""

from __future__ import annotations

import select
import time
from typing import Any

from sqlalchemy import Connection, Engine, event, exc
from sqlalchemy.orm import Session

# a connection idle longer than this is pinged before use: a firewall or proxy may have dropped
# it without a word, which only a round trip finds out
IDLE_PING_SECONDS = 30.0
_IDLE_SINCE = "idle_since"
# execution option of a connection whose transaction will write (`begin_write`)
WRITES = "aduan_writes"


def configure_engine(engine: Engine) -> None:
    """SQLite: transactions that hold their reads, and settings for a web server and a
    scheduler sharing one file. PostgreSQL: connections kept alive across a server restart."""
    if engine.dialect.name == "postgresql":
        _watch_liveness(engine)
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling off: BEGIN comes from the "begin" event below
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        writes = connection.get_execution_options().get(WRITES)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def begin_write(session: Session) -> None:
    """Begin the session's transaction as one that writes (SQLite: BEGIN IMMEDIATE).

    Called at the start of every unit of work that may write, before its first read; a
    session whose transaction has already begun keeps it.
    """
    if not session.in_transaction():
        session.connection(execution_options={WRITES: True})


def _watch_liveness(engine: Engine) -> None:
    """Replace a dead pooled connection with a new one before a request uses it.

    SQLAlchemy's `pool_pre_ping` costs a round trip on every checkout, that is on every request
    (issue 5). A server that restarts or terminates a backend first tells the client and closes
    the socket: a poll of the socket, with no wait, sees something to read on a connection that
    is owed nothing, and only then is it pinged. A connection idle for longer than
    `IDLE_PING_SECONDS` is pinged too, for the silent drops. A `DisconnectionError` on checkout
    makes the pool connect again (up to three attempts) before the caller sees it.
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
