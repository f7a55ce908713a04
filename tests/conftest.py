"""Fixtures: the app on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL too.

The schema is built once per database by the Alembic migrations; each test starts from empty
tables with the Cimahi demo data loaded. Under pytest-xdist each worker has a PostgreSQL
database of its own, named after TEST_DATABASE_URL's plus the worker id (`test_gw0`).

Every test starts at a stated instant (time-machine): DEFAULT_INSTANT, or each of SLA_DATES in
modules marked `sla_dates`.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token
from psycopg import sql
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from backend.app import create_app
from backend.auth import service as auth_service
from backend.auth.models import User
from backend.complaints.storage import EXTENSION, EvidenceStore, store_of
from backend.db import Base
from backend.demo import DEMO_PASSWORD, load_demo
from backend.extensions import alembic, db

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
DEMO_HASH = auth_service.hash_secret(DEMO_PASSWORD)
ROLE_EMAILS = {
    "admin": "admin@demo.aduan.id",
    "verifier": "verifikator@demo.aduan.id",
    "supervisor": "inspektorat@demo.aduan.id",
    "agency_head": "kadis.disdukcapil@demo.aduan.id",
    "officer": "petugas.disdukcapil@demo.aduan.id",
    "citizen": "warga@demo.aduan.id",
}

WIB = ZoneInfo("Asia/Jakarta")
# Wednesday 2 December 2026, 10:00 WIB: an ordinary working day with no holiday in the two
# weeks after it, so 14 calendar days and 10 working days end on the same date
DEFAULT_INSTANT = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)

# The SLA and lifecycle modules (marker `sla_dates`) run at each of these; the key is the id
SLA_DATES = {
    # Wed 2 Dec 2026, 10:00 WIB: the default instant
    "wed-2026-12-02": DEFAULT_INSTANT,
    # Sat 5 Dec 2026, 06:00 WIB, which is still Friday 4 Dec (a working day) in UTC: day 0 is
    # the WIB date, and working days start on Monday
    "sat-2026-12-05": datetime(2026, 12, 4, 23, 0, tzinfo=UTC),
    # Fri 20 Mar 2026, 23:30 WIB, the eve of Idul Fitri (21-22 Mar), itself cuti bersama: the
    # next working day is Wed 25 Mar (cuti bersama 18, 20, 23, 24; Nyepi 19); half an hour
    # before the WIB day ends
    "lebaran-eve-2026-03-20": datetime(2026, 3, 20, 16, 30, tzinfo=UTC),
    # Thu 24 Dec 2026, 10:00 WIB, cuti bersama before Christmas (25 Dec); New Year's Day and
    # Isra Mikraj (5 Jan 2027) follow within two weeks
    "cuti-natal-2026-12-24": datetime(2026, 12, 24, 3, 0, tzinfo=UTC),
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked `sla_dates` run once at each instant of SLA_DATES, named in the test id."""
    if metafunc.definition.get_closest_marker("sla_dates"):
        metafunc.parametrize(
            "frozen_at", list(SLA_DATES.values()), ids=list(SLA_DATES), indirect=True
        )


@pytest.fixture
def frozen_at(request: pytest.FixtureRequest) -> datetime:
    """The instant the test starts at: DEFAULT_INSTANT, or one of SLA_DATES (`sla_dates`)."""
    return getattr(request, "param", DEFAULT_INSTANT)


