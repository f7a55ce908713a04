"""Demo data for Kota Cimahi: areas, agencies, categories, routes and one account per role."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.agencies import service as agencies
from backend.agencies.models import Agency, Category, Kecamatan, Kelurahan
from backend.auth.models import User
from backend.auth.roles import Role
from backend.sla.calendars import ensure_calendar

DATA = Path(__file__).parent / "data" / "cimahi.json"
DEMO_PASSWORD = "aduan-demo-2026"
# (role, e-mail, name, agency code)
DEMO_ACCOUNTS = [
    (Role.ADMIN, "admin@demo.aduan.id", "Admin Sistem", None),
    (Role.VERIFIER, "verifikator@demo.aduan.id", "Rina Verifikator", "DISKOMINFOARPUS"),
    (Role.SUPERVISOR, "inspektorat@demo.aduan.id", "Budi Pengawas", "INSPEKTORAT"),
    (Role.AGENCY_HEAD, "kadis.disdukcapil@demo.aduan.id", "Dewi Kepala Disdukcapil", "DISDUKCAPIL"),
    (Role.OFFICER, "petugas.disdukcapil@demo.aduan.id", "Asep Petugas Disdukcapil", "DISDUKCAPIL"),
    (Role.CITIZEN, "warga@demo.aduan.id", "Siti Warga Cimahi", None),
]
CHANNELS = {"web": "/", "telepon": "(022) 6654274", "loket": "Mal Pelayanan Publik Kota Cimahi"}


def load_demo(session: Session, *, password_hash: str | None = None) -> bool:
    """Load the demo data once; returns False when it is already there (data is kept).

    `password_hash` (tests) is used for every account instead of hashing the demo password.
    """
    if session.scalar(select(Agency.id).limit(1)) is not None:
        return False
    city: dict[str, Any] = json.loads(DATA.read_text())
    for kec in city["kecamatan"]:
        session.add(Kecamatan(code=kec["code"], name=kec["name"]))
        for name in kec["kelurahan"]:
            session.add(Kelurahan(kecamatan_code=kec["code"], name=name))
    session.flush()
    by_code: dict[str, Agency] = {}
    for item in city["agencies"]:
        agency = Agency(
            code=item["code"],
            name=item["name"],
            short_name=item["short"],
            area_code=item.get("area"),
            is_complaint_team=item["code"] == "DISKOMINFOARPUS",
            is_inspectorate=item["code"] == "INSPEKTORAT",
            email=f"{item['code'].lower()}@demo.aduan.id",
            responsible_person=f"Pengelola Pengaduan {item['short']}",
            channels=CHANNELS,
        )
        session.add(agency)
        by_code[item["code"]] = agency
    session.flush()
    for item in city["agencies"]:
        if item.get("parent"):
            by_code[item["code"]].parent_id = by_code[item["parent"]].id
    for item in city["categories"]:
        session.add(Category(code=item["code"], name=item["name"]))
        session.flush()
        if item.get("agency"):
            agencies.set_route(
                session=session, category_code=item["code"], agency_code=item["agency"]
            )
        for area, agency_code in (item.get("agency_by_area") or {}).items():
            agencies.set_route(
                session=session,
                category_code=item["code"],
                agency_code=agency_code,
                kecamatan_code=area,
            )
    for role, email, name, agency_code in DEMO_ACCOUNTS:
        agencies.create_staff(
            session=session,
            email=email,
            password=DEMO_PASSWORD,
            full_name=name,
            role=role,
            agency_code=agency_code,
            password_hash=password_hash,
        )
    # Cimahi counts working days on the West Java calendar (WIB)
    ensure_calendar(session=session)
    return True


def demo_accounts(session: Session) -> list[User]:
    """The demo accounts that exist."""
    emails = [email for _, email, _, _ in DEMO_ACCOUNTS]
    return list(session.scalars(select(User).where(User.email.in_(emails)).order_by(User.id)))
