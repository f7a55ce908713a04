"""Agencies, areas (kecamatan, kelurahan), categories and routing rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, now_utc

# the working-day calendar an agency counts on unless told otherwise (`backend.sla.calendars`)
DEFAULT_CALENDAR_CODE = "ID-JB"


class Agency(Base):
    """An office that handles complaints: dinas, badan, kecamatan, RSUD, inspektorat."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(80))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    area_code: Mapped[str | None] = mapped_column(String(20))
    # the working-day calendar the agency counts on; its zone is the agency's local time
    calendar_code: Mapped[str] = mapped_column(String(40), default=DEFAULT_CALENDAR_CODE)
    # the city complaint team (verifiers) and the inspectorate (late escalations) are flagged
    is_complaint_team: Mapped[bool] = mapped_column(Boolean, default=False)
    is_inspectorate: Mapped[bool] = mapped_column(Boolean, default=False)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(Text)
    responsible_person: Mapped[str | None] = mapped_column(String(200))
    channels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)


class Kecamatan(Base):
    """A district of the city."""

    __tablename__ = "kecamatan"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class Kelurahan(Base):
    """A village-level area inside a kecamatan."""

    __tablename__ = "kelurahan"
    __table_args__ = (UniqueConstraint("kecamatan_code", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("kecamatan.code"), index=True)
    name: Mapped[str] = mapped_column(String(100))


class Category(Base):
    """What a complaint is about; routing and the SLA policy hang on it."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class RoutingRule(Base):
    """Category (and optionally kecamatan) -> the agency that handles it."""

    __tablename__ = "routing_rules"
    __table_args__ = (UniqueConstraint("category_id", "kecamatan_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    kecamatan_code: Mapped[str | None] = mapped_column(ForeignKey("kecamatan.code"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
