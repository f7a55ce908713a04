"""The declarative base with a constraint naming convention (stable names for Alembic)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import JSON, MetaData, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm.attributes import get_history

from backend.db.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON on SQLite, JSONB on PostgreSQL
JSONType = JSON().with_variant(JSONB(), "postgresql")


def dialect_insert(bind: Any) -> Any:
    """The dialect's `insert` (with `on_conflict_do_*`) for a session or connection's database."""
    name = (bind.get_bind() if hasattr(bind, "get_bind") else bind).dialect.name
    return postgresql.insert if name == "postgresql" else sqlite.insert


def committed_value(obj: Any, name: str) -> Any:
    """What column `name` of an ORM object held before this flush's changes (None: nothing).

    The old value of a changed column is known when the column loads it on change
    (`active_history=True`).
    """
    history = get_history(obj, name)
    if history.deleted:
        return history.deleted[0]
    return history.unchanged[0] if history.unchanged else None


def column_changed(obj: Any, names: tuple[str, ...]) -> bool:
    """Whether any of these columns of an ORM object changed since it was loaded."""
    return any(get_history(obj, name).has_changes() for name in names)


def now_utc() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Base of every model."""

    if TYPE_CHECKING:  # every model here has a Table (SQLAlchemy types it as any FromClause)
        __table__: ClassVar[Table]

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {datetime: UTCDateTime(), dict[str, Any]: JSONType}
