"""A per-process cache of reference data, exact across workers: the reference stamp.

Every complaint taken in reads its category, area, route, agency, SLA policy and calendar: five
queries that return the same rows almost always (issue 5: intake throughput). They are cached in
the process, valid only while the database's reference stamp is unchanged: a random token in
the one-row table `reference_stamps`, replaced in the same transaction as any change to a
reference table (the `before_flush` hook that `install` registers for the reference models). A
transaction reads the token once (a one-row primary-key read), so a change committed by any
worker is seen by the next transaction in every worker; a transaction that changes reference
rows itself reads its own new token, and so its own rows. Without a stamp row (a database just
emptied) nothing is cached. The token is random, not a counter, so that two databases (or one
rebuilt) never share one.

Cached values are plain frozen data, never ORM instances (they outlive sessions). Writes that
bypass the ORM (raw SQL on reference tables) must call `bump`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import datetime
from itertools import chain
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    bindparam,
    event,
    exists,
    false,
    func,
    literal,
    select,
)
from sqlalchemy.orm import Mapped, QueryableAttribute, Session, mapped_column

from backend.db.base import Base, dialect_insert, now_utc

T = TypeVar("T")

_WATCHED: tuple[type, ...] = ()
# name -> (token, value); dict reads and writes are atomic, two threads may both load once
_ENTRIES: dict[str, tuple[str, Any]] = {}
_MEMO = "reference_stamp"


class ReferenceStamp(Base):
    """The one row whose token changes with every change to reference data."""

    __tablename__ = "reference_stamps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(default=now_utc)


_TOKEN = select(ReferenceStamp.token).where(ReferenceStamp.id == 1)


def install(*models: type) -> None:
    """Replace the stamp in the transaction of every flush that changes rows of `models`.

    Called once by `backend.hooks.install` with every reference model; calling it again with
    the same models changes nothing.
    """
    global _WATCHED
    _WATCHED = tuple(dict.fromkeys((*_WATCHED, *models)))
    if not event.contains(Session, "before_flush", _replace_stamp):
        event.listen(Session, "before_flush", _replace_stamp)


def bump(session: Session) -> str:
    """Replace the stamp in the caller's transaction; returns the new token."""
    token = secrets.token_hex(16)
    connection = session.connection()
    table = ReferenceStamp.__table__
    statement = dialect_insert(connection)(table).values(id=1, token=token, changed_at=now_utc())
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.id],
            set_={"token": token, "changed_at": statement.excluded.changed_at},
        )
    )
    _remember(session, token)
    return token


def _remember(session: Session, token: str | None) -> None:
    session.info[_MEMO] = (session.get_transaction(), token)


def current_token(session: Session) -> str | None:
    """The stamp as this transaction sees it (read once per transaction)."""
    memo = session.info.get(_MEMO)
    transaction = session.get_transaction()
    if memo is not None and transaction is not None and memo[0] is transaction:
        return memo[1]
    token = session.scalar(_TOKEN)
    _remember(session, token)
    return token


_RESERVE: dict[Any, Any] = {}


def reserve_id(
    session: Session, model: Any, *, unique: tuple[QueryableAttribute[Any], Any] | None = None
) -> tuple[int, bool]:
    """The id the next row of `model`'s table will have, known before its INSERT, and whether
    `unique`'s value (a column and the value the new row will have in it) is taken already.

    So that the rows pointing at a new row (and hashes over its id) are written with it; the
    transaction's reference stamp and the check of the unique value come in the same round
    trip. PostgreSQL: the next value of the table's sequence. SQLite, which has no sequences:
    one more than the largest id, which only this transaction can take, as it holds the write
    lock (`engine.begin_write`).
    """
    dialect = session.get_bind().dialect.name
    column = unique[0] if unique is not None else None
    statement = _RESERVE.get((model, dialect, column))
    if statement is None:  # built once: intake runs it for every complaint
        table = model.__table__
        key = table.primary_key.columns.values()[0]
        next_id: ColumnElement[Any]
        if dialect == "postgresql":
            next_id = func.nextval(
                func.pg_get_serial_sequence(literal(table.name, String), literal(key.name, String))
            )
        else:
            next_id = select(func.coalesce(func.max(key), 0) + 1).scalar_subquery()
        taken: ColumnElement[Any] = (
            exists().where(column == bindparam("unique_value")) if column is not None else false()
        )
        statement = _RESERVE[(model, dialect, column)] = select(
            next_id, _TOKEN.scalar_subquery(), taken
        )
    parameters = {"unique_value": unique[1]} if unique is not None else {}
    new_id, token, is_taken = session.execute(statement, parameters).one()
    _remember(session, token)
    return int(new_id), bool(is_taken)


def _pending(session: Session) -> bool:
    return touches(chain(session.new, session.dirty, session.deleted))


def cached(session: Session, name: str, load: Callable[[Session], T]) -> T:
    """`load(session)`, computed once per process while the stamp stays the same."""
    if _pending(session):
        session.flush()  # the hook replaces the stamp, so the load below sees the change
    token = current_token(session)
    if token is None:
        return load(session)
    entry = _ENTRIES.get(name)
    if entry is not None and entry[0] == token:
        return entry[1]
    value = load(session)
    _ENTRIES[name] = (token, value)
    return value


def forget() -> None:
    """Drop every cached value (they are reloaded on next use)."""
    _ENTRIES.clear()


def _replace_stamp(session: Session, _context: Any, _instances: Any) -> None:
    if _pending(session):
        bump(session)


def touches(objects: Iterable[Any]) -> bool:
    """Whether any of these objects is of a reference table (its write replaces the stamp)."""
    return any(isinstance(obj, _WATCHED) for obj in objects)
