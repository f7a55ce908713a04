"""Following a complaint with its code and PIN, without an account: reading it, replying,
adding evidence, and the complainant's own actions (withdraw, accept, dispute).

Wrong PINs are counted per code; too many lock the code for a while.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from backend.auth.principal import Principal
from backend.complaints import lifecycle, timeline
from backend.complaints.codes import normalise_code
from backend.complaints.models import Complaint, TrackingLock, Visibility
from backend.db.base import dialect_insert
from backend.errors import NotFound, TooManyAttempts
from backend.keys import PinKeys


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

    An unknown code is treated as a real one with a wrong PIN, with the same work (a keyed
    hash computed and compared, the code's failures counted, locked after as many): its answer,
    status, body and time, tells nothing about whether the code exists. The failures are
    written before raising: the caller commits even when this raises.
    """
    code = normalise_code(code)
    lookup = pin_keys.code_lookup(code)
    complaint = session.scalar(select(Complaint).where(Complaint.tracking_code == code))
    lock = session.get(TrackingLock, lookup)
    locked_until = lock.locked_until if lock is not None else None
    if locked_until is not None and locked_until > now:
        minutes = max(1, int((locked_until - now).total_seconds() // 60) + 1)
        retry = int((locked_until - now).total_seconds()) + 1
        raise TooManyAttempts(minutes=minutes, headers={"Retry-After": str(retry)})
    stored = complaint.pin_hash if complaint is not None else pin_keys.unmatchable()
    if not pin_keys.matches(stored, code, pin) or complaint is None:
        failures = _count_failure(session, lookup, now)
        if failures >= max_failures:
            session.execute(
                update(TrackingLock)
                .where(TrackingLock.lookup == lookup)
                .values(failures=0, locked_until=now + lockout, updated_at=now)
            )
        raise NotFound("tracking_failed")
    if lock is not None:
        session.delete(lock)  # the right PIN: the count starts again
    return complaint


def _count_failure(session: Session, lookup: str, now: datetime) -> int:
    """One more wrong PIN for the code: its failures, counted in one statement (parallel
    guesses each count). Not a change of the complaint: its version (ETag) stays."""
    insert = dialect_insert(session)(TrackingLock).values(
        lookup=lookup, failures=1, locked_until=None, updated_at=now
    )
    return int(
        session.execute(
            insert.on_conflict_do_update(
                index_elements=[TrackingLock.lookup],
                set_={"failures": TrackingLock.failures + 1, "updated_at": now},
            ).returning(TrackingLock.failures)
        ).scalar_one()
    )


def purge_locks(*, session: Session, now: datetime) -> int:
    """Forget the failures of codes nobody has tried for a day (locks end long before)."""
    result = session.execute(
        delete(TrackingLock).where(
            TrackingLock.updated_at < now - timedelta(days=1),
            (TrackingLock.locked_until.is_(None)) | (TrackingLock.locked_until < now),
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


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