@pytest.fixture(autouse=True)
def frozen_clock(frozen_at: datetime) -> Iterator[time_machine.Coordinates]:
    """Every test starts at `frozen_at` and time moves on from there (tick=True).

    By default that is Wednesday 2 December 2026, 10:00 WIB (03:00 UTC), so no test depends on
    the day it runs. The app, the live server's thread and the tests read the same clock; a
    test that needs another instant travels there itself (`time_machine.travel`).
    """
    with time_machine.travel(frozen_at, tick=True) as traveller:
        yield traveller


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` (advisory locks, concurrent writers) run on PostgreSQL only.

    Their SQLite variants are deselected rather than skipped: they do not exist there.
    """
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_sqlite = callspec is not None and callspec.params.get("backend") == "sqlite"
        (drop if item.get_closest_marker("postgres") and on_sqlite else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def free_port() -> int:
    """A free TCP port on the loopback, for servers the tests start."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@cache
def postgresql_url() -> str:
    """TEST_DATABASE_URL on psycopg; under xdist, this worker's database, created if missing.

    A worker's database is the base database's name plus the worker id (`test_gw0`): workers
    never drop one another's schema, and suites given different base databases on one server
    never meet. Without xdist, the base database itself.
    """
    url = make_url(
        os.environ["TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    )
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url.render_as_string(hide_password=False)
    name = f"{url.database}_{worker}"
    base = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(base, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url.set(database=name).render_as_string(hide_password=False)


def database_url(backend: str, tmp: Path) -> str:
    """The URL of the test database of `backend`."""
    if backend == "postgresql":
        return postgresql_url()
    return f"sqlite:///{tmp / 'test.db'}"


def reset_schema(app: Flask) -> None:
    """Drop everything and build the schema from empty with the migrations."""
    with app.app_context():
        engine = db.engine
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            else:
                Base.metadata.drop_all(conn)
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        alembic.upgrade()


def empty_tables(app: Flask) -> None:
    """Delete every row (fast) and reset identities."""
    with app.app_context(), db.engine.begin() as conn:
        tables = list(reversed(Base.metadata.sorted_tables))
        if conn.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
            conn.execute(text("DELETE FROM sqlite_sequence")) if conn.execute(
                text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")
            ).first() else None


def test_config(backend: str, tmp: Path, **overrides: Any) -> dict[str, Any]:
    """Config of a test app."""
    return {
        "TESTING": True,
        "MASTER_SECRET": "test-secret-key-of-sufficient-length-0123456789",
        "DATABASE_URL": database_url(backend, tmp),
        "UPLOAD_DIR": str(tmp / "uploads"),
        "EXPORT_DIR": str(tmp / "exports"),
        "MAIL_DIR": str(tmp / "mail"),
        "RATELIMIT_ENABLED": False,
        **overrides,
    }


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database the test runs on."""
    return request.param


@pytest.fixture(scope="session")
def base_app(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """One app per database, schema migrated once."""
    tmp = tmp_path_factory.mktemp(backend)
    app = create_app(test_config(backend, tmp))
    reset_schema(app)
    return app


@pytest.fixture
def app(base_app: Flask) -> Iterator[Flask]:
    """The app with empty tables and the Cimahi demo data."""
    empty_tables(base_app)
    with base_app.app_context():
        load_demo(db.session, password_hash=DEMO_HASH)
        db.session.commit()
    yield base_app


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real S3-compatible server (SeaweedFS, `tests/storage_server.py`), started the first
    time a test of the session asks for it and stopped at the session's end."""
    from tests.storage_server import running_seaweedfs

    with running_seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


@pytest.fixture(params=["local", "s3"])
def evidence_store(request: pytest.FixtureRequest, app: Flask) -> Iterator[EvidenceStore]:
    """The app's evidence store for one test: the local folder (UPLOAD_DIR), or a prefix of its
    own in the SeaweedFS server's bucket (`s3_server`). Use it to run a module on both."""
    if request.param == "local":
        yield store_of(app)
        return
    store = request.getfixturevalue("s3_server").store(f"test-{secrets.token_hex(6)}")
    local = app.extensions[EXTENSION]
    app.extensions[EXTENSION] = store
    try:
        yield store
    finally:
        app.extensions[EXTENSION] = local


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client."""
    return app.test_client()


@pytest.fixture
def session(app: Flask) -> Iterator[Any]:
    """The app's session inside an app context, for direct service calls."""
    with app.app_context():
        yield db.session
        db.session.rollback()


def user_by_email(app: Flask, email: str) -> User:
    """A user, detached."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        db.session.expunge(user)
        return user


def bearer_for(app: Flask, user: User) -> dict[str, str]:
    """An Authorization header for `user`, minted without a login round trip."""
    with app.app_context():
        token = create_access_token(
            identity=f"user:{user.id}", additional_claims=auth_service.user_claims(user)
        )
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def headers_for(app: Flask) -> Any:
    """`headers_for("verifier")`: bearer headers of the demo account with that role."""

    def make(role: str) -> dict[str, str]:
        return bearer_for(app, user_by_email(app, ROLE_EMAILS[role]))

    return make
