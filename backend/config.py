"""Settings from environment variables (ADUAN_*), with overrides for tests.

Every setting has a working default for `make run`: SQLite and uploads under `var/`, a master
secret kept in `var/secret_key` so sessions and PINs survive a restart, in-memory rate limits.
On any other database the master secret must be configured: a host that made up its own would
sign tokens and key PINs that no other host accepts, and lose them all on a rebuild.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any, overload

from limits import parse_many

from backend.keys import PinKeys, derive, derive_text

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("ADUAN_VAR_DIR", ROOT / "var"))


@overload
def _env(name: str) -> str | None: ...
@overload
def _env(name: str, default: str) -> str: ...
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


class ConfigurationError(RuntimeError):
    """A setting the service cannot start without is missing or wrong."""


def _master_secret(overrides: dict[str, Any], database_url: str) -> str:
    given = overrides.pop("MASTER_SECRET", None) or _env("SECRET_KEY")
    if given:
        return str(given)
    if not database_url.startswith("sqlite"):
        raise ConfigurationError(
            "ADUAN_SECRET_KEY belum diatur: di luar SQLite semua server memakai satu rahasia "
            "induk yang sama. / ADUAN_SECRET_KEY is not set: on a database other than SQLite "
            "every host must share one master secret (it signs tokens and keys the PIN hashes). "
            "Generate one with `python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`, "
            "keep it, and set ADUAN_SECRET_KEY on every host."
        )
    return _dev_secret()


def _key_id(name: str) -> int:
    value = _env(name, "1") or "1"
    if not value.isdigit():
        raise ConfigurationError(f"ADUAN_{name} must be a whole number, not {value!r}")
    return int(value)


# The rate limit of each limited operation, per client address (flask-limiter's notation).
# ADUAN_RATE_LIMITS overrides any of them: "trackComplaint=10/minute;login=5/minute".
RATE_LIMITS = {
    "createComplaint": "30/minute",
    "register": "20/hour",
    "login": "30/minute",
    "issueClientToken": "60/minute",
    # code and PIN: guessing is also stopped by the lockout of the code
    "trackComplaint": "20/minute",
    "replyToTrackedComplaint": "20/minute",
    "actOnTrackedComplaint": "20/minute",
    "uploadTrackedAttachment": "20/minute",
    # the survey by code and PIN counts wrong PINs like tracking; its link is a long token
    "getTrackedSurvey": "20/minute",
    "answerTrackedSurvey": "20/minute",
    "getSurveyInvitation": "20/minute",
    "submitSurveyResponse": "20/minute",
    # personal-data requests by code and PIN: wrong PINs count as for tracking
    "fileTrackedDataRequest": "20/minute",
    "listTrackedDataRequests": "20/minute",
}


def _rate_limits() -> dict[str, str]:
    """`RATE_LIMITS` with ADUAN_RATE_LIMITS' overrides, each checked now (not at first use)."""
    limits = dict(RATE_LIMITS)
    for entry in filter(None, (_env("RATE_LIMITS") or "").split(";")):
        name, _, value = entry.partition("=")
        if name.strip() not in limits:
            raise ConfigurationError(
                f"ADUAN_RATE_LIMITS: unknown operation {name.strip()!r} "
                f"(one of {', '.join(sorted(limits))})"
            )
        limits[name.strip()] = value.strip()
    for name, value in limits.items():
        try:
            parse_many(value)
        except ValueError as error:
            raise ConfigurationError(f"ADUAN_RATE_LIMITS: {name}={value!r}: {error}") from error
    return limits


def _retention_days() -> dict[str, int | None]:
    """ADUAN_RETENTION_DAYS: "identity=1825;outbox=180;timeline=never", the retention
    schedule's overrides per record type (days; "never" keeps them). The record types and
    their defaults are those of `backend.privacy_requests.retention`, which checks the names."""
    days: dict[str, int | None] = {}
    for entry in filter(None, (_env("RETENTION_DAYS") or "").split(";")):
        name, _, value = entry.partition("=")
        value = value.strip()
        if value == "never":
            days[name.strip()] = None
            continue
        if not value.isdigit() or int(value) < 1:
            raise ConfigurationError(
                f"ADUAN_RETENTION_DAYS: {name.strip()}={value!r}: a whole number of days "
                "(at least 1) or never"
            )
        days[name.strip()] = int(value)
    return days


