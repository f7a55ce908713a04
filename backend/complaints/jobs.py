"""Periodic work of the complaints domain.

`withdraw_expired`: the citizen's completion window ran out (the sweep reports the expired
clocks): the complaint is deemed withdrawn (Pasal 44(5)) and the citizen is told.
`start_missing_verification`: complaints completed before the verification clock existed get it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.complaints import lifecycle
from backend.complaints.models import Complaint, ComplaintEvent, Status
from backend.sla.clocks import OPEN_STATES, running_clock, start_clock
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


def start_missing_verification(*, session: Session) -> list[int]:
    """Start the verification clock of every complaint the citizen completed before that clock
    existed: back in `submitted`, its completion clock stopped, no clock open. The clock counts
    from the completion (the last `complete_info` event), so a deadline already passed shows as
    a breach at the next sweep. Running it again finds nothing more to do."""
    has_open_clock = (
        select(SlaClock.id)
        .where(SlaClock.complaint_id == Complaint.id, SlaClock.state.in_(OPEN_STATES))
        .exists()
    )
    completed = (
        select(ComplaintEvent.occurred_at)
        .where(
            ComplaintEvent.complaint_id == Complaint.id,
            ComplaintEvent.action == "complete_info",
        )
        .order_by(ComplaintEvent.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Complaint, completed.label("completed_at"))
        .where(Complaint.status == Status.SUBMITTED, ~has_open_clock, completed.is_not(None))
        .order_by(Complaint.id)
    ).all()
    for complaint, completed_at in rows:
        start_clock(
            session=session,
            complaint_id=complaint.id,
            agency_id=complaint.agency_id,
            category_id=complaint.category_id,
            kind=ClockKind.VERIFICATION,
            at=completed_at,
        )
    return [complaint.id for complaint, _ in rows]
