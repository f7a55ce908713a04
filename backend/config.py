"""Settings from environment variables (ADUAN_*), with overrides for tests.

Every setting has a working default for `make run`: SQLite and uploads under `var/`, a secret kept
in `var/secret_key` so sessions survive a restart, in-memory rate limits.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("ADUAN_VAR_DIR", ROOT / "var"))


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"ADUAN_{name}", default)


def _flag(name: str, default: bool) -> bool:
    value = _env(name)
    return default if value is None else value.lower() in {"1", "true", "yes", "on"}


def _dev_secret() -> str:
    """A secret generated once and kept under var/, so a dev restart keeps sessions valid."""
    VAR.mkdir(parents=True, exist_ok=True)
    path = VAR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config from the environment, then apply `overrides` (tests)."""
    overrides = dict(overrides or {})
    secret = overrides.get("SECRET_KEY") or _env("SECRET_KEY") or _dev_secret()
    database_url = overrides.pop("DATABASE_URL", None) or _env(
        "DATABASE_URL", f"sqlite:///{VAR / 'aduan.db'}"
    )
    engine_options: dict[str, Any] = {}
    if database_url.startswith("postgresql"):
        engine_options = {"pool_size": 5, "max_overflow": 5}  # liveness: db/engine.py
    cookie_secure = _flag("COOKIE_SECURE", False)
    config: dict[str, Any] = {
        "SECRET_KEY": secret,
        "SQLALCHEMY_ENGINES": {"default": {"url": database_url, **engine_options}},
        "ALEMBIC": {"script_location": "migrations"},
        "MAX_CONTENT_LENGTH": int(_env("MAX_UPLOAD_BYTES", str(10 * 1024 * 1024))),
        "UPLOAD_DIR": _env("UPLOAD_DIR", str(VAR / "uploads")),
        "MAIL_DIR": _env("MAIL_DIR", str(VAR / "mail")),
        "SMTP_HOST": _env("SMTP_HOST"),
        "SMTP_PORT": int(_env("SMTP_PORT", "25")),
        "SMTP_USER": _env("SMTP_USER"),
        "SMTP_PASSWORD": _env("SMTP_PASSWORD"),
        "SMTP_STARTTLS": _flag("SMTP_STARTTLS", False),
        "MAIL_FROM": _env("MAIL_FROM", "Aduan Kota Cimahi <aduan@cimahikota.go.id>"),
        "PUBLIC_BASE_URL": _env("PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
        "DEFAULT_TIMEZONE": _env("TIMEZONE", "Asia/Jakarta"),
        # flask-jwt-extended: bearer headers for API clients, httpOnly cookies for the browser
        "JWT_SECRET_KEY": secret,
        "JWT_TOKEN_LOCATION": ["headers", "cookies"],
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=int(_env("ACCESS_TOKEN_MINUTES", "15"))),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=int(_env("REFRESH_TOKEN_DAYS", "14"))),
        "JWT_COOKIE_SECURE": cookie_secure,
        "JWT_COOKIE_SAMESITE": "Lax",
        "JWT_COOKIE_CSRF_PROTECT": True,
        "JWT_CSRF_CHECK_FORM": False,
        "JWT_ACCESS_COOKIE_PATH": "/api/",
        "JWT_REFRESH_COOKIE_PATH": "/api/v1/auth/",
        "JWT_SESSION_COOKIE": False,
        # flask-smorest
        "API_TITLE": "Aduan",
        "API_VERSION": "1.0.0",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # flask-limiter: memory in dev, Redis in production (ADUAN_RATELIMIT_STORAGE_URI)
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "TRACKING_MAX_FAILURES": int(_env("TRACKING_MAX_FAILURES", "5")),
        "TRACKING_LOCKOUT_MINUTES": int(_env("TRACKING_LOCKOUT_MINUTES", "15")),
        "LATE_FILING_DAYS": 30,
    }
    config.update(overrides)
    return config
