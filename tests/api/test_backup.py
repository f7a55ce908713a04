"""`flask backup create|restore` (issue 17, item 8): the restore drill on SQLite and PostgreSQL;
a damaged archive, or a database with tables, is refused and changes nothing."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from backend.complaints.models import Attachment
from backend.complaints.storage import LocalStore, store_of
from backend.db import Base
from backend.extensions import db
from tests.conftest import reset_schema
from tests.factories import TrackRequestFactory, file_complaint, pdf_document

URL = "/api/v1/complaints"
TRACK = "/api/v1/track"


@pytest.fixture(autouse=True)
def rebuilt_schema(app):
    """The drills drop the tables of the session's database: build them again after each."""
    yield
    with app.app_context():
        db.session.close()
        db.engine.dispose()
    reset_schema(app)


def _cli(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def _file_with_attachment(client, headers, title: str, content: bytes) -> dict:
    receipt = file_complaint(client, headers, title=title)
    uploaded = client.post(
        f"{URL}/{receipt['id']}/attachments",
        data={"file": (io.BytesIO(content), "bukti.pdf")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    filed = {**receipt, "attachment_id": uploaded.get_json()["id"]}
    # what is served (the upload is cleaned of its metadata), the bytes a restore must give back
    return {**filed, "content": _download(client, headers, filed)}


def _download(client, headers, filed: dict) -> bytes:
    response = client.get(
        f"{URL}/{filed['id']}/attachments/{filed['attachment_id']}/content", headers=headers
    )
    try:
        assert response.status_code == 200, response.status_code
        return response.get_data()
    finally:
        response.close()


def _destroy(app) -> None:
    """Lose everything: every table dropped, every evidence file removed."""
    store = store_of(app)
    with app.app_context():
        keys = list(db.session.scalars(select(Attachment.storage_key)))
        db.session.close()
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            else:
                Base.metadata.drop_all(conn)
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.engine.dispose()
    if isinstance(store, LocalStore):
        shutil.rmtree(store.folder)
    for key in keys:
        store.delete(key)
        assert not store.exists(key)


def _tables(app) -> list[str]:
    with app.app_context(), db.engine.connect() as conn:
        return inspect(conn).get_table_names()


@pytest.mark.usefixtures("evidence_store")
def test_restore_drill_brings_back_complaints_pins_timeline_and_files(
    app, client, headers_for, tmp_path, backend
):
    citizen = headers_for("citizen")
    filed = [
        _file_with_attachment(client, citizen, "Jalan berlubang di Cibabat", pdf_document()),
        _file_with_attachment(
            client, citizen, "Lampu PJU mati", pdf_document("<< /Producer (Kedua) >>")
        ),
    ]
    archive = tmp_path / "aduan-backup"
    made = _cli(app, "backup", "create", str(archive))
    assert made.exit_code == 0, made.output
    assert "2 files" in made.output
    manifest = json.loads((archive / "manifest.json").read_text())
    assert manifest["format"] == 1
    assert manifest["database"] == backend
    assert len([f for f in manifest["files"] if f["path"].startswith("evidence/")]) == 2

    _destroy(app)
    assert _tables(app) == []

    restored = _cli(app, "backup", "restore", str(archive))
    assert restored.exit_code == 0, restored.output

    verified = _cli(app, "timeline", "verify")
    assert verified.exit_code == 0, verified.output
    assert "timeline intact" in verified.output
    for complaint in filed:
        tracked = client.post(TRACK, json=TrackRequestFactory.of(complaint))
        assert tracked.status_code == 200, tracked.get_json()
        assert tracked.get_json()["tracking_code"] == complaint["tracking_code"]
        assert _download(client, citizen, complaint) == complaint["content"]
    # the restored database takes new complaints (its identities carry on)
    after = file_complaint(client, citizen, title="Setelah pemulihan")
    assert after["id"] > max(c["id"] for c in filed)


def test_damaged_archive_is_refused_and_changes_nothing(app, client, headers_for, tmp_path):
    citizen = headers_for("citizen")
    filed = _file_with_attachment(client, citizen, "Sampah menumpuk", pdf_document())
    archive = tmp_path / "aduan-backup"
    assert _cli(app, "backup", "create", str(archive)).exit_code == 0
    damaged = tmp_path / "damaged"
    shutil.copytree(archive, damaged)
    evidence = next((damaged / "evidence").iterdir())
    evidence.write_bytes(evidence.read_bytes() + b"x")

    _destroy(app)
    refused = _cli(app, "backup", "restore", str(damaged))
    assert refused.exit_code != 0
    assert "damaged" in refused.output and "Traceback" not in refused.output
    assert _tables(app) == []
    assert not store_of(app).exists(evidence.name)

    # the sound copy still restores over what the refusal left
    assert _cli(app, "backup", "restore", str(archive)).exit_code == 0
    assert _download(client, citizen, filed) == filed["content"]


def test_restore_into_a_database_with_tables_needs_force(app, client, headers_for, tmp_path):
    citizen = headers_for("citizen")
    filed = _file_with_attachment(client, citizen, "Trotoar rusak", pdf_document())
    archive = tmp_path / "aduan-backup"
    assert _cli(app, "backup", "create", str(archive)).exit_code == 0
    later = file_complaint(client, citizen, title="Diajukan setelah cadangan")

    refused = _cli(app, "backup", "restore", str(archive))
    assert refused.exit_code != 0
    assert "--force" in refused.output
    assert client.post(TRACK, json=TrackRequestFactory.of(later)).status_code == 200

    forced = _cli(app, "backup", "restore", "--force", str(archive))
    assert forced.exit_code == 0, forced.output
    assert client.post(TRACK, json=TrackRequestFactory.of(filed)).status_code == 200
    assert client.post(TRACK, json=TrackRequestFactory.of(later)).status_code != 200
    assert _cli(app, "timeline", "verify").exit_code == 0


def test_create_refuses_a_folder_that_is_not_empty(app, tmp_path):
    (tmp_path / "lain.txt").write_text("isi")
    result = _cli(app, "backup", "create", str(tmp_path))
    assert result.exit_code != 0
    assert "not empty" in result.output
    assert sorted(p.name for p in Path(tmp_path).iterdir()) == ["lain.txt"]


def test_incomplete_or_unknown_archives_are_refused(app, client, headers_for, tmp_path):
    citizen = headers_for("citizen")
    filed = _file_with_attachment(client, citizen, "Drainase tersumbat", pdf_document())
    archive = tmp_path / "aduan-backup"
    assert _cli(app, "backup", "create", str(archive)).exit_code == 0

    def spoiled(name: str, spoil) -> Path:
        copy = tmp_path / name
        shutil.copytree(archive, copy)
        spoil(copy)
        return copy

    def newer_format(copy: Path) -> None:
        manifest = json.loads((copy / "manifest.json").read_text())
        (copy / "manifest.json").write_text(json.dumps({**manifest, "format": 2}))

    cases = {
        "missing": spoiled("missing", lambda c: next((c / "evidence").iterdir()).unlink()),
        "not in the manifest": spoiled(
            "extra", lambda c: (c / "evidence" / "tambahan").write_bytes(b"?")
        ),
        "unknown archive format": spoiled("format", newer_format),
        "no readable manifest": spoiled("manifest", lambda c: (c / "manifest.json").unlink()),
    }
    for clue, copy in cases.items():
        refused = _cli(app, "backup", "restore", "--force", str(copy))
        assert refused.exit_code != 0, clue
        assert clue in refused.output, refused.output
    assert client.post(TRACK, json=TrackRequestFactory.of(filed)).status_code == 200
    assert _download(client, citizen, filed) == filed["content"]
