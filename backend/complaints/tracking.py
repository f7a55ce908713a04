"""Following a complaint with its code and PIN, without an account: reading it, replying,
adding evidence, and the complainant's own actions (withdraw, accept, dispute).

Wrong PINs are counted per code; too many lock the code for a while.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from backend.auth.principal import Principal
from backend.complaints import lifecycle, timeline
from backend.complaints.codes import normalise_code
from backend.complaints.models import Complaint, Visibility
from backend.errors import NotFound, TooManyAttempts
from backend.keys import PinKeys

_COMPLAINTS = Complaint.__table__


def authenticate(
    *,
    session: Session,
    code: str,
    pin: str,
    now: datetime,
    pin_keys: PinKeys,
    max_failures: int,
    lockout: timedelta,
) -> Complaint:
    """The complaint for a code and PIN. Wrong PINs count; too many lock the code for a while.

    The failure count is changed before raising: the caller commits even when this raises.
    """
    code = normalise_code(code)
    complaint = session.scalar(select(Complaint).where(Complaint.tracking_code == code))
    if complaint is None:
        raise NotFound("tracking_failed")
    if complaint.pin_locked_until is not None and complaint.pin_locked_until > now:
        minutes = max(1, int((complaint.pin_locked_until - now).total_seconds() // 60) + 1)
        retry = int((complaint.pin_locked_until - now).total_seconds()) + 1
        raise TooManyAttempts(minutes=minutes, headers={"Retry-After": str(retry)})
    if not pin_keys.matches(complaint.pin_hash, code, pin):
        failures = _set_pin_state(session, complaint, pin_failures=_COMPLAINTS.c.pin_failures + 1)
        if failures >= max_failures:
            _set_pin_state(session, complaint, pin_failures=0, pin_locked_until=now + lockout)
        raise NotFound("tracking_failed")
    if complaint.pin_failures:
        _set_pin_state(session, complaint, pin_failures=0)
    return complaint


def _set_pin_state(session: Session, complaint: Complaint, **values: Any) -> int:
    """Change the PIN counters in one SQL statement and return the failure count.

    Not through the ORM: a guessed PIN is not a change of the complaint, so it must not move
    its version (the staff's ETag), and parallel guesses must each count.
    """
    failures: int = session.execute(
        update(_COMPLAINTS)
        .where(_COMPLAINTS.c.id == complaint.id)
        .values(**values, updated_at=_COMPLAINTS.c.updated_at)
        .returning(_COMPLAINTS.c.pin_failures)
    ).scalar_one()
    set_committed_value(complaint, "pin_failures", failures)
    if "pin_locked_until" in values:
        set_committed_value(complaint, "pin_locked_until", values["pin_locked_until"])
    return failures


def reply(
    *, session: Session, principal: Principal, message: str, complete_info: bool, at: datetime
) -> Complaint:
    """The complainant's reply; with `complete_info`, it completes what was asked for (44(4))."""
    assert principal.id is not None
    timeline.comment(
        session=session,
        principal=principal,
        complaint_id=principal.id,
        body=message,
        visibility=Visibility.PUBLIC,
        at=at,
    )
    complaint = session.get_one(Complaint, principal.id)
    if complete_info:
        lifecycle.transition(
            session=session,
            principal=principal,
            complaint=complaint,
            action_name="complete_info",
            at=at,
        )
    return complaint


def act(
    *, session: Session, principal: Principal, action: str, reason: str | None, at: datetime
) -> Complaint:
    """The complainant's own actions: withdraw, accept the decision (close), dispute it (reopen)."""
    assert principal.id is not None
    complaint = session.get_one(Complaint, principal.id)
    lifecycle.transition(
        session=session,
        principal=principal,
        complaint=complaint,
        action_name=action,
        reason=reason,
        at=at,
    )
    return complaint
