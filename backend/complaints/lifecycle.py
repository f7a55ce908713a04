"""The state machine at work: which actions a caller may take now, and taking one (status,
clocks, the event, the e-mails). The table of actions is `backend.complaints.actions`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.agencies import service as agencies
from backend.agencies.models import Agency
from backend.auth.models import User
from backend.auth.principal import Principal
from backend.auth.roles import Role
from backend.complaints import notices
from backend.complaints.actions import (
    ACTIONS,
    DEEMED_WITHDRAWN,
    DISPUTE_WINDOW_DAYS,
    DISPUTE_WINDOW_WORKING_DAYS,
    RESOLUTION_CODES,
    Action,
)
from backend.complaints.models import Complaint, ComplaintEvent
from backend.complaints.permissions import POLICY, is_complainant
from backend.complaints.queries import complaint_to_change
from backend.complaints.timeline import actor_of, append_event
from backend.db import now_utc
from backend.errors import Conflict, DomainError, ValidationFailed, invalid
from backend.sla.calendars import calendar_code_of, compute_deadline
from backend.sla.clocks import (
    OPEN_STATES,
    list_clocks,
    lock_open_clocks,
    move_clocks,
    pause_clock,
    resume_clock,
    running_clock,
    start_clock,
    stop_all_clocks,
    stop_clock,
)
from backend.sla.models import ClockState, SlaClock, Unit
from backend.sla.working_calendar import Deadline
from backend.webhooks import outbox as webhook_outbox
from backend.webhooks.models import EventType


def allowed_actions(
    principal: Principal,
    complaint: Complaint,
    *,
    session: Session,
    now: datetime | None = None,
) -> list[str]:
    """The actions this caller may take now (the front end shows these buttons)."""
    now = now or now_utc()
    return [
        name
        for name, action in ACTIONS.items()
        if POLICY.can(principal, f"complaints.transition.{name}", complaint)
        and _state_problem(
            session=session,
            complaint=complaint,
            name=name,
            action=action,
            at=now,
            complainant=is_complainant(principal, complaint),
        )
        is None
    ]


def _delivery_ok(complaint: Complaint, action: Action) -> bool:
    if action.needs_delivery is None:
        return True
    return (complaint.delivered_at is not None) == action.needs_delivery


def dispute_window(*, session: Session, complaint: Complaint) -> Deadline | None:
    """When the complainant's window to dispute the delivered decision ends (None: undelivered).

    Until then the complainant may accept (`close`) or dispute (`reopen`) the decision, and
    staff may not close the case; afterwards staff may close it and a dispute is too late.
    The window is 14 calendar days from delivery (day 0 the local date of delivery, ending at the
    end of day 14 local time, the counting rule of every clock), but, as it runs against the
    citizen, never ends before SP4N-LAPOR!'s 10 working days after the follow-up: across Lebaran
    and cuti bersama the working-day reading is the later one and wins.
    """
    if complaint.delivered_at is None:
        return None
    code = calendar_code_of(session=session, agency_id=complaint.agency_id)
    readings = [
        compute_deadline(
            session=session, start=complaint.delivered_at, days=days, unit=unit, code=code
        )
        for days, unit in (
            (DISPUTE_WINDOW_DAYS, Unit.CALENDAR_DAY),
            (DISPUTE_WINDOW_WORKING_DAYS, Unit.WORKING_DAY),
        )
    ]
    return max(readings, key=lambda deadline: deadline.due_at)


def handling(*, session: Session, complaint: Complaint) -> dict[str, Any]:
    """What staff need to see of how the case is handled: the officer it is assigned to (by
    name), how the decision was delivered, and when the complainant's dispute window ends."""
    return handling_of(session=session, complaints=[complaint])[complaint.id]


