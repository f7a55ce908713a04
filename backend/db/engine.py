"""Per-connection settings: SQLite needs foreign keys, WAL and a busy timeout to share a file."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event


def configure_engine(engine: Engine) -> None:
    """Make SQLite safe for a web server and a scheduler writing the same file."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
