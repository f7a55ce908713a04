"""Who may do what with complaints: the complaints domain's one `Policy`, and the query form of
"who may read which complaint" (`readable`), the same rule as the `complaints.read` check.

Who counts as what for a complaint:
- its complainant: the citizen who filed it logged in, or whoever holds its code and PIN;
- its handlers: the city-wide roles (verifier, supervisor, admin), and the officers and heads of
  the agency it is routed to once the verifier has screened it (Pasal 23(4) Penjelasan: agency
  staff are not shown unscreened or misrouted complaints);
- who works on it: its handlers but supervisors and admins, who read cases and do not handle
  them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false, select

from backend.auth.models import Scope
from backend.auth.permissions import Policy, Rule, roles, scopes
from backend.auth.principal import Principal
from backend.auth.roles import (
    CITY_WIDE,
    EVERY_ROLE,
    HANDLERS,
    SEES_CONFIDENTIAL,
    STAFF,
    Role,
)
from backend.complaints.models import Complaint, Privacy, Status

# the complainant among a lifecycle action's actors (the owner, or the holder of code and PIN)
COMPLAINANT = "complainant"
# the officers and heads of the complaint's agency, once it is screened
AGENCY = "agency"


def is_owner(principal: Principal, complaint: Complaint) -> bool:
    """The citizen who filed it, logged in."""
    return principal.is_citizen and complaint.citizen_id == principal.id


def is_complainant(principal: Principal, complaint: Complaint) -> bool:
    """The complainant: the citizen owner, or the holder of this complaint's code and PIN."""
    return is_owner(principal, complaint) or (principal.is_tracker and principal.id == complaint.id)


def is_agency_staff_of(principal: Principal, complaint: Complaint) -> bool:
    """An officer or head of the complaint's agency, once the complaint is screened."""
    return (
        principal.is_agency_staff
        and principal.agency_id == complaint.agency_id
        and complaint.verified_at is not None
    )


def handles(principal: Principal, complaint: Complaint) -> bool:
    """Staff who handle it: the city-wide roles and its agency's staff."""
    return principal.has(*CITY_WIDE) or is_agency_staff_of(principal, complaint)


def works_on(principal: Principal, complaint: Complaint) -> bool:
    """Handlers who act on cases (not supervisors and admins, who read them)."""
    return handles(principal, complaint) and principal.has(*HANDLERS)


def reads(principal: Principal, complaint: Complaint) -> bool:
    """Whether the caller may open this complaint (`readable` in SQL)."""
    if principal.has(*CITY_WIDE):
        return True
    if principal.is_agency_staff:
        return is_agency_staff_of(principal, complaint)
    if principal.is_citizen:
        return complaint.citizen_id == principal.id
    if principal.is_client:
        return (
            Scope.COMPLAINTS_READ_OWN in principal.scopes
            and complaint.api_client_id == principal.id
        )
    return principal.is_tracker and principal.id == complaint.id


def readable(principal: Principal) -> Select[Complaint]:
    """The complaints a caller may open, as a query: the scoping of every list and read."""
    query = select(Complaint)
    if principal.has(*CITY_WIDE):
        return query
    if principal.is_agency_staff:
        return query.where(
            Complaint.agency_id == principal.agency_id, Complaint.verified_at.is_not(None)
        )
    if principal.is_citizen:
        return query.where(Complaint.citizen_id == principal.id)
    if principal.is_client and Scope.COMPLAINTS_READ_OWN in principal.scopes:
        return query.where(Complaint.api_client_id == principal.id)
    if principal.is_tracker:
        return query.where(Complaint.id == principal.id)
    return query.where(false())


def sees_identity(principal: Principal, complaint: Complaint) -> bool:
    """Whether this caller may see who complained (Pasal 42(5), 49)."""
    if complaint.identity is None:
        return False
    if is_owner(principal, complaint):
        return True
    if complaint.privacy == Privacy.CONFIDENTIAL_IDENTITY:
        return principal.has(*SEES_CONFIDENTIAL)
    return principal.is_staff or (principal.is_client and complaint.api_client_id == principal.id)


# a case that has ended: its complainant may read it, and no longer add to it (the dispute of
# a decision is taken while it is `decided`, within its window)
ENDED = frozenset({Status.CLOSED, Status.REJECTED, Status.WITHDRAWN})


