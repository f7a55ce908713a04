"""Reading complaints: one by id, the caller's lists, the public list. Plain functions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from backend.agencies.service import agency_id_by_code, category_by_code
from backend.auth.principal import Principal
from backend.complaints.codes import normalise_code
from backend.complaints.models import Complaint, Privacy
from backend.complaints.permissions import POLICY, readable
from backend.db import Page, now_utc, paginate
from backend.errors import NotFound, PreconditionFailed, PreconditionRequired


def get_complaint(*, session: Session, principal: Principal, complaint_id: int) -> Complaint:
    """A complaint the caller may open; 404 for one they may not (nothing to enumerate)."""
    complaint = session.scalar(readable(principal).where(Complaint.id == complaint_id))
    if complaint is None:
        raise NotFound()
    return complaint


def complaint_to_change(
    *,
    session: Session,
    principal: Principal,
    complaint_id: int,
    action: str,
    if_match: str | None = None,
    versioned: bool = False,
) -> Complaint:
    """A complaint the caller may open and take `action` on (403 otherwise).

    A `versioned` change must name the version it was based on: If-Match with the complaint's
    ETag (428 without, 412 when another change came first; RFC 9110 13.1.1: a list of tags or
    "*", compared strongly).
    """
    complaint = get_complaint(session=session, principal=principal, complaint_id=complaint_id)
    POLICY.require(principal, action, complaint)
    if versioned:
        if not if_match:
            raise PreconditionRequired()
        tags = {tag.strip() for tag in if_match.split(",")}
        if "*" not in tags and complaint.etag not in tags:
            raise PreconditionFailed(headers={"ETag": complaint.etag})
    return complaint


def list_complaints(
    *,
    session: Session,
    principal: Principal,
    filters: dict[str, Any],
    page: int,
    per_page: int,
) -> Page:
    """The caller's complaints, filtered and sorted.

    `overdue=true` keeps complaints with an overdue clock, `false` those without; both use the
    one rule of `SlaClock.overdue_at`. `sort=deadline` puts the nearest running deadline first.
    Both read `Complaint.next_due_at`, the earliest running deadline (see `next_due.py`).
    """
    query = complaints_query(session=session, principal=principal, filters=filters)
    return paginate(session, query, page=page, per_page=per_page)


def complaints_query(
    *, session: Session, principal: Principal, filters: dict[str, Any]
) -> Select[Any]:
    """The caller's complaints, filtered and sorted, unpaged (the queue's page, an export)."""
    query = _filtered(
        session=session, query=readable(principal), filters=filters, principal=principal
    )
    if filters.get("overdue") is not None:
        # the earliest running deadline has passed exactly when some running clock is overdue
        # (`SlaClock.overdue_at`); on the denormalised column it is an index range
        overdue = Complaint.overdue_at(now_utc())
        query = query.where(overdue if filters["overdue"] else ~overdue | _no_running_clock)
    sort = filters.get("sort") or "-received_at"
    if sort == "deadline":
        # NULLS LAST is the order of the index (agency_id, next_due_at, id): the page is its head
        query = query.order_by(Complaint.next_due_at.asc().nulls_last(), Complaint.id)
    elif sort == "received_at":
        query = query.order_by(Complaint.received_at, Complaint.id)
    else:
        query = query.order_by(Complaint.received_at.desc(), Complaint.id.desc())
    return query


_no_running_clock = Complaint.next_due_at.is_(None)


def _filtered(
    *,
    session: Session,
    query: Select[Any],
    filters: dict[str, Any],
    principal: Principal | None = None,
) -> Select[Any]:
    if filters.get("status"):
        query = query.where(Complaint.status.in_(filters["status"]))
    if filters.get("agency"):
        agency_id = agency_id_by_code(session=session, code=filters["agency"], field="agency")
        query = query.where(Complaint.agency_id == agency_id)
    if filters.get("category"):
        category = category_by_code(session=session, code=filters["category"])
        query = query.where(Complaint.category_id == category.id)
    if filters.get("channel"):
        query = query.where(Complaint.channel == filters["channel"])
    if filters.get("report_type"):
        query = query.where(Complaint.report_type == filters["report_type"])
    if filters.get("kecamatan"):
        query = query.where(Complaint.kecamatan_code == filters["kecamatan"])
    if filters.get("received_from"):
        query = query.where(Complaint.received_at >= filters["received_from"])
    if filters.get("received_to"):
        query = query.where(Complaint.received_at < filters["received_to"])
    if filters.get("assigned_to_me") and principal is not None:
        query = query.where(Complaint.assigned_officer_id == principal.id)
    if filters.get("q"):
        text = filters["q"]
        # autoescape: a "%" or "_" typed by a user is a character, not a wildcard; ILIKE on
        # PostgreSQL is what the trigram indexes serve
        query = query.where(
            or_(
                Complaint.title.icontains(text, autoescape=True),
                Complaint.description.icontains(text, autoescape=True),
                Complaint.tracking_code == normalise_code(filters["q"]),
            )
        )
    return query


def public_complaints(*, session: Session, filters: dict[str, Any]) -> Select[Any]:
    """The query of the verified public complaints, filtered, unordered; never private,
    confidential or anonymous ones (the public list and Open311 read the same rows)."""
    query = select(Complaint).where(
        Complaint.privacy == Privacy.PUBLIC, Complaint.verified_at.is_not(None)
    )
    return _filtered(session=session, query=query, filters=filters)


def list_public(*, session: Session, filters: dict[str, Any], page: int, per_page: int) -> Page:
    """Verified public complaints, for everyone; never private, confidential or anonymous ones."""
    query = public_complaints(session=session, filters=filters)
    query = query.order_by(Complaint.verified_at.desc(), Complaint.id.desc())
    return paginate(session, query, page=page, per_page=per_page)
