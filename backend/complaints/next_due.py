"""`complaints.next_due_at`: the earliest deadline of a complaint's running clocks, kept in step.

Denormalised so that the staff queue sorted by deadline and the overdue filter are index scans
over a million complaints (issue 5). Every flush that starts, stops, pauses, resumes, expires or
moves a clock refreshes it in the same transaction, wherever that happens (the lifecycle, the
sweep, a policy recalculation): the sla domain does not need to know about it. The listeners are
installed by `backend.complaints.hooks`; intake, which writes with Core, sets the column from
`earliest_due` of the clocks it writes. Overdue stays the one rule of `SlaClock.overdue_at`: a
complaint has an overdue clock exactly when its earliest running deadline has passed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backend.complaints.models import Complaint
from backend.db.base import column_changed, committed_value
from backend.sla.models import ClockState, SlaClock

# the columns of a clock that move its complaint's earliest running deadline
WATCHED = ("state", "due_at", "complaint_id")


def earliest_due(clocks: Iterable[SlaClock]) -> datetime | None:
    """The earliest deadline of the running ones among `clocks` (None: none runs)."""
    return min(
        (clock.due_at for clock in clocks if clock.state == ClockState.RUNNING), default=None
    )


def earliest_running_due() -> Any:
    """The correlated subquery: the earliest due_at of the complaint's running clocks."""
    return (
        select(func.min(SlaClock.due_at))
        .where(SlaClock.complaint_id == Complaint.id, SlaClock.state == ClockState.RUNNING)
        .scalar_subquery()
    )


def refresh(session: Session, complaint_ids: set[int]) -> None:
    """Recompute `next_due_at` of these complaints from their clocks."""
    if complaint_ids:
        table = Complaint.__table__
        # on the connection: this runs inside a flush, which must not autoflush again; the
        # version and updated_at stay as they are, as a deadline is not an edit of the complaint
        session.connection().execute(
            update(table)
            .where(table.c.id.in_(sorted(complaint_ids)))
            .values(next_due_at=earliest_running_due(), updated_at=table.c.updated_at)
        )


def _new_complaints(objects: Iterable[Any]) -> dict[int, Complaint]:
    """New complaints whose id is already known (given before their INSERT)."""
    return {obj.id: obj for obj in objects if isinstance(obj, Complaint) and obj.id is not None}


def before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """A complaint inserted with its clocks gets `next_due_at` in its INSERT, not an UPDATE."""
    new = list(session.new)
    complaints = _new_complaints(new)
    for complaint_id, complaint in complaints.items():
        complaint.next_due_at = earliest_due(
            obj for obj in new if isinstance(obj, SlaClock) and obj.complaint_id == complaint_id
        )


def after_flush(session: Session, _context: Any) -> None:
    """The complaints whose clocks this flush changed get their earliest deadline again."""
    ids: set[int] = set()
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, SlaClock) and (obj in session.deleted or column_changed(obj, WATCHED)):
            # the complaint it belongs to, and the one it belonged to (moved clocks)
            ids.update((obj.complaint_id, committed_value(obj, "complaint_id")))
    ids.discard(None)
    ids.difference_update(_new_complaints(session.new))  # set before their INSERT
    if ids:
        refresh(session, ids)
