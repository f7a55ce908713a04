"""Who may do what: the rules each domain states with the role sets of `backend.auth.roles`.

Each domain has a `permissions.py` with one `Policy`: a table of actions ("complaints.read",
"reports.breaches", ...) and the `Rule` of each. A rule admits callers by role (users), by scope
(API clients) or everybody (`public`), and may check the object acted on (`check`). The same
policy answers the view decorator (`backend.auth.access.authorize`: may this caller take this
action at all?), the services (`require`: on this object?) and the lists of actions shown to a
caller (the buttons of a complaint, the capabilities the front end reads from getCurrentUser).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from backend.auth.models import Scope
from backend.auth.principal import Principal
from backend.auth.roles import ADMINS, EVERY_ROLE
from backend.errors import Forbidden

Check = Callable[[Principal, Any], bool]


@dataclass(frozen=True)
class Rule:
    """Who may take one action: users of `roles`, API clients holding one of `scopes`, the
    holder of a complaint's code and PIN when `trackers`, everybody but API clients without
    the scope when `public`; and, on an object, only where `check` says so."""

    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    trackers: bool = False
    public: bool = False
    check: Check | None = None

    def admits(self, principal: Principal) -> bool:
        """Whether this caller may take the action at all (on some object)."""
        if principal.is_client:  # an app needs its scope even for a public action
            return bool(self.scopes & principal.scopes)
        if self.public:
            return True
        if principal.is_tracker:
            return self.trackers
        return principal.kind == "user" and principal.role in self.roles

    def allows(self, principal: Principal, obj: Any) -> bool:
        """Whether this caller may take the action on `obj`."""
        return self.admits(principal) and (self.check is None or self.check(principal, obj))


@dataclass(frozen=True, eq=False)
class Policy:
    """The rules of one domain, by action name."""

    rules: dict[str, Rule] = field(default_factory=dict)

    def rule(self, action: str) -> Rule:
        """The rule of `action` (a KeyError names an action nobody declared)."""
        return self.rules[action]

    def can(self, principal: Principal, action: str, obj: Any = None) -> bool:
        """May `principal` take `action` (on `obj`, when given)?"""
        rule = self.rules[action]
        return rule.admits(principal) if obj is None else rule.allows(principal, obj)

    def require(self, principal: Principal, action: str, obj: Any = None) -> None:
        """Raise Forbidden unless `can`; an API client learns which scope it lacks."""
        if self.can(principal, action, obj):
            return
        rule = self.rules[action]
        if principal.is_client and not rule.admits(principal):
            raise Forbidden("insufficient_scope", scope=" | ".join(sorted(rule.scopes)) or "-")
        raise Forbidden()

    def capabilities(self, principal: Principal) -> list[str]:
        """The actions this caller may take at all, by name."""
        return [name for name, rule in self.rules.items() if rule.admits(principal)]


def roles(*given: Iterable[str] | str) -> frozenset[str]:
    """A role set from role sets and single roles."""
    found: set[str] = set()
    for item in given:
        found.update([item] if isinstance(item, str) else item)
    return frozenset(found)


def scopes(*given: Scope) -> frozenset[str]:
    """A scope set."""
    return frozenset(given)


# every domain's policy, in the order the app factory lists them (`publish`): the front end
# reads the capabilities of the logged-in user from getCurrentUser
_PUBLISHED: list[Policy] = []


def publish(*policies: Policy) -> None:
    """Make these policies' capabilities known to getCurrentUser (called by the app factory)."""
    _PUBLISHED[:] = list(dict.fromkeys([*_PUBLISHED, *policies]))


def capabilities(principal: Principal) -> list[str]:
    """Every action of every published policy this caller may take at all, sorted."""
    return sorted({name for policy in _PUBLISHED for name in policy.capabilities(principal)})


POLICY = Policy(
    {
        "auth.me": Rule(roles=EVERY_ROLE),
        "auth.refresh": Rule(roles=EVERY_ROLE),
        "auth.logout": Rule(roles=EVERY_ROLE),
        "auth.manage_clients": Rule(roles=ADMINS),
    }
)
