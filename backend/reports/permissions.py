"""Who may read which reports: the breach list and summary, and a complaint's clocks."""

from __future__ import annotations

from backend.auth.models import Scope
from backend.auth.permissions import Policy, Rule, scopes
from backend.auth.principal import Principal
from backend.auth.roles import CITY_WIDE, EVERY_ROLE, REPORT_READERS, STAFF, Role
from backend.errors import Forbidden


def _agency_in_reach(principal: Principal, agency_id: int | None) -> bool:
    """The city-wide roles read any agency; an agency head only their own."""
    return principal.has(*CITY_WIDE) or (
        principal.has(Role.AGENCY_HEAD) and agency_id in (None, principal.agency_id)
    )


POLICY = Policy(
    {
        "reports.breaches": Rule(roles=REPORT_READERS, check=_agency_in_reach),
        "reports.complaint_sla": Rule(roles=EVERY_ROLE, scopes=scopes(Scope.COMPLAINTS_READ_OWN)),
        # staff export the rows their queue shows them; the file is the requester's alone
        "reports.export": Rule(roles=STAFF),
        # the public scorecard: totals only, for anyone (issue 16, item 4)
        "reports.scorecard": Rule(public=True),
    }
)


def agency_scope(principal: Principal, agency_id: int | None) -> int | None:
    """The agency a report covers for this caller: the one asked for (None: every agency) for
    the city-wide roles, always their own for an agency head (another one: 403)."""
    POLICY.require(principal, "reports.breaches", agency_id)
    if principal.has(*CITY_WIDE):
        return agency_id
    if principal.agency_id is None:
        raise Forbidden()
    return principal.agency_id
