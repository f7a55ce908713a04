"""Agencies, areas, categories, routing and staff membership. Plain functions; never commit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import column, select, table
from sqlalchemy.orm import Session

from backend.agencies.models import (
    DEFAULT_CALENDAR_CODE,
    Agency,
    Category,
    Kecamatan,
    Kelurahan,
    RoutingRule,
)
from backend.agencies.permissions import POLICY
from backend.auth import service as auth_service
from backend.auth.models import User
from backend.auth.principal import Principal
from backend.auth.roles import Role
from backend.db import Page, reference
from backend.errors import Conflict, NotFound, ValidationFailed, invalid


def list_agencies(*, session: Session) -> list[Agency]:
    """Every agency, by name."""
    return list(session.scalars(select(Agency).order_by(Agency.name)))


def get_agency(*, session: Session, agency_id: int) -> Agency:
    """An agency by id."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound()
    return agency


def officers_of(*, session: Session, agency_id: int) -> list[User]:
    """Active officers and heads of an agency (assignment candidates), by name."""
    return list(
        session.scalars(
            select(User)
            .where(
                User.agency_id == agency_id,
                User.role.in_([Role.OFFICER, Role.AGENCY_HEAD]),
                User.is_active.is_(True),
            )
            .order_by(User.full_name)
        )
    )


def assignable_officers(*, session: Session, principal: Principal, agency_id: int) -> list[User]:
    """The officers a complaint of `agency_id` may be assigned to, for who may assign there.

    Verifiers and admins see any agency's; an agency head only their own agency's.
    """
    POLICY.require(principal, "agencies.list_officers", agency_id)
    get_agency(session=session, agency_id=agency_id)
    return officers_of(session=session, agency_id=agency_id)


def agency_by_code(*, session: Session, code: str, field: str = "agency_code") -> Agency:
    """An agency by its code; a validation error on `field` if there is none."""
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise invalid(field, "unknown_code", value=code)
    return agency


def create_agency(*, session: Session, data: dict[str, Any]) -> Agency:
    """A new agency."""
    if session.scalar(select(Agency.id).where(Agency.code == data["code"])) is not None:
        raise Conflict()
    parent_code = data.pop("parent_code", None)
    _check_calendar(session, data.get("calendar_code"))
    agency = Agency(**data)
    if parent_code:
        agency.parent_id = agency_by_code(session=session, code=parent_code, field="parent_code").id
    session.add(agency)
    session.flush()
    return agency


def update_agency(*, session: Session, agency_id: int, changes: dict[str, Any]) -> Agency:
    """Change an agency's public details."""
    agency = get_agency(session=session, agency_id=agency_id)
    _check_calendar(session, changes.get("calendar_code"))
    for key, value in changes.items():
        setattr(agency, key, value)
    return agency


# the sla domain's table, named as a foreign key would name it: agencies sit below sla
_CALENDARS = table("calendars", column("code"))


def _check_calendar(session: Session, code: str | None) -> None:
    """An agency may count on an existing calendar only (or the default, which may be absent)."""
    if code is None or code == DEFAULT_CALENDAR_CODE:
        return
    if session.scalar(select(_CALENDARS.c.code).where(_CALENDARS.c.code == code)) is None:
        raise ValidationFailed(errors={"calendar": [f"Unknown calendar {code!r}."]})


def list_categories(*, session: Session, include_inactive: bool = False) -> list[Category]:
    """Complaint categories, by name."""
    query = select(Category).order_by(Category.name)
    if not include_inactive:
        query = query.where(Category.is_active.is_(True))
    return list(session.scalars(query))


@dataclass(frozen=True)
class CategoryRef:
    """An active category as intake needs it (cached: `backend.db.reference`)."""

    id: int
    code: str


@dataclass(frozen=True)
class AgencyRef:
    """An agency as routing needs it (cached: `backend.db.reference`)."""

    id: int
    code: str


def _active_categories(session: Session) -> dict[str, CategoryRef]:
    rows = session.execute(select(Category.id, Category.code).where(Category.is_active.is_(True)))
    return {code: CategoryRef(id=id_, code=code) for id_, code in rows}