def handling_of(*, session: Session, complaints: list[Complaint]) -> dict[int, dict[str, Any]]:
    """`handling` of each of `complaints` (a queue's page), by complaint id, in two queries."""
    officer_ids = {c.assigned_officer_id for c in complaints if c.assigned_officer_id is not None}
    officers = (
        dict(session.execute(select(User.id, User.full_name).where(User.id.in_(officer_ids))).all())
        if officer_ids
        else {}
    )
    delivered = [c.id for c in complaints if c.delivered_at is not None]
    channels: dict[int, Any] = {}
    if delivered:
        # the latest delivery of each (a reopened case is delivered again)
        for complaint_id, data in session.execute(
            select(ComplaintEvent.complaint_id, ComplaintEvent.data)
            .where(ComplaintEvent.complaint_id.in_(delivered), ComplaintEvent.action == "deliver")
            .order_by(ComplaintEvent.complaint_id, ComplaintEvent.seq)
        ):
            channels[complaint_id] = (data or {}).get("delivery_channel")
    shown: dict[int, dict[str, Any]] = {}
    for complaint in complaints:
        window = dispute_window(session=session, complaint=complaint)
        shown[complaint.id] = {
            "assigned_officer": officers.get(complaint.assigned_officer_id or 0),
            "delivery_channel": channels.get(complaint.id),
            "dispute_window_ends_at": window.due_at if window else None,
        }
    return shown


def _open_clocks(session: Session, complaint: Complaint, kinds: tuple[str, ...]) -> list[SlaClock]:
    return [
        clock
        for clock in list_clocks(session=session, complaint_id=complaint.id)
        if clock.kind in kinds and clock.state in OPEN_STATES
    ]


def _state_problem(
    *,
    session: Session,
    complaint: Complaint,
    name: str,
    action: Action,
    at: datetime,
    complainant: bool,
) -> DomainError | None:
    """Why `action` cannot be taken on the complaint as it stands now (None: it can).

    One rule for both `allowed_actions` and `transition`, so a button is shown exactly when the
    action would be accepted.
    """
    if complaint.status not in action.sources or not _delivery_ok(complaint, action):
        return Conflict("invalid_transition", action=name, status=complaint.status)
    if action.pauses:
        clocks = _open_clocks(session, complaint, action.pauses)
        if any(clock.state == ClockState.PAUSED for clock in clocks):
            return Conflict("already_postponed")
        if not clocks:
            return Conflict("nothing_to_postpone")
        # a deadline already missed stays missed: holding it would wipe the breach on resume
        overdue = [clock for clock in clocks if clock.overdue_at(at)]
        if overdue:
            return Conflict("deadline_passed", due=overdue[0].due_date.isoformat())
    if action.resumes and not any(
        clock.state == ClockState.PAUSED
        for clock in _open_clocks(session, complaint, action.resumes)
    ):
        return Conflict("nothing_to_resume")
    if action.within_dispute_window or (action.staff_after_dispute_window and not complainant):
        window = dispute_window(session=session, complaint=complaint)
        if window is not None:
            until = window.due_date.isoformat()
            if action.within_dispute_window and at > window.due_at:
                return Conflict("dispute_window_closed", until=until)
            if action.staff_after_dispute_window and at <= window.due_at:
                return Conflict("dispute_window_open", until=until)
    return None


