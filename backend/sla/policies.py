"""SLA policies: versioned clock rules per category, the statutory defaults, the ladder."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.db import reference
from backend.errors import ValidationFailed
from backend.sla.models import (
    ClockKind,
    SlaClock,
    SlaPolicy,
    Unit,
)

# The escalation ladder of ARCHITECTURE.md. A step fires when its deadline passes: the due date
# moved by `offset` working days (the warning: 3 working days before the due date ends).
DEFAULT_LADDER: list[dict[str, Any]] = [
    {"step": "warning", "level": 0, "offset": -3, "target": "officer"},
    {"step": "agency_head", "level": 1, "offset": 0, "target": "agency_head"},
    {"step": "supervisor", "level": 2, "offset": 3, "target": "supervisor"},
    {"step": "inspectorate", "level": 3, "offset": 10, "target": "inspectorate", "ombudsman": True},
]
# UU 25/2009: response 44(3), completion 44(4), decision 50(1), delivery 50(2); verification is
# 44(3)'s response again, on the file the citizen completed (14 days, like the first response)
DEFAULT_RULES: dict[str, dict[str, Any]] = {
    ClockKind.RESPONSE: {"days": 14, "unit": Unit.CALENDAR_DAY, "ladder": DEFAULT_LADDER},
    ClockKind.COMPLETION: {
        "days": 30,
        "unit": Unit.CALENDAR_DAY,
        "citizen_side": True,
        "ladder": [],
    },
    ClockKind.VERIFICATION: {"days": 14, "unit": Unit.CALENDAR_DAY, "ladder": DEFAULT_LADDER},
    ClockKind.DECISION: {"days": 60, "unit": Unit.CALENDAR_DAY, "ladder": DEFAULT_LADDER},
    ClockKind.DELIVERY: {"days": 14, "unit": Unit.CALENDAR_DAY, "ladder": DEFAULT_LADDER},
}
TARGETS = ("officer", "agency_head", "supervisor", "inspectorate")


def _check_rules(rules: dict[str, Any]) -> dict[str, Any]:
    """Normalise and check a policy's rules; unknown clocks, units or targets are refused."""
    errors: dict[str, Any] = {}
    clean: dict[str, Any] = {}
    for kind, rule in rules.items():
        if kind not in DEFAULT_RULES:
            errors[kind] = ["Unknown clock."]
            continue
        merged = {**DEFAULT_RULES[kind], **rule}
        problems = []
        if not isinstance(merged["days"], int) or not 0 < merged["days"] <= 365:
            problems.append("days: a whole number from 1 to 365.")
        if merged["unit"] not in tuple(Unit):
            problems.append(f"unit: one of {[u.value for u in Unit]}.")
        for step in merged["ladder"]:
            if step.get("target") not in TARGETS or not isinstance(step.get("offset"), int):
                problems.append(
                    f"ladder: each step needs an integer offset and a target {TARGETS}."
                )
                break
        if problems:
            errors[kind] = problems
        else:
            clean[kind] = {key: merged[key] for key in rule} | {
                "days": merged["days"],
                "unit": str(merged["unit"]),
            }
    if errors:
        raise ValidationFailed(errors={"rules": errors})
    return clean


def create_policy_version(
    *,
    session: Session,
    code: str,
    name: str,
    category_id: int | None,
    rules: dict[str, Any],
    user_id: int | None,
) -> SlaPolicy:
    """A new version of policy `code`; it replaces the current one for new clocks only.

    Clocks already running keep their deadlines until a recalculation is asked for
    (`backend.sla.recalculations`).
    """
    clean = _check_rules(rules)
    previous = session.scalars(
        select(SlaPolicy).where(
            SlaPolicy.is_current.is_(True),
            (SlaPolicy.code == code)
            | (
                SlaPolicy.category_id.is_(None)
                if category_id is None
                else SlaPolicy.category_id == category_id
            ),
        )
    ).all()
    for policy in previous:
        policy.is_current = False
    version = session.scalar(select(func.max(SlaPolicy.version)).where(SlaPolicy.code == code))
    policy = SlaPolicy(
        code=code,
        version=(version or 0) + 1,
        category_id=category_id,
        name=name,
        rules=clean,
        is_current=True,
        created_by_id=user_id,
    )
    session.add(policy)
    session.flush()
    return policy


def list_policies(*, session: Session, code: str | None = None) -> list[SlaPolicy]:
    """Every policy version, newest first per code."""
    query = select(SlaPolicy).order_by(SlaPolicy.code, SlaPolicy.version.desc())
    if code:
        query = query.where(SlaPolicy.code == code)
    return list(session.scalars(query))


@dataclass(frozen=True)
class PolicyRef:
    """A current policy as clocks need it (cached: `backend.db.reference`)."""

    id: int
    code: str
    version: int
    category_id: int | None
    rules: dict[str, Any]


def _current_policies(session: Session) -> tuple[PolicyRef, ...]:
    return tuple(
        PolicyRef(id=p.id, code=p.code, version=p.version, category_id=p.category_id, rules=p.rules)
        for p in session.scalars(
            select(SlaPolicy).where(SlaPolicy.is_current.is_(True)).order_by(SlaPolicy.id)
        )
    )


def policy_for(*, session: Session, category_id: int | None) -> PolicyRef | None:
    """The current policy of a category, else the current default policy."""
    policies = reference.cached(session, "policies", _current_policies)
    own = [p for p in policies if category_id is not None and p.category_id == category_id]
    default = [p for p in policies if p.category_id is None]
    return next(iter(own or default), None)


def rule_of(policy: SlaPolicy | PolicyRef | None, kind: str) -> dict[str, Any]:
    """The rule of clock `kind` under `policy` (the statutory default where it says nothing)."""
    return {**DEFAULT_RULES[kind], **((policy.rules if policy else {}).get(kind, {}))}


def rule_of_clock(session: Session, clock: SlaClock) -> dict[str, Any]:
    """The rule a clock runs under: its policy version's, else the statutory default."""
    policy = session.get(SlaPolicy, clock.policy_id) if clock.policy_id else None
    return rule_of(policy, clock.kind)
