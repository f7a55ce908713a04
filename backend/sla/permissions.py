"""Who may do what with calendars, SLA policies and open clocks."""

from __future__ import annotations

from backend.auth.permissions import Policy, Rule
from backend.auth.roles import ADMINS, CITY_WIDE

POLICY = Policy(
    {
        "sla.manage_calendars": Rule(roles=ADMINS),
        "sla.read_policies": Rule(roles=CITY_WIDE),
        "sla.manage_policies": Rule(roles=ADMINS),
        "sla.recalculate": Rule(roles=ADMINS),
    }
)