def _codes_by_id(session: Session) -> tuple[dict[int, str], dict[int, str]]:
    categories = dict(session.execute(select(Category.id, Category.code)).all())
    agencies = dict(session.execute(select(Agency.id, Agency.code)).all())
    return categories, agencies


def codes_by_id(*, session: Session) -> tuple[dict[int, str], dict[int, str]]:
    """Category and agency codes by id, every one (cached: complaints show codes, not ids)."""
    return reference.cached(session, "codes", _codes_by_id)


def _names_by_id(session: Session) -> tuple[dict[int, str], dict[int, str]]:
    categories = dict(session.execute(select(Category.id, Category.name)).all())
    agencies = dict(session.execute(select(Agency.id, Agency.name)).all())
    return categories, agencies


def names_by_id(*, session: Session) -> tuple[dict[int, str], dict[int, str]]:
    """Category and agency names by id, every one (cached: people read names, not codes)."""
    return reference.cached(session, "names", _names_by_id)


def agency_id_by_code(*, session: Session, code: str, field: str = "agency_code") -> int:
    """An agency's id by its code (cached); a validation error on `field` if there is none."""
    _categories, agencies = codes_by_id(session=session)
    for agency_id, agency_code in agencies.items():
        if agency_code == code:
            return agency_id
    raise invalid(field, "unknown_code", value=code)


def category_by_code(*, session: Session, code: str) -> CategoryRef:
    """An active category by code; a validation error on `category` if there is none."""
    category = reference.cached(session, "categories", _active_categories).get(code)
    if category is None:
        raise invalid("category", "unknown_code", value=code)
    return category


def create_category(*, session: Session, data: dict[str, Any]) -> Category:
    """A new category, optionally with its default route."""
    if session.scalar(select(Category.id).where(Category.code == data["code"])) is not None:
        raise Conflict()
    agency_code = data.pop("agency_code", None)
    category = Category(**data)
    session.add(category)
    session.flush()
    if agency_code:
        set_route(session=session, category_code=category.code, agency_code=agency_code)
    return category


def list_kecamatan(*, session: Session) -> list[tuple[Kecamatan, list[str]]]:
    """The city's kecamatan with their kelurahan names."""
    kelurahan: dict[str, list[str]] = {}
    for row in session.scalars(select(Kelurahan).order_by(Kelurahan.name)):
        kelurahan.setdefault(row.kecamatan_code, []).append(row.name)
    return [
        (k, kelurahan.get(k.code, []))
        for k in session.scalars(select(Kecamatan).order_by(Kecamatan.name))
    ]


def _areas(session: Session) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    kecamatan = frozenset(session.scalars(select(Kecamatan.code)))
    kelurahan = frozenset(
        (k, name) for k, name in session.execute(select(Kelurahan.kecamatan_code, Kelurahan.name))
    )
    return kecamatan, kelurahan


def check_area(*, session: Session, kecamatan_code: str | None, kelurahan: str | None) -> None:
    """A kelurahan must belong to the kecamatan given with it."""
    if kecamatan_code is None:
        if kelurahan is not None:
            raise invalid("kelurahan", "needs_kecamatan")
        return
    kecamatan, kelurahan_of = reference.cached(session, "areas", _areas)
    if kecamatan_code not in kecamatan:
        raise invalid("kecamatan", "unknown_code", value=kecamatan_code)
    if kelurahan is not None and (kecamatan_code, kelurahan) not in kelurahan_of:
        raise invalid("kelurahan", "not_in_kecamatan", value=kelurahan, kecamatan=kecamatan_code)


def _routes(session: Session) -> dict[int, dict[str | None, AgencyRef]]:
    routes: dict[int, dict[str | None, AgencyRef]] = {}
    for category_id, area, agency_id, agency_code in session.execute(
        select(RoutingRule.category_id, RoutingRule.kecamatan_code, Agency.id, Agency.code).join(
            Agency, Agency.id == RoutingRule.agency_id
        )
    ):
        routes.setdefault(category_id, {})[area] = AgencyRef(id=agency_id, code=agency_code)
    return routes


