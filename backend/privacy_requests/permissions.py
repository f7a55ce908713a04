"""Who may file, read and answer data-subject requests, and set a legal hold."""

from __future__ import annotations

from backend.auth.permissions import Policy, Rule, roles
from backend.auth.roles import DATA_PROTECTION, Role
from backend.complaints.permissions import is_complainant

POLICY = Policy(
    {
        # the complainant: the citizen who filed it (logged in) or the holder of code and PIN
        "privacy.request": Rule(roles=roles(Role.CITIZEN), trackers=True, check=is_complainant),
        "privacy.queue": Rule(roles=DATA_PROTECTION),
        "privacy.answer": Rule(roles=DATA_PROTECTION),
        "privacy.legal_hold": Rule(roles=roles(DATA_PROTECTION, Role.SUPERVISOR)),
        "privacy.retention": Rule(roles=DATA_PROTECTION),
    }
)
