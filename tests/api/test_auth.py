"""Accounts and tokens (issue 2, items 6 and 7): register, login, cookies + CSRF, refresh
rotation, logout revocation, API clients with scopes."""

from __future__ import annotations

from http.cookies import SimpleCookie

from sqlalchemy import select

from backend.auth.models import ComplainantIdentity as _unused  # noqa: F401  (see below)
