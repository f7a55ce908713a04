"""Accounts, API clients and revoked tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, now_utc


class Scope(StrEnum):
    """What a third-party app may do."""

    COMPLAINTS_CREATE = "complaints:create"
    COMPLAINTS_READ_PUBLIC = "complaints:read_public"
    COMPLAINTS_READ_OWN = "complaints:read_own"


class User(Base):
    """A citizen or a staff member."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(20), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # the generation of the account's tokens: raised by a new password, a deactivation or
    # reactivation, a new role or agency, so that every token issued before stops working
    token_generation: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    last_login_at: Mapped[datetime | None]


class ApiClient(Base):
    """A third-party app with client credentials and scopes."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    @property
    def scope_list(self) -> list[str]:
        """The granted scopes."""
        return list(self.scopes.get("granted", []))


class RevokedToken(Base):
    """A JWT that may no longer be used (logout, or a refresh token already rotated)."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime] = mapped_column(default=now_utc)
