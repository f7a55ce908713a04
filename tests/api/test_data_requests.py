"""Data-subject requests (issue 16, item 7): the complainant asks by code and PIN or from their
account, the data-protection officer answers within 3 x 24 hours from a queue, the answer is
recorded and e-mailed; erasure anonymises unless the complaint is open or under a legal hold."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from backend.auth.models import User
from backend.complaints.models import Attachment, ComplainantIdentity
from backend.extensions import db
from backend.notifications.models import OutboxMessage
from tests.api.fault_helpers import frozen
from tests.api.test_lifecycle import act, ok, problem
from tests.conftest import bearer_for, user_by_email
from tests.factories import TrackRequestFactory, UserFactory, file_complaint, pdf_document

TRACK = "/api/v1/track/data-requests"
QUEUE = "/api/v1/data-requests"
DPO_EMAIL = "dpo@uji.cimahikota.go.id"


def dpo_headers(app):
    """Bearer headers of a data-protection officer (created on first use)."""
    with app.app_context():
        if db.session.scalar(select(User.id).where(User.email == DPO_EMAIL)) is None:
            UserFactory(role="dpo", email=DPO_EMAIL)
    return bearer_for(app, user_by_email(app, DPO_EMAIL))


@pytest.fixture
def dpo(app):
    """Bearer headers of a data-protection officer."""
    return dpo_headers(app)


def ask(client, receipt, kind, **extra):
    return client.post(TRACK, json={**TrackRequestFactory.of(receipt), "kind": kind, **extra})


def tracked_requests(client, receipt):
    response = client.post(f"{TRACK}/list", json=TrackRequestFactory.of(receipt))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def answer(client, headers, request_id, decision="grant", **extra):
    return client.post(
        f"{QUEUE}/{request_id}/answer", json={"decision": decision, **extra}, headers=headers
    )


def answers_to(app, recipient):
    with app.app_context():
        return db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.recipient == recipient,
                OutboxMessage.subject.contains("permintaan data pribadi"),
            )
        ).all()


def identity_of(app, complaint_id):
    with app.app_context():
        identity = db.session.get(ComplainantIdentity, complaint_id)
        db.session.expunge(identity)
        return identity


def test_an_access_request_by_code_and_pin_is_queued_answered_and_emailed(app, client, dpo):
    email = "ujang@contoh.id"
    receipt = file_complaint(client, complainant={"name": "Ujang Sutisna", "email": email})
    filed = ask(client, receipt, "access")
    assert filed.status_code == 201, filed.get_json()
    body = filed.get_json()
    assert body["status"] == "pending" and body["requested_via"] == "tracking"
    received = datetime.fromisoformat(body["received_at"])
    due = datetime.fromisoformat(body["due_at"])
    assert due - received == timedelta(hours=72)
    assert body["due_at"].endswith("+07:00")  # shown in WIB
    # the officer hears of it, with the deadline in words and in WIB
    with app.app_context():
        [told] = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == DPO_EMAIL)
        ).all()
    assert receipt["tracking_code"] in told.subject
    # (seconds are rounded up: a moment after 10.00)
    assert re.search(r"paling lambat 5 Desember 2026 pukul 10\.0\d WIB", told.body)

    queue = client.get(QUEUE, headers=dpo).get_json()
    assert [(i["id"], i["kind"], i["overdue"]) for i in queue["items"]] == [
        (body["id"], "access", False)
    ]
    assert queue["items"][0]["tracking_code"] == receipt["tracking_code"]

    answered = answer(client, dpo, body["id"], message="Berikut catatan pemrosesan data Anda.")
    assert answered.status_code == 200, answered.get_json()
    record = answered.get_json()["processing_record"]
    assert answered.get_json()["outcome"] == "granted"
    assert set(record["data_held"]) == {"name", "email"}
    assert record["activities"][0]["kind"] == "submitted"
    assert "20 ayat (2) huruf e" in record["legal_basis"]
    # the tracking page shows the answer and the record; never the identity's values
    [seen] = tracked_requests(client, receipt)
    assert seen["status"] == "answered" and seen["processing_record"] == record
    assert "Ujang" not in str(seen)
    [mail] = answers_to(app, email)
    assert receipt["tracking_code"] in mail.subject
    assert "telah dijawab: dipenuhi" in mail.body and "has been answered: granted" in mail.body
    assert "Berikut catatan pemrosesan" in mail.body
    # answered once: a second answer is refused and changes nothing
    problem(answer(client, dpo, body["id"], "refuse", message="x"), 409, "data_request_answered")


def test_wrong_pins_count_and_lock_as_for_tracking(client):
    receipt = file_complaint(client)
    wrong = {**TrackRequestFactory.of(receipt), "pin": "000000", "kind": "access"}
    if wrong["pin"] == TrackRequestFactory.of(receipt)["pin"]:
        wrong["pin"] = "111111"
    for _ in range(5):
        problem(client.post(TRACK, json=wrong), 404, "tracking_failed")
    locked = ask(client, receipt, "access")
    problem(locked, 429, "tracking_locked")
    assert locked.headers["Retry-After"]


def test_a_request_left_past_72_hours_is_overdue_in_the_queue(app, client, dpo):
    receipt = file_complaint(client)
    request_id = ask(
        client, receipt, "restriction", details="Jangan pakai untuk survei"
    ).get_json()["id"]
    assert client.get(f"{QUEUE}?overdue=true", headers=dpo).get_json()["items"] == []
    with frozen(datetime.fromisoformat("2026-12-05T10:01:00+07:00")):
        dpo = bearer_for(app, user_by_email(app, DPO_EMAIL))  # a token of that time
        overdue = client.get(f"{QUEUE}?overdue=true", headers=dpo).get_json()["items"]
        assert [(i["id"], i["overdue"]) for i in overdue] == [(request_id, True)]
        assert client.get(f"{QUEUE}/{request_id}", headers=dpo).get_json()["overdue"] is True


def test_one_pending_request_of_a_kind_and_a_correction_says_what(client):
    receipt = file_complaint(client)
    assert ask(client, receipt, "erasure").status_code == 201
    problem(ask(client, receipt, "erasure"), 409, "data_request_pending")
    refused = problem(ask(client, receipt, "correction"), 422)
    assert "details" in refused["errors"]
    problem(ask(client, receipt, "forget_me"), 422)
    assert [r["kind"] for r in tracked_requests(client, receipt)] == ["erasure"]


def test_erasure_while_the_complaint_is_open_is_refused_and_the_answer_says_so(
    app, client, dpo, headers_for
):
    email = "siti@contoh.id"
    receipt = file_complaint(client, complainant={"name": "Siti Aminah", "email": email})
    request_id = ask(client, receipt, "erasure").get_json()["id"]
    answered = answer(client, dpo, request_id).get_json()
    assert (answered["outcome"], answered["refusal_ground"]) == ("refused", "complaint_open")
    assert identity_of(app, receipt["id"]).name == "Siti Aminah"
    [mail] = answers_to(app, email)
    assert "selama pengaduan masih ditangani" in mail.body
    assert "while the complaint is still being handled" in mail.body


def closed(client, headers_for, receipt):
    """Take a filed complaint to `closed`: verified, decided, delivered, accepted."""
    verifier, officer = headers_for("verifier"), headers_for("officer")
    ok(act(client, verifier, receipt["id"], action="verify"))
    ok(act(client, officer, receipt["id"], action="start"))
    ok(act(client, officer, receipt["id"], action="decide", decision="KTP-el dicetak ulang"))
    ok(act(client, officer, receipt["id"], action="deliver", delivery_channel="email"))
    accepted = client.post(
        "/api/v1/track/actions", json={**TrackRequestFactory.of(receipt), "action": "close"}
    )
    assert accepted.get_json()["status"] == "closed", accepted.get_json()


def _with_attachment(client, receipt, name):
    response = client.post(
        "/api/v1/track/attachments",
        data={**TrackRequestFactory.of(receipt), "file": (io.BytesIO(pdf_document()), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_erasure_of_a_closed_complaint_anonymises_identity_and_attachment_metadata(
    app, client, dpo, headers_for
):
    email = "budi.santoso@contoh.id"
    receipt = file_complaint(client, complainant={"name": "Budi Santoso", "email": email})
    attachment_id = _with_attachment(client, receipt, "KTP_Budi_Santoso.pdf")
    closed(client, headers_for, receipt)
    request_id = ask(client, receipt, "erasure", details="Hapus data Budi Santoso").get_json()["id"]
    answered = answer(client, dpo, request_id, message="Data Anda telah dihapus.").get_json()
    assert (answered["outcome"], answered["refusal_ground"]) == ("granted", None)
    assert answered["details"] is None  # what the complainant wrote named them

    identity = identity_of(app, receipt["id"])
    assert identity.name == "(dihapus)" and identity.erased_at is not None
    assert (identity.email, identity.phone, identity.address) == (None, None, None)
    verifier = headers_for("verifier")
    seen = ok(client.get(f"/api/v1/complaints/{receipt['id']}", headers=verifier))
    assert "Budi" not in str(seen)
    with app.app_context():
        attachment = db.session.get_one(Attachment, attachment_id)
        assert attachment.filename == f"lampiran-{attachment_id}.pdf"
        # earlier e-mails (the survey invitation) no longer name the address
        earlier = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.subject.contains("bagaimana pelayanan"))
        ).all()
        assert earlier == [] or all(m.recipient != email for m in earlier)
    # the answer itself still reaches the complainant
    [mail] = answers_to(app, email)
    assert "telah dijawab: dipenuhi" in mail.body
    events = ok(client.get(f"/api/v1/complaints/{receipt['id']}/events", headers=verifier))
    assert any(e["kind"] == "identity_erased" for e in events)


def test_a_legal_hold_keeps_the_data_and_only_the_right_roles_set_it(app, client, dpo, headers_for):
    receipt = file_complaint(client, complainant={"name": "Asep"})
    closed(client, headers_for, receipt)
    hold = f"/api/v1/complaints/{receipt['id']}/legal-hold"
    problem(
        client.put(hold, json={"hold": True, "reason": "x"}, headers=headers_for("officer")), 403
    )
    problem(client.put(hold, json={"hold": True}, headers=dpo), 422)
    held = ok(
        client.put(
            hold,
            json={"hold": True, "reason": "Sengketa di PTUN"},
            headers=headers_for("supervisor"),
        )
    )
    assert held == {
        "complaint_id": receipt["id"],
        "legal_hold": True,
        "legal_hold_reason": "Sengketa di PTUN",
    }
    request_id = ask(client, receipt, "erasure").get_json()["id"]
    answered = answer(client, dpo, request_id).get_json()
    assert (answered["outcome"], answered["refusal_ground"]) == ("refused", "legal_hold")
    assert identity_of(app, receipt["id"]).name == "Asep"
    [item] = client.get(QUEUE, headers=dpo).get_json()["items"]
    assert item["legal_hold"] is True and item["complaint_status"] == "closed"
    # lifted, a new request is granted
    ok(client.put(hold, json={"hold": False}, headers=dpo))
    again = ask(client, receipt, "erasure").get_json()["id"]
    assert answer(client, dpo, again).get_json()["outcome"] == "granted"
    assert identity_of(app, receipt["id"]).name == "(dihapus)"


def test_a_correction_from_the_citizens_account_sets_the_fields(app, client, dpo, headers_for):
    citizen = headers_for("citizen")
    receipt = file_complaint(client, citizen, complainant={"name": "Siti", "phone": "0811"})
    url = f"/api/v1/complaints/{receipt['id']}/data-requests"
    filed = client.post(
        url, json={"kind": "correction", "details": "Nomor HP saya 0822"}, headers=citizen
    )
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["requested_via"] == "account"
    # nobody else's: staff without the role, another complaint's tracker
    problem(client.post(url, json={"kind": "access"}, headers=headers_for("officer")), 403)
    other = file_complaint(client)
    problem(
        client.post(
            f"/api/v1/complaints/{other['id']}/data-requests",
            json={"kind": "access"},
            headers=citizen,
        ),
        404,
    )
    # the officer queue is the DPO's alone
    problem(client.get(QUEUE, headers=headers_for("verifier")), 403)
    answered = answer(client, dpo, filed.get_json()["id"], corrections={"phone": "0822"}).get_json()
    assert answered["outcome"] == "granted"
    assert identity_of(app, receipt["id"]).phone == "0822"
    [listed] = ok(client.get(url, headers=citizen))["items"]
    assert listed["status"] == "answered"


def test_refusing_needs_a_reason_and_changes_nothing_without_one(app, client, dpo):
    receipt = file_complaint(client)
    request_id = ask(client, receipt, "consent_withdrawal").get_json()["id"]
    problem(answer(client, dpo, request_id, "refuse"), 422)
    assert client.get(f"{QUEUE}/{request_id}", headers=dpo).get_json()["status"] == "pending"
    refused = answer(
        client, dpo, request_id, "refuse", message="Dasar pemrosesan adalah tugas pelayanan publik."
    ).get_json()
    assert (refused["outcome"], refused["refusal_ground"]) == ("refused", "other")