def route(*, session: Session, category_id: int, kecamatan_code: str | None) -> AgencyRef | None:
    """The agency for a category in an area: the area's own rule first, then the general one."""
    by_area = reference.cached(session, "routes", _routes).get(category_id, {})
    if kecamatan_code in by_area:
        return by_area[kecamatan_code]
    return by_area.get(None)


def list_routes(*, session: Session) -> list[dict[str, Any]]:
    """Every routing rule with codes."""
    rows = session.execute(
        select(RoutingRule, Category.code, Agency.code)
        .join(Category, Category.id == RoutingRule.category_id)
        .join(Agency, Agency.id == RoutingRule.agency_id)
        .order_by(Category.code, RoutingRule.kecamatan_code)
    )
    return [
        {"id": r.id, "category_code": c, "kecamatan_code": r.kecamatan_code, "agency_code": a}
        for r, c, a in rows
    ]


def set_route(
    *, session: Session, category_code: str, agency_code: str, kecamatan_code: str | None = None
) -> RoutingRule:
    """Create or replace the rule for a category (and area)."""
    category = session.scalar(select(Category).where(Category.code == category_code))
    if category is None:
        raise ValidationFailed(errors={"category_code": [f"Unknown category {category_code!r}."]})
    agency = agency_by_code(session=session, code=agency_code)
    if kecamatan_code is not None and session.get(Kecamatan, kecamatan_code) is None:
        raise ValidationFailed(
            errors={"kecamatan_code": [f"Unknown kecamatan {kecamatan_code!r}."]}
        )
    rule = session.scalar(
        select(RoutingRule).where(
            RoutingRule.category_id == category.id,
            RoutingRule.kecamatan_code.is_(None)
            if kecamatan_code is None
            else RoutingRule.kecamatan_code == kecamatan_code,
        )
    )
    if rule is None:
        rule = RoutingRule(category_id=category.id, kecamatan_code=kecamatan_code)
        session.add(rule)
    rule.agency_id = agency.id
    session.flush()
    return rule


def delete_route(*, session: Session, rule_id: int) -> None:
    """Remove a routing rule."""
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound()
    session.delete(rule)


def create_staff(
    *,
    session: Session,
    email: str,
    password: str,
    full_name: str,
    role: str,
    agency_code: str | None = None,
    phone: str | None = None,
    password_hash: str | None = None,
) -> User:
    """A staff account bound to the agency named by code (the `users create` command too)."""
    agency_id = agency_by_code(session=session, code=agency_code).id if agency_code else None
    return auth_service.create_user(
        session=session,
        email=email,
        password=password,
        full_name=full_name,
        role=role,
        agency_id=agency_id,
        phone=phone,
        password_hash=password_hash,
    )


def update_staff(
    *, session: Session, user_id: int, changes: dict[str, Any], actor_id: int | None = None
) -> User:
    """Change an account; `agency_code` is resolved to the agency.

    An admin may not deactivate or demote their own account (`actor_id`): it would end their
    tokens at once and leave nobody who can undo it when they were the only admin.
    """
    if user_id == actor_id and (
        changes.get("is_active") is False or ("role" in changes and changes["role"] != Role.ADMIN)
    ):
        raise Conflict("own_access")
    if "agency_code" in changes:
        code = changes.pop("agency_code")
        changes["agency_id"] = agency_by_code(session=session, code=code).id if code else None
    return auth_service.update_user(session=session, user_id=user_id, changes=changes)


def list_staff(
    *,
    session: Session,
    page: int,
    per_page: int,
    role: str | None = None,
    agency_code: str | None = None,
    q: str | None = None,
) -> Page:
    """Accounts, filtered by role, agency and text."""
    agency_id = agency_by_code(session=session, code=agency_code).id if agency_code else None
    return auth_service.list_users(
        session=session, page=page, per_page=per_page, role=role, agency_id=agency_id, q=q
    )


def agency_codes(*, session: Session, ids: set[int]) -> dict[int, str]:
    """Agency codes by id, for one page of results at a time."""
    if not ids:
        return {}
    return dict(session.execute(select(Agency.id, Agency.code).where(Agency.id.in_(ids))).all())
