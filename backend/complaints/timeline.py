"""The timeline: every change is an event carrying the hash of the one before (tamper-evident)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth.principal import Principal
from backend.complaints.models import Complaint, ComplaintEvent, Status, Visibility
from backend.complaints.permissions import POLICY
from backend.complaints.queries import complaint_to_change

GENESIS = "0" * 64
EVENTS = ComplaintEvent.__table__


def actor_of(principal: Principal) -> dict[str, Any]:
    """Who acted, as the timeline records it; a complainant is never named in events.

    Not even by account id: that would tie an anonymous complaint to a name.
    """
    if principal.is_client:
        return {
            "actor_kind": "api_client",
            "actor_id": principal.id,
            "actor_label": principal.label,
        }
    if principal.is_staff:
        return {"actor_kind": "staff", "actor_id": principal.id, "actor_label": principal.label}
    if principal.kind == "system":
        return {"actor_kind": "system", "actor_id": None, "actor_label": "Sistem"}
    return {"actor_kind": "complainant", "actor_id": None, "actor_label": "Pelapor"}


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


HASHED = (
    "complaint_id",
    "seq",
    "kind",
    "action",
    "from_status",
    "to_status",
    "visibility",
    "actor_kind",
    "actor_id",
    "actor_label",
    "reason",
    "body",
    "data",
)


def _hashed_fields(values: dict[str, Any]) -> dict[str, Any]:
    return {
        **{name: values[name] for name in HASHED},
        "occurred_at": values["occurred_at"].isoformat(),
    }


def event_values(
    *,
    complaint_id: int,
    seq: int,
    prev_hash: str,
    kind: str,
    actor: dict[str, Any],
    at: datetime,
    action: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    visibility: str = Visibility.PUBLIC,
    reason: str | None = None,
    body: str | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The columns of a timeline event, its hash over the previous one's included."""
    values: dict[str, Any] = {
        "complaint_id": complaint_id,
        "seq": seq,
        "kind": kind,
        "action": action,
        "from_status": from_status,
        "to_status": to_status,
        "visibility": visibility,
        "reason": reason,
        "body": body,
        "data": data or {},
        "occurred_at": at,
        "prev_hash": prev_hash,
        **actor,
    }
    values["hash"] = _digest(prev_hash, _hashed_fields(values))
    return values


def first_event(
    *, complaint_id: int, data: dict[str, Any], actor: dict[str, Any], at: datetime
) -> dict[str, Any]:
    """The event that opens a timeline: the complaint was received."""
    return event_values(
        complaint_id=complaint_id,
        seq=1,
        prev_hash=GENESIS,
        kind="submitted",
        action="submit",
        to_status=Status.SUBMITTED,
        data=data,
        actor=actor,
        at=at,
    )


def append_event(
    *,
    session: Session,
    complaint: Complaint,
    kind: str,
    actor: dict[str, Any],
    at: datetime,
    **fields: Any,
) -> ComplaintEvent:
    """Add an event to the complaint's timeline in the caller's transaction (`event_values`'
    `fields`: action, statuses, visibility, reason, body, data).

    The complaint's row is touched too, so its version (ETag) moves and a concurrent writer
    of the same complaint fails on the version check instead of forking the chain.
    """
    values = event_values(
        complaint_id=complaint.id,
        seq=complaint.timeline_length + 1,
        prev_hash=complaint.timeline_head,
        kind=kind,
        actor=actor,
        at=at,
        **fields,
    )
    event = ComplaintEvent(**values)
    session.add(event)
    complaint.timeline_head, complaint.timeline_length = event.hash, event.seq
    complaint.updated_at = at
    session.flush()
    return event


@dataclass(frozen=True)
class BrokenLink:
    """The first event whose hash does not follow from its predecessor."""

    complaint_id: int
    seq: int
    event_id: int | None
    problem: str


def verify_chain(*, session: Session, complaint_id: int | None = None) -> list[BrokenLink]:
    """Check every complaint's chain (or one); name the first broken link of each.

    The chain must also end where the complaint says it does (`timeline_head`), so deleting the
    newest events is caught too.
    """
    query = select(ComplaintEvent).order_by(ComplaintEvent.complaint_id, ComplaintEvent.seq)
    heads = select(Complaint.id, Complaint.timeline_head, Complaint.timeline_length)
    if complaint_id is not None:
        query = query.where(ComplaintEvent.complaint_id == complaint_id)
        heads = heads.where(Complaint.id == complaint_id)
    broken: dict[int, BrokenLink] = {}
    reached: dict[int, tuple[int, str]] = {}
    for event in session.scalars(query.execution_options(yield_per=1000)):
        if event.complaint_id in broken:
            continue
        last_seq, prev_hash = reached.get(event.complaint_id, (0, GENESIS))
        problem = None
        if event.seq != last_seq + 1:
            problem = f"missing event: expected seq {last_seq + 1}, found {event.seq}"
        elif event.prev_hash != prev_hash:
            problem = "prev_hash does not match the previous event's hash"
        elif _digest(prev_hash, _hashed_fields(_columns(event))) != event.hash:
            problem = "content changed: hash does not match"
        if problem:
            broken[event.complaint_id] = BrokenLink(
                event.complaint_id, event.seq, event.id, problem
            )
        reached[event.complaint_id] = (event.seq, event.hash)
    for cid, head, length in session.execute(heads.execution_options(yield_per=1000)):
        last_seq, last_hash = reached.get(cid, (0, GENESIS))
        if cid not in broken and (last_hash != head or last_seq != length):
            broken[cid] = BrokenLink(
                cid,
                last_seq + 1,
                None,
                f"missing events at the end: the chain stops at seq {last_seq} of {length}",
            )
    return sorted(broken.values(), key=lambda link: link.complaint_id)


def list_events(
    *, session: Session, principal: Principal, complaint: Complaint
) -> list[ComplaintEvent]:
    """A complaint's timeline, oldest first; internal notes only for staff who handle it."""
    query = (
        select(ComplaintEvent)
        .where(ComplaintEvent.complaint_id == complaint.id)
        .order_by(ComplaintEvent.seq)
    )
    if not POLICY.can(principal, "complaints.read_internal", complaint):
        query = query.where(ComplaintEvent.visibility == Visibility.PUBLIC)
    return list(session.scalars(query))


def _columns(event: ComplaintEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in (*HASHED, "occurred_at")}


def comment(
    *,
    session: Session,
    principal: Principal,
    complaint_id: int,
    body: str,
    visibility: str,
    at: datetime,
) -> ComplaintEvent:
    """An internal note (who works on the case) or a public reply (they, or the complainant)."""
    action = (
        "complaints.comment_internal" if visibility == Visibility.INTERNAL else "complaints.comment"
    )
    complaint = complaint_to_change(
        session=session, principal=principal, complaint_id=complaint_id, action=action
    )
    return append_event(
        session=session,
        complaint=complaint,
        kind="comment",
        visibility=visibility,
        body=body,
        actor=actor_of(principal),
        at=at,
    )
