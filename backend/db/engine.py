"""Per-connection settings.

SQLite needs foreign keys, WAL and a busy timeout to share a file. PostgreSQL connections are
checked before each use without a round trip (`_watch_liveness`), and intake opens a database
transaction only for a write of more than one statement (`begin_lazily`).
"""

from __future__ import annotations

import select
import time
from typing import Any

from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Engine, event, exc
from sqlalchemy.orm import Session

# a connection idle longer than this is pinged before use: a firewall or proxy may have dropped
# it without a word, which only a round trip finds out
IDLE_PING_SECONDS = 30.0
_IDLE_SINCE = "idle_since"
# session.info: the session transaction whose reads run outside a database transaction
_LAZY = "lazy_begin"


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
    """Run `text` on the driver's own connection, in `connection`'s transaction if any; its one row.

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


# PostgreSQL text and default parameters of each statement `fetch_one` ran
_COMPILED: dict[Any, tuple[str, dict[str, Any]]] = {}


def fetch_one(connection: Connection, statement: Any, params: dict[str, Any] | None = None) -> Any:
    """The first row of a Core `statement` as a tuple, or None.

    On PostgreSQL on the driver's connection (`execute_on_driver`), the statement compiled once
    per process: for the reads intake makes on every complaint. Elsewhere through SQLAlchemy.
    """
    if connection.dialect.name != "postgresql":
        row = connection.execute(statement, params or {}).first()
        return None if row is None else tuple(row)
    compiled = _COMPILED.get(statement)
    if compiled is None:
        done = statement.compile(dialect=connection.dialect)
        compiled = _COMPILED[statement] = (str(done), dict(done.params))
    text, defaults = compiled
    return execute_on_driver(connection, text, {**defaults, **(params or {})})


def begin_lazily(session: Session) -> None:
    """Run this session transaction's reads outside a database transaction (PostgreSQL).

    Intake reads (the id and the reference stamp, the reference data on a cold cache) and then
    writes everything in one statement, which PostgreSQL makes atomic on its own: the BEGIN
    and the COMMIT were two of its four round trips to the database (issue 5). Reads in
    READ COMMITTED see what each statement's snapshot sees either way. A write of more than
    one statement still gets a transaction: a flush, or `open_transaction` by the writer,
    sends BEGIN first, and the commit or rollback then ends it as usual.

    Only for a session that has not started yet, and only where whatever must be atomic
    with the write goes in the same statement (intake's record for an Idempotency-Key does).
    """
    if session.in_transaction() or session.get_bind().dialect.name != "postgresql":
        return
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    session.info[_LAZY] = session.get_transaction()


def open_transaction(session: Session) -> None:
    """BEGIN now, if this session's reads ran outside a transaction and none is open yet."""
    lazy = session.info.get(_LAZY)
    if lazy is None:
        return
    if lazy is not session.get_transaction():
        del session.info[_LAZY]  # the lazy transaction ended: this one began as usual
        return
    driver = session.connection().connection.driver_connection
    assert driver is not None
    if driver.info.transaction_status == TransactionStatus.IDLE:
        driver.execute("BEGIN")


@event.listens_for(Session, "before_flush")
def _flush_in_a_transaction(session: Session, _context: Any, _instances: Any) -> None:
    open_transaction(session)