def take_action(
    *,
    session: Session,
    principal: Principal,
    complaint_id: int,
    if_match: str | None,
    action_name: str,
    at: datetime,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> Complaint:
    """Take `action_name` on the complaint at the version `if_match` names (see `transition`)."""
    complaint = complaint_to_change(
        session=session,
        principal=principal,
        complaint_id=complaint_id,
        action="complaints.transition",
        if_match=if_match,
        versioned=True,
    )
    transition(
        session=session,
        principal=principal,
        complaint=complaint,
        action_name=action_name,
        at=at,
        reason=reason,
        data=data,
    )
    return complaint


def transition(
    *,
    session: Session,
    principal: Principal,
    complaint: Complaint,
    action_name: str,
    at: datetime,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> ComplaintEvent:
    """Take `action_name` on `complaint`: check, change status, move clocks, record the event."""
    data = data or {}
    action = ACTIONS.get(action_name)
    if action is None:
        raise invalid("action", "one_of", choices=", ".join(sorted(ACTIONS)))
    POLICY.require(principal, f"complaints.transition.{action_name}", complaint)
    lock_open_clocks(session=session, complaint_id=complaint.id)
    problem = _state_problem(
        session=session,
        complaint=complaint,
        name=action_name,
        action=action,
        at=at,
        complainant=is_complainant(principal, complaint),
    )
    if problem is not None:
        raise problem
    if action.reason_required and not (reason and reason.strip()):
        raise ValidationFailed(
            "reason_required", fields={"reason": ("required", {})}, action=action_name
        )
    return _apply(
        session=session,
        complaint=complaint,
        name=action_name,
        action=action,
        at=at,
        reason=reason,
        data=data,
        actor=actor_of(principal),
    )


def deem_withdrawn(*, session: Session, complaint: Complaint, at: datetime) -> ComplaintEvent:
    """The citizen's completion window expired: the complaint is deemed withdrawn (44(5))."""
    return _apply(
        session=session,
        complaint=complaint,
        name="deemed_withdrawn",
        action=DEEMED_WITHDRAWN,
        at=at,
        reason="Dianggap dicabut (Pasal 44 ayat 5 UU 25/2009)",
        data={},
        actor={"actor_kind": "system", "actor_id": None, "actor_label": "Sistem"},
    )


def _apply(
    *,
    session: Session,
    complaint: Complaint,
    name: str,
    action: Action,
    at: datetime,
    reason: str | None,
    data: dict[str, Any],
    actor: dict[str, Any],
) -> ComplaintEvent:
    event_data = _effects(session=session, complaint=complaint, name=name, at=at, data=data)
    from_status = complaint.status
    if action.target is not None:
        complaint.status = action.target
    for kind in action.stops:
        clock = stop_clock(session=session, complaint_id=complaint.id, kind=kind, at=at)
        if clock is not None:
            event_data.setdefault("clocks_stopped", []).append(kind)
    if action.stops_all:
        stopped = stop_all_clocks(session=session, complaint_id=complaint.id, at=at)
        event_data["clocks_stopped"] = [c.kind for c in stopped]
    for kind in action.pauses:
        clock = pause_clock(session=session, complaint_id=complaint.id, kind=kind, at=at)
        if clock is not None:
            # no deadline while held: `due_at` is null, the former one is kept for the record
            event_data.setdefault("clocks_paused", []).append(
                {
                    "kind": kind,
                    "cycle": clock.cycle,
                    "days_left": clock.remaining_days,
                    "unit": clock.unit,
                    "due_at": None,
                    "was_due_at": clock.due_at.isoformat(),
                }
            )
    for kind in action.resumes:
        clock = running_clock(session=session, complaint_id=complaint.id, kind=kind)
        days_left = clock.remaining_days if clock is not None else None
        clock = resume_clock(session=session, complaint_id=complaint.id, kind=kind, at=at)
        if clock is not None:
            event_data.setdefault("clocks_resumed", []).append(
                {
                    "kind": kind,
                    "cycle": clock.cycle,
                    "days_left": days_left,
                    "unit": clock.unit,
                    "due_at": clock.due_at.isoformat(),
                    "deadline_version": clock.deadline_version,
                }
            )
    for kind in action.starts:
        clock = start_clock(
            session=session,
            complaint_id=complaint.id,
            agency_id=complaint.agency_id,
            category_id=complaint.category_id,
            kind=kind,
            at=at,
        )
        event_data.setdefault("clocks_started", []).append(
            {"kind": kind, "due_at": clock.due_at.isoformat(), "cycle": clock.cycle}
        )
    event = append_event(
        session=session,
        complaint=complaint,
        kind="transition",
        action=name,
        from_status=from_status,
        to_status=complaint.status,
        reason=reason,
        data=event_data,
        actor=actor,
        at=at,
    )
    notices.queue_notices(session=session, complaint=complaint, event=event)
    _webhook_events(session=session, complaint=complaint, name=name, from_status=from_status, at=at)
    return event


def _webhook_events(
    *, session: Session, complaint: Complaint, name: str, from_status: str, at: datetime
) -> None:
    """The webhook events of a transition, in its transaction: a new status, and the delivery
    of a decision."""
    types = []
    if from_status != complaint.status:
        types.append(EventType.STATUS_CHANGED)
    if name == "deliver":
        types.append(EventType.DECISION_DELIVERED)
    webhook_outbox.record(
        session,
        [
            webhook_outbox.event_row(
                type=kind,
                complaint_id=complaint.id,
                agency_id=complaint.agency_id,
                category_id=complaint.category_id,
                at=at,
                data={"action": name, "from_status": from_status, "to_status": complaint.status},
            )
            for kind in types
        ],
    )


def _effects(
    *, session: Session, complaint: Complaint, name: str, at: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    """What each action changes besides the status; returns what the event should record."""
    if name == "verify":
        complaint.verified_at = at
        if data.get("agency_code"):
            _reroute(session=session, complaint=complaint, agency_code=data["agency_code"])
        if complaint.agency_id is None:
            raise invalid("agency_code", "no_route")
        # the code as well as the id: the timeline names where the file went
        agency = session.get(Agency, complaint.agency_id)
        return {"agency_id": complaint.agency_id, "agency": agency.code if agency else None}
    if name == "reroute":
        if not data.get("agency_code"):
            raise invalid("agency_code", "required")
        old = session.get(Agency, complaint.agency_id) if complaint.agency_id else None
        _reroute(session=session, complaint=complaint, agency_code=data["agency_code"])
        complaint.assigned_officer_id = None
        # codes as well as ids: the timeline is read by people and must outlive renumbering
        return {
            "from_agency_id": old.id if old else None,
            "from_agency": old.code if old else None,
            "to_agency_id": complaint.agency_id,
            "to_agency": data["agency_code"],
        }
    if name == "assign":
        officer = session.get(User, data.get("officer_id") or 0)
        if (
            officer is None
            or officer.agency_id != complaint.agency_id
            or officer.role not in (Role.OFFICER, Role.AGENCY_HEAD)
            or not officer.is_active
        ):
            raise invalid("officer_id", "officer")
        complaint.assigned_officer_id = officer.id
        return {"officer_id": officer.id, "officer": officer.full_name}
    if name == "decide":
        if not (data.get("decision") or "").strip():
            raise invalid("decision", "required")
        complaint.decision = data["decision"]
        complaint.decided_at = at
        complaint.compensation_awarded = data.get("compensation_awarded")
        complaint.compensation_due_date = data.get("compensation_due_date")
        return {
            "decision": complaint.decision,
            "compensation_awarded": str(complaint.compensation_awarded)
            if complaint.compensation_awarded is not None
            else None,
        }
    if name == "deliver":
        complaint.delivered_at = at
        window = dispute_window(session=session, complaint=complaint)
        return {
            "delivery_channel": data.get("delivery_channel"),
            "dispute_window_ends_at": window.due_at.isoformat() if window else None,
        }
    if name == "reopen":
        complaint.delivered_at = None
        complaint.decided_at = None
        return {}
    if name == "close":
        complaint.closed_at = at
        return {}
    if name == "reject":
        code = data.get("resolution_code") or "outside_authority"
        if code not in RESOLUTION_CODES:
            raise invalid("resolution_code", "one_of", choices=", ".join(RESOLUTION_CODES))
        complaint.resolution_code = code
        complaint.referral = (data.get("referral") or "").strip() or None
        complaint.closed_at = at
        return {"resolution_code": code, "referral": complaint.referral}
    if name in {"withdraw", "deemed_withdrawn"}:
        complaint.closed_at = at
        complaint.resolution_code = name
        return {}
    return {}


def _reroute(*, session: Session, complaint: Complaint, agency_code: str) -> None:
    agency = agencies.agency_by_code(session=session, code=agency_code)
    complaint.agency_id = agency.id
    move_clocks(session=session, complaint_id=complaint.id, agency_id=agency.id)
