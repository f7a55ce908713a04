"""GeoReport v2 mapped onto Aduan: a service is a complaint category, a service request a
complaint. Requests are filed by the one intake (`backend.complaints.intake`) and read from the
one public list (`backend.complaints.queries.public_complaints`): the rules stay there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import marshmallow as ma
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from backend.agencies.models import Kecamatan
from backend.agencies.service import (
    codes_by_id,
    list_agencies,
    list_categories,
    list_kecamatan,
    list_routes,
    names_by_id,
)
from backend.auth.principal import Principal
from backend.complaints import intake
from backend.complaints.codes import normalise_code
from backend.complaints.models import OPEN_STATUSES, Complaint, Privacy, Status
from backend.complaints.permissions import ENDED
from backend.complaints.queries import public_complaints
from backend.complaints.schemas import ComplaintCreateSchema
from backend.db import Page, paginate
from backend.errors import ValidationFailed
from backend.sla.calendars import zone_of_agency
from backend.sla.jobs import CLOCK_LABELS
from backend.sla.models import STAFF_CLOCKS, ClockKind, ClockState, SlaClock

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# requests with no dates cover this many days back (the spec's default span)
DEFAULT_SPAN = timedelta(days=90)
# Open311 field -> where intake reads it: intake's errors are told in the client's names
FIELD_NAMES = {
    "category": "service_code",
    "description": "description",
    "title": "attribute[title]",
    "consent": "attribute[consent]",
    "privacy": "attribute[privacy]",
    "kecamatan": "attribute[kecamatan]",
    "kelurahan": "attribute[kelurahan]",
    "service_date": "attribute[service_date]",
    "address": "address_string",
    "latitude": "lat",
    "longitude": "long",
    "complainant.name": "first_name",
    "complainant.email": "email",
    "complainant.phone": "phone",
}
STATUS_NOTES = {
    Status.SUBMITTED: "Diterima, menunggu verifikasi / Received, awaiting verification",
    Status.INCOMPLETE: "Perlu dilengkapi pengadu / Awaiting more information",
    Status.VERIFIED: "Terverifikasi / Verified",
    Status.IN_PROGRESS: "Ditindaklanjuti / In progress",
    Status.DECIDED: "Diputuskan / Decided",
    Status.CLOSED: "Selesai / Closed",
    Status.REJECTED: "Ditolak / Rejected",
    Status.WITHDRAWN: "Dicabut / Withdrawn",
}
PRIVACY_NAMES = {
    Privacy.PRIVATE: "Rahasia: tidak pernah tampil publik / Private: never public",
    Privacy.PUBLIC: "Publik, tanpa nama / Public, without the name",
    Privacy.CONFIDENTIAL_IDENTITY: "Identitas dirahasiakan / Identity kept confidential",
    Privacy.ANONYMOUS: "Anonim: tanpa identitas / Anonymous: no identity",
}


INTAKE_SCHEMA = ComplaintCreateSchema()


class Open311Error(Exception):
    """A request GeoReport v2 refuses, with the HTTP status and the spec's description."""

    def __init__(self, status: int, description: str) -> None:
        self.status = status
        self.description = description
        super().__init__(description)


@dataclass(frozen=True)
class RequestFilters:
    """GET requests' filters, as the spec names them."""

    service_request_id: list[str]
    service_code: list[str]
    start_date: datetime | None
    end_date: datetime | None
    status: list[str]


