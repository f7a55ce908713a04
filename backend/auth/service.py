"""Accounts, passwords, API clients and token revocation. Plain functions; never commit."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.auth.models import ApiClient, RevokedToken, Scope, User
from backend.auth.roles import AGENCY_STAFF, Role
from backend.db import Page, now_utc, paginate
from backend.errors import Conflict, NotFound, Unauthorized, ValidationFailed

_hasher = PasswordHasher()
# verified against when the e-mail is unknown, so a wrong e-mail costs as long as a wrong password
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_secret(secret: str) -> str:
    """An argon2id hash of a password or client secret."""
    return _hasher.hash(secret)


def verify_secret(hashed: str, secret: str) -> bool:
    """Whether `secret` matches `hashed`."""
    try:
        return _hasher.verify(hashed, secret)
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    """E-mail addresses compare case-insensitively."""
    return email.strip().lower()


def _check_agency_binding(role: str, agency_id: int | None) -> None:
    if role in AGENCY_STAFF and agency_id is None:
        raise ValidationFailed(errors={"agency": ["Officers and agency heads need an agency."]})


def create_user(
    *,
    session: Session,
    email: str,
    password: str,
    full_name: str,
    role: str,
    agency_id: int | None = None,
    phone: str | None = None,
    password_hash: str | None = None,
) -> User:
    """Create an account; staff accounts are bound to an agency where their role needs one.

    `password_hash` lets bulk loaders reuse one argon2 hash instead of hashing per account.
    """
    email = normalise_email(email)
    if role not in set(Role):
        raise ValidationFailed(errors={"role": [f"Unknown role {role!r}."]})
    _check_agency_binding(role, agency_id)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("email_taken")
    user = User(
        email=email,
        password_hash=password_hash or hash_secret(password),
        full_name=full_name.strip(),
        role=role,
        agency_id=agency_id,
        phone=phone,
    )
    session.add(user)
    session.flush()
    return user


def register_citizen(
    *, session: Session, email: str, password: str, full_name: str, phone: str | None = None
) -> User:
    """Self-registration: always the citizen role."""
    return create_user(
        session=session,
        email=email,
        password=password,
        full_name=full_name,
        role=Role.CITIZEN,
        phone=phone,
    )


def authenticate_user(*, session: Session, email: str, password: str) -> User:
    """The active user with these credentials, or Unauthorized."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        verify_secret(_DUMMY_HASH, password)
        raise Unauthorized("invalid_credentials")
    if not verify_secret(user.password_hash, password):
        raise Unauthorized("invalid_credentials")
    if not user.is_active:
        raise Unauthorized("account_disabled")
    user.last_login_at = now_utc()
    return user


def get_user(*, session: Session, user_id: int) -> User:
    """A user by id."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def list_users(
    *,
    session: Session,
    page: int,
    per_page: int,
    role: str | None = None,
    agency_id: int | None = None,
    q: str | None = None,
) -> Page:
    """Users, filtered by role, agency and name or e-mail."""
    query = select(User).order_by(User.id)
    if role:
        query = query.where(User.role == role)
    if agency_id:
        query = query.where(User.agency_id == agency_id)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(func.lower(User.full_name).like(like) | User.email.like(like))
    return paginate(session, query, page=page, per_page=per_page)


# a change of any of these ends every token the account holds (its token generation rises)
TOKEN_ENDING_CHANGES = ("password", "is_active", "role", "agency_id")


def update_user(*, session: Session, user_id: int, changes: dict[str, Any]) -> User:
    """Change a user's name, role, agency, phone, active flag or password.

    A new password, a deactivation or reactivation, a new role or agency end every token the
    account was given before (a reactivated account's old tokens do not come back).
    """
    user = get_user(session=session, user_id=user_id)
    ends_tokens = any(
        name in changes and (name == "password" or changes[name] != getattr(user, name))
        for name in TOKEN_ENDING_CHANGES
    )
    if "password" in changes:
        user.password_hash = hash_secret(changes.pop("password"))
    for key, value in changes.items():
        setattr(user, key, value)
    _check_agency_binding(user.role, user.agency_id)
    if ends_tokens:
        user.token_generation += 1
    return user


def user_claims(user: User) -> dict[str, Any]:
    """Token claims of a user."""
    return {
        "role": user.role,
        "agency_id": user.agency_id,
        "label": user.full_name,
        "gen": user.token_generation,
    }


def create_api_client(
    *, session: Session, name: str, scopes: list[str], created_by_id: int | None
) -> tuple[ApiClient, str]:
    """A new API client and its secret (returned once, stored only as a hash)."""
    unknown = set(scopes) - set(Scope)
    if unknown:
        raise ValidationFailed(errors={"scopes": [f"Unknown scopes: {sorted(unknown)}."]})
    secret = secrets.token_urlsafe(32)
    client = ApiClient(
        client_id=f"app_{secrets.token_hex(8)}",
        secret_hash=hash_secret(secret),
        name=name,
        scopes={"granted": sorted(set(scopes))},
        created_by_id=created_by_id,
    )
    session.add(client)
    session.flush()
    return client, secret


def list_api_clients(*, session: Session, page: int, per_page: int) -> Page:
    """Every API client."""
    return paginate(session, select(ApiClient).order_by(ApiClient.id), page=page, per_page=per_page)


def deactivate_api_client(*, session: Session, client_pk: int) -> ApiClient:
    """Stop a client from getting new tokens."""
    client = session.get(ApiClient, client_pk)
    if client is None:
        raise NotFound()
    client.is_active = False
    return client


def authenticate_client(*, session: Session, client_id: str, client_secret: str) -> ApiClient:
    """The active client with these credentials, or Unauthorized."""
    client = session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    if (
        client is None
        or not client.is_active
        or not verify_secret(client.secret_hash, client_secret)
    ):
        raise Unauthorized("invalid_credentials")
    return client


def client_claims(client: ApiClient) -> dict[str, Any]:
    """Token claims of an API client."""
    return {"scopes": client.scope_list, "label": client.name}


def revoke_token(*, session: Session, jti: str, expires_at: datetime) -> None:
    """Put a token on the blocklist (idempotent)."""
    if session.get(RevokedToken, jti) is None:
        session.add(RevokedToken(jti=jti, expires_at=expires_at))
        session.flush()


def token_in_force(*, session: Session, claims: dict[str, Any]) -> bool:
    """Whether a token is not revoked and still speaks for its holder.

    A disabled account or API client loses its tokens at once rather than when they expire, and
    so does an account whose token generation rose since the token was issued (a new password,
    a deactivation or reactivation, a new role or agency). One round trip, as every
    authenticated request asks.
    """
    kind, _, ident = str(claims.get("sub", "")).partition(":")
    if not ident.isdigit():
        return False
    revoked = select(RevokedToken.jti).where(RevokedToken.jti == claims.get("jti")).exists()
    connection = session.connection()
    if kind == "client":
        client = connection.execute(
            select(ApiClient.is_active, revoked).where(ApiClient.id == int(ident))
        ).first()
        return client is not None and bool(client[0]) and not client[1]
    user = connection.execute(
        select(User.is_active, User.token_generation, revoked).where(User.id == int(ident))
    ).first()
    return user is not None and bool(user[0]) and user[1] == claims.get("gen") and not user[2]
