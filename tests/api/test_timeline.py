"""The timeline (issue 2, item 15): events in the same transaction, a hash chain, comments."""

from __future__ import annotations

from sqlalchemy import func, select, update

from backend.complaints.models import ComplaintEvent
from backend.extensions import db
from tests.factories import TrackRequestFactory, file_complaint

URL = "/api/v1/complaints"
TRACK = "/api/v1/track"


def act(client, headers, complaint_id, **body):
    etag = client.get(f"{URL}/{complaint_id}", headers=headers).headers["ETag"]
    response = client.post(
        f"{URL}/{complaint_id}/transitions", json=body, headers={**headers, "If-Match": etag}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def comment(client, headers, complaint_id, body, visibility="public"):
    response = client.post(
        f"{URL}/{complaint_id}/comments",
        headers=headers,
        json={"body": body, "visibility": visibility},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def events(client, headers, complaint_id):
    response = client.get(f"{URL}/{complaint_id}/events", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def count_events(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ComplaintEvent))


def busy_complaint(client, headers_for) -> dict:
    """A complaint with a few transitions and comments."""
    receipt = file_complaint(client, headers_for("citizen"), complainant=None)
    verifier = headers_for("verifier")
    act(client, verifier, receipt["id"], action="request_info", reason="Foto KK")
    act(client, headers_for("citizen"), receipt["id"], action="complete_info")
    comment(client, verifier, receipt["id"], "Sudah lengkap", "public")
    act(client, verifier, receipt["id"], action="verify")
    return receipt


def test_every_change_is_an_event_with_a_chained_hash(client, headers_for):
    receipt = busy_complaint(client, headers_for)
    timeline = events(client, headers_for("verifier"), receipt["id"])
    assert [e["seq"] for e in timeline] == list(range(1, len(timeline) + 1))
    assert [e["kind"] for e in timeline] == [
        "submitted",
        "transition",
        "transition",
        "comment",
        "transition",
    ]
    hashes = [e["hash"] for e in timeline]
    assert len(set(hashes)) == len(hashes)
    assert all(len(h) == 64 for h in hashes)
    actors = [e["actor_kind"] for e in timeline]
    assert actors == ["complainant", "staff", "complainant", "staff", "staff"]


def test_a_refused_change_writes_no_event(client, app, headers_for):
    receipt = file_complaint(client)
    before = count_events(app)
    etag = client.get(f"{URL}/{receipt['id']}", headers=headers_for("verifier")).headers["ETag"]
    # request_info without a reason is refused before anything is written
    response = client.post(
        f"{URL}/{receipt['id']}/transitions",
        json={"action": "request_info"},
        headers={**headers_for("verifier"), "If-Match": etag},
    )
    assert response.status_code == 422
    # verify with an unknown agency fails inside the transition, after the status was set
    response = client.post(
        f"{URL}/{receipt['id']}/transitions",
        json={"action": "verify", "agency_code": "NOPE"},
        headers={**headers_for("verifier"), "If-Match": etag},
    )
    assert response.status_code == 422
    assert count_events(app) == before
    body = client.get(f"{URL}/{receipt['id']}", headers=headers_for("verifier")).get_json()
    assert body["status"] == "submitted"
    assert body["verified_at"] is None


def test_verify_command_says_intact(app, client, headers_for):
    busy_complaint(client, headers_for)
    busy_complaint(client, headers_for)
    result = app.test_cli_runner().invoke(args=["timeline", "verify"])
    assert result.exit_code == 0, result.output
    assert "timeline intact" in result.output


def test_verify_command_names_the_first_broken_link(app, client, headers_for):
    intact = busy_complaint(client, headers_for)
    tampered = busy_complaint(client, headers_for)
    with app.app_context():
        db.session.execute(
            update(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == tampered["id"], ComplaintEvent.seq == 4)
            .values(body="Diubah diam-diam")
        )
        db.session.execute(
            update(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == tampered["id"], ComplaintEvent.seq == 5)
            .values(reason="juga diubah")
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["timeline", "verify"])
    assert result.exit_code != 0
    assert f"complaint {tampered['id']}: first broken link at seq 4" in result.output
    assert "seq 5" not in result.output
    assert f"complaint {intact['id']}" not in result.output
    one = app.test_cli_runner().invoke(
        args=["timeline", "verify", "--complaint-id", str(intact["id"])]
    )
    assert one.exit_code == 0, one.output


def test_verify_command_notices_a_deleted_event(app, client, headers_for):
    receipt = busy_complaint(client, headers_for)
    with app.app_context():
        db.session.execute(
            ComplaintEvent.__table__.delete().where(
                ComplaintEvent.complaint_id == receipt["id"], ComplaintEvent.seq == 2
            )
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["timeline", "verify"])
    assert result.exit_code != 0
    assert f"complaint {receipt['id']}: first broken link at seq 3" in result.output


def test_verify_command_notices_the_newest_events_deleted(app, client, headers_for):
    receipt = busy_complaint(client, headers_for)
    with app.app_context():
        last = db.session.scalar(
            select(func.max(ComplaintEvent.seq)).where(ComplaintEvent.complaint_id == receipt["id"])
        )
        db.session.execute(
            ComplaintEvent.__table__.delete().where(
                ComplaintEvent.complaint_id == receipt["id"], ComplaintEvent.seq == last
            )
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["timeline", "verify"])
    assert result.exit_code != 0
    assert f"complaint {receipt['id']}: first broken link at seq {last}" in result.output
    assert "missing events at the end" in result.output


def test_internal_notes_are_hidden_from_the_citizen_and_the_tracker(client, headers_for):
    citizen = headers_for("citizen")
    receipt = file_complaint(client, citizen, complainant=None)
    verifier = headers_for("verifier")
    comment(client, verifier, receipt["id"], "Pelapor sering komplain", "internal")
    comment(client, verifier, receipt["id"], "Kami sedang memeriksa", "public")

    staff_view = [e["body"] for e in events(client, verifier, receipt["id"])]
    assert "Pelapor sering komplain" in staff_view
    assert "Kami sedang memeriksa" in staff_view

    response = client.get(f"{URL}/{receipt['id']}/events", headers=citizen)
    assert "Pelapor sering komplain" not in response.get_data(as_text=True)
    assert "Kami sedang memeriksa" in [e["body"] for e in response.get_json()]

    tracked = client.post(TRACK, json=TrackRequestFactory.of(receipt))
    assert "Pelapor sering komplain" not in tracked.get_data(as_text=True)
    assert "Kami sedang memeriksa" in [e["body"] for e in tracked.get_json()["timeline"]]


def test_citizen_replies_publicly_but_cannot_write_internal_notes(client, headers_for):
    citizen = headers_for("citizen")
    receipt = file_complaint(client, citizen, complainant=None)
    reply = comment(client, citizen, receipt["id"], "Terima kasih", "public")
    assert reply["visibility"] == "public"
    assert reply["actor_kind"] == "complainant"
    response = client.post(
        f"{URL}/{receipt['id']}/comments",
        headers=citizen,
        json={"body": "rahasia", "visibility": "internal"},
    )
    assert response.status_code == 403
    assert "rahasia" not in [
        e["body"] for e in events(client, headers_for("verifier"), receipt["id"])
    ]


def test_verify_command_notices_a_changed_actor(app, client, headers_for):
    receipt = busy_complaint(client, headers_for)
    with app.app_context():
        db.session.execute(
            update(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == receipt["id"], ComplaintEvent.seq == 2)
            .values(actor_label="Orang Lain")
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["timeline", "verify"])
    assert result.exit_code != 0
    assert f"complaint {receipt['id']}: first broken link at seq 2" in result.output