def _takes_part(principal: Principal, complaint: Complaint) -> bool:
    """Adds to a case: who works on it, and its complainant while the case is open."""
    if works_on(principal, complaint):
        return True
    return is_complainant(principal, complaint) and complaint.status not in ENDED


def _may_change_privacy(principal: Principal, complaint: Complaint) -> bool:
    return is_owner(principal, complaint) or handles(principal, complaint)


# lifecycle action -> who may take it (roles, COMPLAINANT, AGENCY); the state machine itself
# (from which status, to which, which clocks) is `backend.complaints.actions.ACTIONS`
TRANSITION_ACTORS: dict[str, frozenset[str]] = {
    "verify": frozenset({Role.VERIFIER}),
    "request_info": frozenset({Role.VERIFIER}),
    "complete_info": frozenset({COMPLAINANT, Role.VERIFIER}),
    "reroute": frozenset({Role.VERIFIER}),
    "assign": frozenset({Role.AGENCY_HEAD, Role.VERIFIER}),
    "start": frozenset({AGENCY}),
    "decide": frozenset({AGENCY}),
    "deliver": frozenset({AGENCY, Role.VERIFIER}),
    "close": frozenset({COMPLAINANT, AGENCY, Role.VERIFIER}),
    "reopen": frozenset({COMPLAINANT}),
    "reject": frozenset({Role.VERIFIER}),
    "withdraw": frozenset({COMPLAINANT, Role.VERIFIER}),
    "postpone": frozenset({Role.VERIFIER, AGENCY}),
    "resume": frozenset({Role.VERIFIER, AGENCY}),
}


def _transition_rule(actors: frozenset[str]) -> Rule:
    def check(principal: Principal, complaint: Complaint) -> bool:
        if is_complainant(principal, complaint):
            return COMPLAINANT in actors
        if AGENCY in actors and is_agency_staff_of(principal, complaint):
            return True
        return principal.kind == "user" and principal.role in actors

    return Rule(
        roles=roles(
            (actors & set(Role)),
            [Role.CITIZEN] if COMPLAINANT in actors else [],
            [Role.OFFICER, Role.AGENCY_HEAD] if AGENCY in actors else [],
        ),
        trackers=COMPLAINANT in actors,
        check=check,
    )


def _any(principal: Principal, _obj: Any) -> bool:
    return True


POLICY = Policy(
    {
        "complaints.create": Rule(public=True, scopes=scopes(Scope.COMPLAINTS_CREATE)),
        # assisted intake: a channel such as a walk-in, the time it was really received, a
        # source other than the service recipient
        "complaints.record_intake": Rule(roles=STAFF),
        "complaints.queue": Rule(roles=STAFF),
        "complaints.list": Rule(roles=EVERY_ROLE, scopes=scopes(Scope.COMPLAINTS_READ_OWN)),
        "complaints.read": Rule(
            roles=EVERY_ROLE, scopes=scopes(Scope.COMPLAINTS_READ_OWN), trackers=True, check=reads
        ),
        "complaints.read_internal": Rule(roles=STAFF, check=handles),
        "complaints.see_identity": Rule(
            roles=EVERY_ROLE, scopes=scopes(Scope.COMPLAINTS_READ_OWN), check=sees_identity
        ),
        "complaints.list_public": Rule(public=True, scopes=scopes(Scope.COMPLAINTS_READ_PUBLIC)),
        "complaints.transition": Rule(roles=EVERY_ROLE, trackers=True, check=_any),
        "complaints.comment": Rule(
            roles=roles(HANDLERS, [Role.CITIZEN]), trackers=True, check=_takes_part
        ),
        "complaints.comment_internal": Rule(roles=HANDLERS, check=works_on),
        "complaints.upload": Rule(
            roles=roles(HANDLERS, [Role.CITIZEN]), trackers=True, check=_takes_part
        ),
        "complaints.upload_internal": Rule(roles=HANDLERS, check=works_on),
        "complaints.change_privacy": Rule(
            roles=roles(HANDLERS, [Role.CITIZEN, Role.ADMIN]), check=_may_change_privacy
        ),
        **{
            f"complaints.transition.{name}": _transition_rule(actors)
            for name, actors in TRANSITION_ACTORS.items()
        },
    }
)
