"""Periodic work of the complaints domain.

`withdraw_expired`: the citizen's completion window ran out (the sweep reports the expired
clocks): the complaint is deemed withdrawn (Pasal 44(5)) and the citizen is told.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.complaints import lifecycle
from backend.complaints.models import Complaint, Status
from backend.sla.clocks import running_clock
from backend.sla.models import ClockKind, ClockState, SlaClock


def withdraw_expired(
    *, session: Session, now: datetime, complaint_ids: Iterable[int] | None = None
) -> list[int]:
    """Deem withdrawn every incomplete complaint whose completion clock expired.

    `complaint_ids` (from the sweep) narrows the search; without it every such complaint is
    found, which also catches up after a crash between the sweep and this job.
    """
    query = (
        select(Complaint)
        .join(SlaClock, SlaClock.complaint_id == Complaint.id)
        .where(
            Complaint.status == Status.INCOMPLETE,
            SlaClock.kind == ClockKind.COMPLETION,
            SlaClock.state == ClockState.EXPIRED,
        )
        .order_by(Complaint.id)
    )
    if complaint_ids is not None:
        ids = list(complaint_ids)
        if not ids:
            return []
        query = query.where(Complaint.id.in_(ids))
    withdrawn = []
    for complaint in session.scalars(query).unique().all():
        if running_clock(session=session, complaint_id=complaint.id, kind=ClockKind.COMPLETION):
            continue  # a newer request for information is still running
        lifecycle.deem_withdrawn(session=session, complaint=complaint, at=now)
        withdrawn.append(complaint.id)
    return withdrawn
