"""Offset pagination over a `select()`, with a count subquery (the microblog-api way)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Page:
    """One page of results and where it sits in the whole."""

    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are in all."""
        return max(1, -(-self.total // self.per_page))


def paginate(session: Session, query: Select[Any], *, page: int, per_page: int) -> Page:
    """Run `query` for one page; `query` must already be ordered."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total or 0)