def public_base_url() -> str:
    """Where citizens reach the site (links in e-mails), from ADUAN_PUBLIC_BASE_URL."""
    return _env("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config from the environment, then apply `overrides` (tests).

    `MASTER_SECRET` in `overrides` stands for ADUAN_SECRET_KEY.
    """
    overrides = dict(overrides or {})
    database_url = overrides.pop("DATABASE_URL", None) or _env(
        "DATABASE_URL", f"sqlite:///{VAR / 'aduan.db'}"
    )
    secret = _master_secret(overrides, database_url)
    engine_options: dict[str, Any] = {}
    if database_url.startswith("postgresql"):
        engine_options = {"pool_size": 5, "max_overflow": 5}  # liveness: db/engine.py
    cookie_secure = _flag("COOKIE_SECURE", False)
    config: dict[str, Any] = {
        # each purpose its own key, derived from the master secret (backend/keys.py)
        "SECRET_KEY": derive_text(secret, "session", _key_id("SESSION_KEY_ID")),
        "PIN_KEYS": PinKeys(secret, current=_key_id("PIN_KEY_ID")),
        "IDEMPOTENCY_KEY": derive(secret, "idempotency"),
        "OUTBOX_KEY": derive(secret, "outbox"),
        "SQLALCHEMY_ENGINES": {"default": {"url": database_url, **engine_options}},
        "ALEMBIC": {"script_location": "migrations"},
        "MAX_CONTENT_LENGTH": int(_env("MAX_UPLOAD_BYTES", str(10 * 1024 * 1024))),
        # the largest image accepted as evidence, in pixels (it is refused before decoding)
        "MAX_IMAGE_PIXELS": int(_env("MAX_IMAGE_PIXELS", "40000000")),
        "UPLOAD_DIR": _env("UPLOAD_DIR", str(VAR / "uploads")),
        # evidence files: unset or file:///path, the local folder (UPLOAD_DIR without a path);
        # s3://bucket/prefix?endpoint=...&region=..., an object store several hosts share
        # (backend/complaints/storage.py); without keys, boto3's chain (AWS_ACCESS_KEY_ID, ...)
        "STORAGE_URL": _env("STORAGE_URL"),
        "STORAGE_ACCESS_KEY": _env("STORAGE_ACCESS_KEY"),
        "STORAGE_SECRET_KEY": _env("STORAGE_SECRET_KEY"),
        "MAIL_DIR": _env("MAIL_DIR", str(VAR / "mail")),
        # exports written in the background, each downloadable by its requester for a day
        "EXPORT_DIR": _env("EXPORT_DIR", str(VAR / "exports")),
        "SMTP_HOST": _env("SMTP_HOST"),
        "SMTP_PORT": int(_env("SMTP_PORT", "25")),
        "SMTP_USER": _env("SMTP_USER"),
        "SMTP_PASSWORD": _env("SMTP_PASSWORD"),
        "SMTP_STARTTLS": _flag("SMTP_STARTTLS", False),
        "MAIL_FROM": _env("MAIL_FROM", "Aduan Kota Cimahi <aduan@cimahikota.go.id>"),
        "PUBLIC_BASE_URL": public_base_url(),
        # webhooks: a receiver's answer is awaited this many seconds; subscription URLs that
        # resolve to loopback or private addresses are refused unless this flag allows them
        "WEBHOOKS_TIMEOUT": float(_env("WEBHOOKS_TIMEOUT", "5")),
        "WEBHOOKS_ALLOW_PRIVATE": _flag("WEBHOOKS_ALLOW_PRIVATE", False),
        # flask-jwt-extended: bearer headers for API clients, httpOnly cookies for the browser
        "JWT_SECRET_KEY": derive_text(secret, "token", _key_id("TOKEN_KEY_ID")),
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
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # the API's documentation, served by the app: ReDoc, vendored (frontend/vendor/redoc),
        # so that reading it makes no request outside the city's server
        "OPENAPI_REDOC_PATH": "docs",
        "OPENAPI_REDOC_URL": "/assets/vendor/redoc/redoc.standalone.js",
        # flask-limiter: memory in dev, Redis in production (ADUAN_RATELIMIT_STORAGE_URI)
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI", "memory://"),
        # what the counts are kept under in a shared store (several cities on one Redis)
        "RATELIMIT_KEY_PREFIX": _env("RATELIMIT_KEY_PREFIX", "aduan"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "RATE_LIMITS": _rate_limits(),
        # reverse proxies in front of the app (nginx, the city's gateway): their X-Forwarded-For
        # entries are trusted, so rate limits, lockouts and logs see the client's address
        "TRUSTED_PROXIES": int(_env("TRUSTED_PROXIES", "0")),
        "TRACKING_MAX_FAILURES": int(_env("TRACKING_MAX_FAILURES", "5")),
        "TRACKING_LOCKOUT_MINUTES": int(_env("TRACKING_LOCKOUT_MINUTES", "15")),
        "LATE_FILING_DAYS": 30,
        # the retention schedule (README, Retention schedule): overrides of the days each record
        # type is kept, and how many rows one batch of the daily job touches
        "RETENTION_DAYS": _retention_days(),
        "RETENTION_BATCH_SIZE": int(_env("RETENTION_BATCH_SIZE", "500")),
        # flask-compress: text answers (JSON, problems, pages, scripts, styles) compressed for
        # whoever accepts it; evidence files (images, PDFs) are compressed already
        "COMPRESS_MIMETYPES": [
            "application/json",
            "application/problem+json",
            "text/html",
            "text/css",
            "text/javascript",
            "application/javascript",
        ],
        "COMPRESS_ALGORITHM": ["br", "gzip", "deflate"],
        "COMPRESS_ALGORITHM_STREAMING": ["br", "deflate"],
    }
    config.update(overrides)
    return config