def discovery(*, session: Session, base_url: str, changeset: str) -> dict[str, Any]:
    """The discovery document: this one production endpoint, JSON and XML; the contact is the
    city's complaint team."""
    team = next((a for a in list_agencies(session=session) if a.is_complaint_team), None)
    contact = ", ".join(filter(None, (team.name, team.email, team.phone))) if team else ""
    return {
        "changeset": changeset,
        "contact": contact,
        "key_service": (
            "Kunci API (api_key = client_id:client_secret) diberikan admin Aduan dengan cakupan "
            "complaints:create. / An Aduan admin issues API keys with the complaints:create scope."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url,
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def _routing(session: Session) -> tuple[dict[str, str], set[str]]:
    """Each category's agency by its general route (short name), and the categories routed by
    kecamatan only (their requests must say which kecamatan)."""
    short_names = {agency.code: agency.short_name for agency in list_agencies(session=session)}
    general: dict[str, str] = {}
    by_area: set[str] = set()
    for rule in list_routes(session=session):
        if rule["kecamatan_code"] is None:
            general[rule["category_code"]] = short_names[rule["agency_code"]]
        else:
            by_area.add(rule["category_code"])
    return general, by_area - set(general)


def services(*, session: Session) -> list[dict[str, Any]]:
    """The active categories as services; every one has attributes (consent at least)."""
    general, by_area = _routing(session)
    listed = []
    for category in list_categories(session=session):
        group = general.get(category.code) or ("Kecamatan" if category.code in by_area else "")
        words = category.code.lower().split("-") + ([group] if group else [])
        listed.append(
            {
                "service_code": category.code,
                "service_name": category.name,
                "description": category.description or category.name,
                "metadata": True,
                "type": "realtime",
                "keywords": ", ".join(dict.fromkeys(words)),
                "group": group,
            }
        )
    return listed


def service_definition(*, session: Session, service_code: str) -> dict[str, Any]:
    """The attributes a request of this service takes; kecamatan is required where the
    category is routed by area. The choices come from the reference data."""
    if service_code not in {c.code for c in list_categories(session=session)}:
        raise Open311Error(404, f"service_code {service_code!r} not found")
    _general, by_area = _routing(session)
    areas = list_kecamatan(session=session)
    attributes: list[dict[str, Any]] = [
        _attribute(
            "consent",
            "singlevaluelist",
            "Persetujuan: isian benar, berlaku sebagai tanda tangan (Pasal 42 ayat 3 UU 25/2009)"
            " / Consent: the contents are true; stands for the signature",
            required=True,
            values=[{"key": "true", "name": "Setuju / I agree"}],
        ),
        _attribute(
            "title",
            "string",
            "Judul singkat; tanpa judul dipakai awal uraian / Short title; else the "
            "description's start",
        ),
        _attribute(
            "privacy",
            "singlevaluelist",
            "Kerahasiaan; bawaan: rahasia / Privacy; default private",
            values=[{"key": p.value, "name": PRIVACY_NAMES[p]} for p in Privacy],
        ),
        _attribute(
            "kecamatan",
            "singlevaluelist",
            "Kecamatan tempat kejadian / District of the incident",
            required=service_code in by_area,
            values=[{"key": k.code, "name": k.name} for k, _names in areas],
        ),
        _attribute(
            "kelurahan",
            "singlevaluelist",
            "Kelurahan, di dalam kecamatan yang dipilih / Village, within the chosen district",
            values=[
                {"key": name, "name": f"{name} ({k.name})"} for k, names in areas for name in names
            ],
        ),
        _attribute(
            "service_date",
            "datetime",
            "Tanggal menerima layanan (Pasal 42 ayat 2) / Date the service was received",
            datatype_description="YYYY-MM-DD",
        ),
    ]
    for order, attribute in enumerate(attributes, start=1):
        attribute["order"] = order
    return {"service_code": service_code, "attributes": attributes}


def _attribute(
    code: str,
    datatype: str,
    description: str,
    *,
    required: bool = False,
    values: list[dict[str, str]] | None = None,
    datatype_description: str | None = None,
) -> dict[str, Any]:
    return {
        "variable": True,
        "code": code,
        "datatype": datatype,
        "required": required,
        "datatype_description": datatype_description,
        "order": 0,
        "description": description,
        "values": values or [],
    }


def file_request(
    *,
    session: Session,
    principal: Principal,
    form: dict[str, Any],
    now: datetime,
    secrets_: intake.IntakeSecrets,
    late_filing_days: int,
) -> dict[str, Any]:
    """File a service request as an ordinary complaint through intake (channel api, the
    client's identity, private unless the client says otherwise); the answer's notice holds
    the tracking PIN, shown this once, and the response deadline."""
    if form["service_code"] not in {c.code for c in list_categories(session=session)}:
        raise Open311Error(404, f"service_code {form['service_code']!r} not found")
    if ("lat" in form) != ("long" in form):
        raise Open311Error(400, "lat and long must be sent together")
    try:
        data = INTAKE_SCHEMA.load(_complaint_payload(form))
    except ma.ValidationError as error:
        raise ValidationFailed(errors=error.normalized_messages()) from error
    receipt = intake.file_complaint(
        session=session,
        principal=principal,
        data=data,
        now=now,
        secrets_=secrets_,
        late_filing_days=late_filing_days,
    ).receipt
    due, agency_id = session.execute(
        select(SlaClock.due_at, SlaClock.agency_id).where(
            SlaClock.complaint_id == receipt.id, SlaClock.kind == ClockKind.RESPONSE
        )
    ).one()
    zone = zone_of_agency(session=session, agency_id=agency_id)
    notice = (
        f"Pengaduan diterima dengan kode {receipt.tracking_code}, PIN {receipt.pin} (simpan; "
        f"hanya ditampilkan sekali). Tenggat {CLOCK_LABELS['response']}: {_local(due, zone)}."
        f" / Received as {receipt.tracking_code}, PIN {receipt.pin} (keep it; shown once). "
        f"Response due {_local(due, zone)}."
    )
    if receipt.late_filing:
        notice += (
            f" Diajukan lebih dari {late_filing_days} hari setelah layanan (Pasal 42 ayat 2). / "
            f"Filed more than {late_filing_days} days after the service."
        )
    return {
        "service_request_id": receipt.tracking_code,
        "service_notice": notice,
        "account_id": form.get("account_id"),
    }


def _complaint_payload(form: dict[str, Any]) -> dict[str, Any]:
    """The Open311 form as intake's input (`ComplaintCreateSchema`)."""
    description = form.get("description") or ""
    if form.get("media_url"):
        description = f"{description}\n\nMedia: {form['media_url']}".strip()
    name = " ".join(filter(None, (form.get("first_name"), form.get("last_name"))))
    complainant = {
        key: value
        for key, value in (
            ("name", name),
            ("email", form.get("email")),
            ("phone", form.get("phone")),
        )
        if value
    }
    service_date = form.get("service_date")
    payload = {
        "category": form["service_code"],
        "title": form.get("title") or _title(description),
        "description": description,
        "privacy": form.get("privacy") or Privacy.PRIVATE.value,
        "consent": bool(form.get("consent")),
        "complainant": complainant or None,
        "address": form.get("address_string") or form.get("address_id"),
        "latitude": _decimal(form.get("lat")),
        "longitude": _decimal(form.get("long")),
        "kecamatan": form.get("kecamatan"),
        "kelurahan": form.get("kelurahan"),
        # a datetime's date as written: the day the service was received
        "service_date": service_date[:10] if service_date else None,
        "channel": "api",
    }
    return {key: value for key, value in payload.items() if value is not None}


def _title(description: str) -> str:
    """The start of the description's first line, cut at a word, as the complaint's title."""
    line = description.strip().splitlines()[0] if description.strip() else ""
    return line if len(line) <= 80 else line[:80].rsplit(" ", 1)[0] + "…"


def _decimal(value: float | None) -> str | None:
    return None if value is None else f"{value:.6f}"


def find_requests(
    *, session: Session, filters: RequestFilters, page: int, per_page: int, now: datetime
) -> tuple[Page, list[dict[str, Any]]]:
    """Public complaints as service requests, newest first, a page at a time."""
    query = public_complaints(session=session, filters={})
    if filters.service_request_id:
        # the spec: a list of ids overrides every other argument
        codes = [normalise_code(code) for code in filters.service_request_id]
        query = query.where(Complaint.tracking_code.in_(codes))
    else:
        query = _narrowed(session, query, filters, now)
    query = query.order_by(Complaint.received_at.desc(), Complaint.id.desc())
    found = paginate(session, query, page=page, per_page=per_page)
    return found, service_requests(session=session, complaints=found.items)


def _narrowed(session: Session, query: Select[Any], filters: RequestFilters, now: datetime) -> Any:
    if filters.service_code:
        categories, _agencies = codes_by_id(session=session)
        wanted = set(filters.service_code)
        query = query.where(
            Complaint.category_id.in_([id_ for id_, code in categories.items() if code in wanted])
        )
    statuses = {
        status
        for name, group in (("open", OPEN_STATUSES), ("closed", ENDED))
        if name in filters.status
        for status in group
    }
    if statuses:
        query = query.where(Complaint.status.in_(sorted(statuses)))
    # the spec's default span: 90 days from the start date, or up to the end date (now)
    end = filters.end_date or (filters.start_date + DEFAULT_SPAN if filters.start_date else None)
    start = filters.start_date or (end or now) - DEFAULT_SPAN
    if end is not None and start > end:
        raise Open311Error(400, "start_date is after end_date")
    query = query.where(Complaint.received_at >= start)
    return query if end is None else query.where(Complaint.received_at <= end)


def request_by_id(*, session: Session, service_request_id: str) -> list[dict[str, Any]]:
    """One public complaint by its tracking code, as a list of one (the spec's shape)."""
    code = normalise_code(service_request_id)
    complaint = session.scalar(
        public_complaints(session=session, filters={}).where(Complaint.tracking_code == code)
    )
    if complaint is None:
        raise Open311Error(404, f"service_request_id {service_request_id!r} not found")
    return service_requests(session=session, complaints=[complaint])


def service_requests(*, session: Session, complaints: list[Complaint]) -> list[dict[str, Any]]:
    """Complaints in the spec's fields: what the public list shows, the place, the agency by
    name and the running legal deadline. Never the complainant's identity."""
    categories, agencies = names_by_id(session=session)
    codes, _agency_codes = codes_by_id(session=session)
    kecamatan = {
        code: name for code, name in session.execute(select(Kecamatan.code, Kecamatan.name))
    }
    running: dict[int, SlaClock] = {}
    for clock in session.scalars(
        select(SlaClock)
        .where(
            SlaClock.complaint_id.in_([c.id for c in complaints]),
            SlaClock.state == ClockState.RUNNING,
        )
        .order_by(SlaClock.due_at)
    ):
        running.setdefault(clock.complaint_id, clock)
    return [
        _service_request(c, running.get(c.id), categories, codes, agencies, kecamatan, session)
        for c in complaints
    ]


def _service_request(
    complaint: Complaint,
    clock: SlaClock | None,
    categories: dict[int, str],
    codes: dict[int, str],
    agencies: dict[int, str],
    kecamatan: dict[str, str],
    session: Session,
) -> dict[str, Any]:
    zone = zone_of_agency(session=session, agency_id=complaint.agency_id)
    closed = complaint.status in ENDED
    place = [
        complaint.address,
        f"Kel. {complaint.kelurahan}" if complaint.kelurahan else None,
        f"Kec. {kecamatan[complaint.kecamatan_code]}" if complaint.kecamatan_code else None,
    ]
    # the institution's deadline; the citizen's completion window is not when it will be done
    ours = clock is not None and clock.kind in STAFF_CLOCKS
    return {
        "service_request_id": complaint.tracking_code,
        "status": "closed" if closed else "open",
        "status_notes": STATUS_NOTES[Status(complaint.status)],
        "service_name": categories[complaint.category_id],
        "service_code": codes[complaint.category_id],
        "description": complaint.description,
        "agency_responsible": agencies.get(complaint.agency_id) if complaint.agency_id else None,
        "service_notice": _clock_notice(clock, zone) if clock is not None else None,
        "requested_datetime": _w3(complaint.received_at, zone),
        "updated_datetime": _w3(
            complaint.closed_at if closed and complaint.closed_at else complaint.updated_at, zone
        ),
        "expected_datetime": _w3(clock.due_at, zone) if ours and clock else None,
        "address": ", ".join(filter(None, place)) or None,
        "address_id": None,
        "zipcode": None,
        "lat": float(complaint.latitude) if complaint.latitude is not None else None,
        "long": float(complaint.longitude) if complaint.longitude is not None else None,
        "media_url": None,
    }


def _w3(at: datetime, zone: Any) -> str:
    """The spec's date-time (W3C profile of ISO 8601): seconds, with the zone's offset."""
    return at.astimezone(zone).isoformat(timespec="seconds")


def _clock_notice(clock: SlaClock, zone: Any) -> str:
    return f"Tenggat {CLOCK_LABELS[clock.kind]}: {_local(clock.due_at, zone)}"


def _local(at: datetime | None, zone: Any) -> str:
    """An instant in the agency's zone, named: 16-12-2026 23.59 WIB."""
    return at.astimezone(zone).strftime("%d-%m-%Y %H.%M %Z") if at else "-"
