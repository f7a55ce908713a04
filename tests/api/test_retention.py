"""The retention schedule (issue 16, item 8): each record type kept its configured days, then
anonymised or deleted by a batched job that logs its run and is safe to re-run; the dry-run
CLI shows what would go. Open complaints and legal holds keep their data."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select

from backend import scheduler
from backend.complaints.models import (
    Attachment,
    ComplainantIdentity,
    ComplaintEvent,
    IdempotencyRecord,
)
from backend.complaints.storage import store_of
from backend.complaints.timeline import verify_chain
from backend.extensions import db
from backend.notifications.models import OutboxMessage, OutboxStatus
from backend.privacy_requests.models import RetentionRun
from tests.api.fault_helpers import frozen
from tests.api.test_data_requests import closed, dpo_headers
from tests.factories import TrackRequestFactory, file_complaint, pdf_document

# six years after the frozen Wednesday: past the five years of identity and attachments
LATER = datetime(2032, 12, 10, 3, 0, tzinfo=UTC)


def _closed_with_evidence(client, headers_for, name, email):
    receipt = file_complaint(
        client,
        {"Idempotency-Key": str(uuid.uuid4())},
        complainant={"name": name, "email": email},
    )
    uploaded = client.post(
        "/api/v1/track/attachments",
        data={**TrackRequestFactory.of(receipt), "file": (io.BytesIO(pdf_document()), "KTP.pdf")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    closed(client, headers_for, receipt)
    return receipt


def _mark_mail_sent(app):
    with app.app_context():
        for message in db.session.scalars(select(OutboxMessage)):
            message.status = OutboxStatus.SENT
        db.session.commit()


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _name(app, complaint_id):
    with app.app_context():
        return db.session.get_one(ComplainantIdentity, complaint_id).name


def retention(app, *args):
    result = app.test_cli_runner().invoke(args=["retention", "run", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _line(output, name):
    return next(line.split() for line in output.splitlines() if line.strip().startswith(name))


def test_the_dry_run_shows_what_would_go_and_changes_nothing(app, client, headers_for):
    receipt = _closed_with_evidence(client, headers_for, "Dedi Mulyadi", "dedi@contoh.id")
    _mark_mail_sent(app)
    mails = _count(app, OutboxMessage)
    with frozen(LATER):
        output = retention(app, "--dry-run")
    assert "dry run" in output
    assert _line(output, "identity")[1] == "1" and "anonymise" in _line(output, "identity")
    assert _line(output, "attachments")[1] == "1"
    assert _line(output, "outbox")[1] == str(mails) and mails > 0
    assert _line(output, "idempotency")[1] == "1"
    assert _line(output, "timeline")[1] == "0"  # ten years by default
    assert _name(app, receipt["id"]) == "Dedi Mulyadi"
    assert _count(app, Attachment) == 1 and _count(app, OutboxMessage) == mails
    assert _count(app, RetentionRun) == 0


def test_a_run_anonymises_and_deletes_logs_itself_and_a_rerun_does_nothing_twice(
    app, client, headers_for, monkeypatch
):
    monkeypatch.setitem(app.config, "RETENTION_BATCH_SIZE", 1)  # every type in several batches
    first = _closed_with_evidence(client, headers_for, "Dedi Mulyadi", "dedi@contoh.id")
    second = _closed_with_evidence(client, headers_for, "Euis Komala", "euis@contoh.id")
    still_open = file_complaint(client, complainant={"name": "Tatang", "email": "t@contoh.id"})
    _mark_mail_sent(app)
    with app.app_context():
        keys = list(db.session.scalars(select(Attachment.storage_key)))
    store = store_of(app)
    assert all(store.exists(key) for key in keys)

    with frozen(LATER):
        output = retention(app)
    assert _line(output, "identity")[1] == "2" and _line(output, "attachments")[1] == "2"
    assert _name(app, first["id"]) == _name(app, second["id"]) == "(dihapus)"
    with app.app_context():
        erased = db.session.get_one(ComplainantIdentity, first["id"])
        assert (erased.email, erased.phone, erased.address) == (None, None, None)
    assert _name(app, still_open["id"]) == "Tatang"  # an open complaint keeps its data
    assert _count(app, Attachment) == 0 and not any(store.exists(key) for key in keys)
    assert _count(app, OutboxMessage, OutboxMessage.status != OutboxStatus.PENDING) == 0
    assert _count(app, IdempotencyRecord) == 0
    with app.app_context():
        [run] = db.session.scalars(select(RetentionRun)).all()
        assert run.complete and run.trigger == "cli" and run.finished_at is not None
        assert run.results["identity"] == {"action": "anonymise", "days": 1825, "count": 2}
        assert run.results["attachments"]["count"] == 2

    with frozen(LATER):
        again = retention(app)
    assert all(_line(again, name)[1] == "0" for name in ("identity", "attachments", "outbox"))
    assert _name(app, first["id"]) == "(dihapus)"
    assert _count(app, RetentionRun) == 2
    # the officer reads the runs, newest first; other staff may not
    runs = client.get("/api/v1/retention/runs", headers=dpo_headers(app))
    assert runs.status_code == 200, runs.get_json()
    assert [r["results"]["identity"]["count"] for r in runs.get_json()] == [0, 2]
    assert runs.get_json()[1]["started_at"].endswith("+07:00")
    denied = client.get("/api/v1/retention/runs", headers=headers_for("supervisor"))
    assert denied.status_code == 403


def test_a_legal_hold_keeps_everything_and_never_means_kept(
    app,
    client,
    headers_for,
    monkeypatch,
):
    receipt = _closed_with_evidence(client, headers_for, "Asep Sunandar", "asep@contoh.id")
    held = client.put(
        f"/api/v1/complaints/{receipt['id']}/legal-hold",
        json={"hold": True, "reason": "Pemeriksaan Ombudsman"},
        headers=dpo_headers(app),
    )
    assert held.status_code == 200, held.get_json()
    monkeypatch.setitem(app.config, "RETENTION_DAYS", {"outbox": None, "timeline": 365})
    _mark_mail_sent(app)
    mails = _count(app, OutboxMessage)
    with frozen(LATER):
        output = retention(app)
    assert _line(output, "identity")[1] == "0" and _line(output, "timeline")[1] == "0"
    assert "never" in " ".join(_line(output, "outbox"))
    assert _name(app, receipt["id"]) == "Asep Sunandar"
    assert _count(app, Attachment) == 1 and _count(app, OutboxMessage) == mails


def test_the_timeline_goes_after_its_days_and_the_chain_still_verifies(
    app, client, headers_for, monkeypatch
):
    receipt = _closed_with_evidence(client, headers_for, "Cucu", "cucu@contoh.id")
    monkeypatch.setitem(app.config, "RETENTION_DAYS", {"timeline": 365})
    assert _count(app, ComplaintEvent) > 5
    with frozen(LATER):
        output = retention(app)
    assert int(_line(output, "timeline")[1]) > 5
    assert _count(app, ComplaintEvent, ComplaintEvent.complaint_id == receipt["id"]) == 0
    with app.app_context():
        assert verify_chain(session=db.session) == []
    verified = app.test_cli_runner().invoke(args=["timeline", "verify"])
    assert verified.exit_code == 0, verified.output


def test_the_daily_job_applies_the_schedule_as_the_scheduler(app, client, headers_for):
    receipt = _closed_with_evidence(client, headers_for, "Iis Dahlia", "iis@contoh.id")
    jobs = {job.id: job for job in scheduler.build_scheduler(app).get_jobs()}
    assert str(jobs["retention"].trigger) == "cron[hour='1', minute='30']"
    with frozen(LATER), app.app_context():
        results = scheduler.run_retention()
    assert results["identity"]["count"] == 1
    assert _name(app, receipt["id"]) == "(dihapus)"
    with app.app_context():
        [run] = db.session.scalars(select(RetentionRun)).all()
        assert run.trigger == "scheduler" and run.complete
