"""Who may do what with agencies, areas, categories, routes and staff accounts."""

from __future__ import annotations

from backend.auth.permissions import Policy, Rule, roles
from backend.auth.principal import Principal
from backend.auth.roles import ADMINS, CITY_WIDE, Role


def _own_agency_for_heads(principal: Principal, agency_id: int) -> bool:
    """An agency head acts on their own agency only; verifiers and admins on any."""
    return not principal.has(Role.AGENCY_HEAD) or principal.agency_id == agency_id


POLICY = Policy(
    {
        # agencies, categories, routing rules and staff accounts
        "agencies.manage": Rule(roles=ADMINS),
        "agencies.read_routes": Rule(roles=CITY_WIDE),
        "agencies.list_officers": Rule(
            roles=roles(Role.AGENCY_HEAD, Role.VERIFIER, Role.ADMIN), check=_own_agency_for_heads
        ),
    }
)
