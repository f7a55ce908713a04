"""Who may manage webhook subscriptions: admins any, an API client only its own."""

from __future__ import annotations

from typing import Any

from backend.auth.models import Scope
from backend.auth.permissions import Policy, Rule, scopes
from backend.auth.principal import Principal
from backend.auth.roles import ADMINS


def _owns(principal: Principal, subscription: Any) -> bool:
    """Admins manage every subscription; an API client the ones it made for itself."""
    if principal.is_client:
        return bool(subscription.api_client_id == principal.id)
    return principal.has(*ADMINS)


POLICY = Policy(
    {
        # an API client subscribes for itself with a scope that lets it read complaints; what
        # its deliveries carry is what those scopes let it see (`backend.webhooks.payloads`)
        "webhooks.manage": Rule(
            roles=ADMINS,
            scopes=scopes(Scope.COMPLAINTS_READ_PUBLIC, Scope.COMPLAINTS_READ_OWN),
            check=_owns,
        ),
    }
)
