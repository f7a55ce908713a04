"""The Alembic migrations build the schema from empty, and they agree with the models.

Each test gets a database of its own: a new SQLite file, or a new PostgreSQL database created
beside TEST_DATABASE_URL's and dropped afterwards, so the shared test schema is never touched.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from backend.app import create_app
from backend.db import Base
from backend.extensions import alembic, db
from tests.conftest import BACKENDS
from tests.conftest import test_config as app_config

# compare column types and server defaults too, not only tables and columns
ALEMBIC_CONTEXT = {"compare_type": True, "compare_server_default": True}


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    server = make_url(
        os.environ["TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    )
    name = f"{server.database}_mig_{uuid.uuid4().hex[:8]}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def migrated_app(empty_database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app whose empty database was brought to the head revision."""
    config = app_config(
        "sqlite", tmp_path, DATABASE_URL=empty_database_url, ALEMBIC_CONTEXT=ALEMBIC_CONTEXT
    )
    app = create_app(config)
    with app.app_context():
        alembic.upgrade()
    yield app
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def test_migrations_create_every_table_of_the_models(migrated_app):
    with migrated_app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_models_and_migrations_agree(migrated_app):
    with migrated_app.app_context():
        diff = alembic.compare_metadata()
    assert diff == [], (
        "the models and the migrations disagree; write a migration "
        "(flask --app backend.app db revision 'what changed'):\n"
        + "\n".join(repr(change) for change in diff)
    )


def test_migrations_go_down_to_empty_and_up_again(migrated_app):
    with migrated_app.app_context():
        alembic.downgrade("base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        alembic.upgrade()
        assert set(Base.metadata.tables) <= set(inspect(db.engine).get_table_names())
