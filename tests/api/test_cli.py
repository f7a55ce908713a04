"""`flask users create`: how an operator bootstraps a city's staff accounts (issue 2, item 5)."""

from __future__ import annotations

from sqlalchemy import func, select

from backend.auth.models import User
from backend.extensions import db


def _create(app, *args: str):
    return app.test_cli_runner().invoke(args=["users", "create", *args])


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User)) or 0


def test_creates_a_staff_account_that_can_log_in(app, client):
    result = _create(
        app,
        "--email",
        "Petugas.PUPR@Cimahikota.go.id",
        "--password",
        "rahasia-panjang-1",
        "--role",
        "officer",
        "--agency",
        "DPUPR",
        "--name",
        "Ujang Petugas PUPR",
    )
    assert result.exit_code == 0, result.output
    assert "created officer petugas.pupr@cimahikota.go.id" in result.output

    login = client.post(
        "/api/v1/auth/login",
        json={"email": "petugas.pupr@cimahikota.go.id", "password": "rahasia-panjang-1"},
    )
    assert login.status_code == 200, login.get_json()
    user = login.get_json()["user"]
    assert user["role"] == "officer"
    assert user["full_name"] == "Ujang Petugas PUPR"
    with app.app_context():
        stored = db.session.scalar(select(User).where(User.email == user["email"]))
        assert stored is not None
        assert stored.password_hash.startswith("$argon2id$")
        assert stored.agency_id is not None


def test_creates_an_admin_without_agency(app):
    result = _create(
        app, "--email", "admin2@cimahikota.go.id", "--password", "x" * 12, "--role", "admin"
    )
    assert result.exit_code == 0, result.output
    assert "created admin admin2@cimahikota.go.id" in result.output


def test_bad_input_gives_a_clear_error_and_creates_nothing(app):
    before = _count(app)
    cases = [
        (["--role", "wizard"], "wizard"),
        (["--role", "officer", "--agency", "NOPE"], "NOPE"),
        (["--role", "officer"], "agency"),
        (["--role", "agency_head"], "agency"),
    ]
    short = _create(
        app, "--email", "baru@cimahikota.go.id", "--password", "pendek", "--role", "admin"
    )
    assert short.exit_code != 0 and "password" in short.output
    bad_email = _create(app, "--email", "bukan-surel", "--password", "x" * 12, "--role", "admin")
    assert bad_email.exit_code != 0 and "email" in bad_email.output
    for extra, clue in cases:
        result = _create(app, "--email", "baru@cimahikota.go.id", "--password", "x" * 12, *extra)
        assert result.exit_code != 0, (extra, result.output)
        assert clue in result.output, (extra, result.output)
        assert "Traceback" not in result.output
    assert _count(app) == before


def test_duplicate_email_is_refused(app):
    before = _count(app)
    result = _create(
        app, "--email", "ADMIN@demo.aduan.id", "--password", "x" * 12, "--role", "verifier"
    )
    assert result.exit_code != 0
    assert "email_taken" in result.output
    assert _count(app) == before
