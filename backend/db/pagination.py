"""Offset pagination over a `select()`, with a count subquery (the microblog-api way).

The count stops ten pages past the start of the requested page: counting a million matches costs
far more than the page itself (issue 5), and nobody pages that far. `total_exact` says whether
`total` is the whole count (when it is not, there are more).
"""

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
    total_exact: bool = True

    @property
    def pages(self) -> int:
        """How many pages there are in all."""
        return max(1, -(-self.total // self.per_page))


# the count looks this many pages ahead of the requested page, no further
PAGES_AHEAD = 10


def count_upto(session: Session, query: Select[Any], limit: int) -> tuple[int, bool]:
    """How many rows `query` has, counting no further than `limit`; and whether that is all."""
    counted = session.scalar(
        select(func.count()).select_from(query.order_by(None).limit(limit + 1).subquery())
    )
    counted = counted or 0
    return min(counted, limit), counted <= limit


def count_limit(page: int, per_page: int) -> int:
    """Where the count of a list stops for this page: `PAGES_AHEAD` pages past its start."""
    return (page - 1 + PAGES_AHEAD) * per_page


def paginate(session: Session, query: Select[Any], *, page: int, per_page: int) -> Page:
    """Run `query` for one page; `query` must already be ordered.

    The total is exact up to `count_limit(page, per_page)` rows; past that it is a floor.
    """
    items = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    total, exact = count_upto(session, query, count_limit(page, per_page))
    return Page(items=items, page=page, per_page=per_page, total=total, total_exact=exact)
