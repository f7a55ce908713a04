"""The lifecycle as a table: each action, from which statuses, to which, what it does to the
legal clocks. Who may take each is `backend.complaints.permissions.TRANSITION_ACTORS`; what taking
one does is `backend.complaints.lifecycle`.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.complaints.models import Status
from backend.sla.models import ClockKind

# the clocks that run against the institution and that a postponement (tunda) may hold; never
# the citizen's completion clock, which would only lengthen the citizen's own window
INSTITUTION_CLOCKS = (ClockKind.RESPONSE, ClockKind.VERIFICATION, ClockKind.DECISION)
# what a verifier answers: the first response (44(3)) or the check of the completed file
VERIFYING_CLOCKS = (ClockKind.RESPONSE, ClockKind.VERIFICATION)
# The complainant's window to dispute a delivered decision: 14 calendar days from delivery, and
# never less than SP4N-LAPOR!'s practice of closing a report 10 working days after the follow-up
# when the reporter does not reply (see `dispute_window`).
DISPUTE_WINDOW_DAYS = 14
DISPUTE_WINDOW_WORKING_DAYS = 10


@dataclass(frozen=True)
class Action:
    """One action of the lifecycle."""

    sources: frozenset[str]
    target: str | None  # None: the status stays
    reason_required: bool = False
    stops: tuple[str, ...] = ()
    starts: tuple[str, ...] = ()
    stops_all: bool = False
    pauses: tuple[str, ...] = ()  # running clocks held, with the days they have left
    resumes: tuple[str, ...] = ()  # paused clocks counting again from the days left
    needs_delivery: bool | None = None
    # close: staff only once the dispute window has passed; reopen: only within it
    staff_after_dispute_window: bool = False
    within_dispute_window: bool = False


def _s(*statuses: Status) -> frozenset[str]:
    return frozenset(statuses)


ACTIONS: dict[str, Action] = {
    "verify": Action(
        _s(Status.SUBMITTED),
        Status.VERIFIED,
        stops=VERIFYING_CLOCKS,
        starts=(ClockKind.DECISION,),
    ),
    "request_info": Action(
        _s(Status.SUBMITTED),
        Status.INCOMPLETE,
        reason_required=True,
        stops=VERIFYING_CLOCKS,
        starts=(ClockKind.COMPLETION,),
    ),
    "complete_info": Action(
        _s(Status.INCOMPLETE),
        Status.SUBMITTED,
        stops=(ClockKind.COMPLETION,),
        starts=(ClockKind.VERIFICATION,),
    ),
    "reroute": Action(
        _s(Status.SUBMITTED, Status.VERIFIED, Status.IN_PROGRESS),
        None,
        reason_required=True,
    ),
    "assign": Action(
        _s(Status.VERIFIED, Status.IN_PROGRESS),
        Status.IN_PROGRESS,
    ),
    "start": Action(_s(Status.VERIFIED), Status.IN_PROGRESS),
    "decide": Action(
        _s(Status.IN_PROGRESS),
        Status.DECIDED,
        stops=(ClockKind.DECISION,),
        starts=(ClockKind.DELIVERY,),
        needs_delivery=None,
    ),
    "deliver": Action(
        _s(Status.DECIDED),
        None,
        stops=(ClockKind.DELIVERY,),
        needs_delivery=False,
    ),
    "close": Action(
        _s(Status.DECIDED),
        Status.CLOSED,
        needs_delivery=True,
        staff_after_dispute_window=True,
    ),
    "reopen": Action(
        _s(Status.DECIDED),
        Status.IN_PROGRESS,
        reason_required=True,
        starts=(ClockKind.DECISION,),
        needs_delivery=True,
        within_dispute_window=True,
    ),
    "reject": Action(
        _s(Status.SUBMITTED, Status.VERIFIED),
        Status.REJECTED,
        reason_required=True,
        stops_all=True,
    ),
    "withdraw": Action(
        _s(Status.SUBMITTED, Status.INCOMPLETE, Status.VERIFIED, Status.IN_PROGRESS),
        Status.WITHDRAWN,
        reason_required=True,
        stops_all=True,
    ),
    # SP4N-LAPOR!'s "tunda": the institution's deadline is held (status stays) while the case
    # waits on something outside the institution's hands; the days left are kept
    "postpone": Action(
        _s(Status.SUBMITTED, Status.VERIFIED, Status.IN_PROGRESS),
        None,
        reason_required=True,
        pauses=INSTITUTION_CLOCKS,
    ),
    "resume": Action(
        _s(Status.SUBMITTED, Status.VERIFIED, Status.IN_PROGRESS),
        None,
        resumes=INSTITUTION_CLOCKS,
    ),
}
# taken by the system alone, when the citizen's completion window expires (Pasal 44(5))
DEEMED_WITHDRAWN = Action(_s(Status.INCOMPLETE), Status.WITHDRAWN, stops_all=True)

RESOLUTION_CODES = ("outside_authority", "not_a_complaint", "duplicate", "insufficient_information")
