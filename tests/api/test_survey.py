"""The satisfaction survey's whole path (issue 16, items 1-3): closing a complaint invites the
complainant once (e-mail with a single-use link, and the tracking page), one answer per
complaint, and the supervisor's IKM report shows it beside SLA compliance."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

from sqlalchemy import func, select

from backend.complaints.models import Complaint
from backend.extensions import db
from backend.notifications.models import OutboxMessage
from backend.survey.models import SurveyInvitation, SurveyResponse
from tests.api.test_lifecycle import act, ok, problem
from tests.factories import TrackRequestFactory, file_complaint, mail_text

TRACK = "/api/v1/track"
LINK = re.compile(r"/survei\?token=([A-Za-z0-9_-]+)")
# everything "Sangat ..." except the completion time, "Kurang cepat"
ANSWERS = {
    "persyaratan": 4,
    "prosedur": 4,
    "waktu": 2,
    "biaya": 4,
    "produk": 4,
    "kompetensi": 4,
    "perilaku": 4,
    "pengaduan": 4,
    "sarana": 4,
}


def _decided(client, headers_for, **filing):
    verifier, officer = headers_for("verifier"), headers_for("officer")
    receipt = file_complaint(client, **filing)
    cid = receipt["id"]
    ok(act(client, verifier, cid, action="verify"))
    ok(act(client, officer, cid, action="start"))
    ok(act(client, officer, cid, action="decide", decision="KTP-el dicetak ulang"))
    return receipt


def _closed_by_the_complainant(client, headers_for, **filing):
    receipt = _decided(client, headers_for, **filing)
    ok(
        act(
            client,
            headers_for("officer"),
            receipt["id"],
            action="deliver",
            delivery_channel="email",
        )
    )
    accepted = client.post(
        f"{TRACK}/actions", json={**TrackRequestFactory.of(receipt), "action": "close"}
    )
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["status"] == "closed"
    return receipt


def _invitations_to(app, recipient):
    with app.app_context():
        return db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.recipient == recipient,
                OutboxMessage.subject.contains("bagaimana pelayanan kami"),
            )
        ).all()


def _responses(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SurveyResponse))


def _submit(client, token, answers=None, **extra):
    body = {
        "token": token,
        "instrument_version": 1,
        "answers": ANSWERS if answers is None else answers,
        **extra,
    }
    return client.post("/api/v1/survey/responses", json=body)


def _answer_tracked(client, receipt, answers=None, **extra):
    body = {
        **TrackRequestFactory.of(receipt),
        "instrument_version": 1,
        "answers": ANSWERS if answers is None else answers,
        **extra,
    }
    return client.post(f"{TRACK}/survey/responses", json=body)


def test_the_instrument_is_the_regulations_nine_elements_in_its_words(client):
    body = client.get("/api/v1/survey/instrument").get_json()
    assert body["version"] == 1
    assert [e["code"] for e in body["elements"]] == list(ANSWERS)
    first = body["elements"][0]
    assert first["name_id"] == "Persyaratan"
    assert [o["label_id"] for o in first["options"]] == [
        "Tidak sesuai",
        "Kurang sesuai",
        "Sesuai",
        "Sangat sesuai",
    ]
    assert [o["score"] for o in first["options"]] == [1, 2, 3, 4]
    biaya = next(e for e in body["elements"] if e["code"] == "biaya")
    assert biaya["options"][3]["label_id"] == "Gratis" and biaya["options"][3]["label_en"]
    assert abs(sum(e["weight"] for e in body["elements"]) - 1) < 1e-9


def test_closing_invites_once_and_the_link_answers_into_the_ikm_report(app, client, headers_for):
    email = "ujang@contoh.id"
    receipt = _closed_by_the_complainant(
        client, headers_for, complainant={"name": "Ujang", "email": email}
    )
    invitations = _invitations_to(app, email)
    assert len(invitations) == 1
    assert "[[token]]" in invitations[0].body  # the outbox keeps the token sealed
    found = LINK.search(mail_text(app, invitations[0]))
    assert found, invitations[0].body
    token = found.group(1)
    assert token not in invitations[0].body + str(invitations[0].sealed)
    assert receipt["tracking_code"] in invitations[0].subject
    with app.app_context():
        # only the token's hash is kept with the invitation
        stored = db.session.scalar(select(SurveyInvitation.token_hash))
        assert stored and token not in stored and len(stored) == 64

    state = client.post("/api/v1/survey/invitation", json={"token": token}).get_json()
    assert state == {
        "tracking_code": receipt["tracking_code"],
        "answered": False,
        "answered_at": None,
        "instrument_version": 1,
        "time_zone": "WIB",
    }
    answered = _submit(client, token, comment="Petugas ramah, tetapi lama.")
    assert answered.status_code == 201, answered.get_json()
    assert answered.get_json()["answers"] == ANSWERS
    assert answered.get_json()["answered_at"].endswith("+07:00")

    # the link works once; the code and PIN cannot answer again either
    again = _submit(client, token, answers={"waktu": 4})
    body = problem(again, 409, "survey_already_answered")
    assert body["detail"].startswith("Survei untuk pengaduan ini sudah diisi")
    problem(_answer_tracked(client, receipt), 409, "survey_already_answered")
    assert _responses(app) == 1
    state = client.post("/api/v1/survey/invitation", json={"token": token}).get_json()
    assert state["answered"] is True

    report = client.get(
        "/api/v1/reports/ikm",
        query_string={"group": "agency", "by": "month"},
        headers=headers_for("supervisor"),
    )
    assert report.status_code == 200, report.get_json()
    report = report.get_json()
    (row,) = report["rows"]
    # (8 x 4 + 2) / 9 x 25 = 94.44: band A, Sangat Baik; the completion time pulls it down
    assert (row["code"], row["respondents"], row["ikm"], row["band"]) == (
        "DISDUKCAPIL",
        1,
        94.44,
        "A",
    )
    assert row["quality_id"] == "Sangat Baik"
    assert row["weakest"] == ["waktu"]
    waktu = next(e for e in row["elements"] if e["element"] == "waktu")
    assert (waktu["nrr"], waktu["weighted_nrr"], waktu["answered"]) == (2.0, 0.222, 1)
    # beside it, the agency's deadlines: every one of this complaint's was met
    assert row["sla_compliance_rate"] == 1.0 == report["total"]["sla_compliance_rate"]
    assert [(m["month"], m["ikm"]) for m in row["months"]] == [("2026-12", 94.44)]
    assert report["total"]["respondents"] == 1 and report["total"]["ikm"] == 94.44
    assert [(m["month"], m["respondents"]) for m in report["total"]["months"]] == [("2026-12", 1)]

    by_category = client.get(
        "/api/v1/reports/ikm", query_string={"group": "category"}, headers=headers_for("supervisor")
    ).get_json()
    assert [(r["code"], r["ikm"]) for r in by_category["rows"]] == [("ADMINDUK", 94.44)]
    assert by_category["rows"][0]["sla_compliance_rate"] is None


def test_staff_closing_after_the_dispute_window_invites_too(app, client, headers_for):
    email = "siti@contoh.id"
    receipt = _decided(client, headers_for, complainant={"name": "Siti", "email": email})
    officer = headers_for("officer")
    ok(act(client, officer, receipt["id"], action="deliver", delivery_channel="email"))
    with app.app_context():
        complaint = db.session.get(Complaint, receipt["id"])
        complaint.delivered_at -= timedelta(days=30)
        db.session.commit()
    assert _invitations_to(app, email) == []  # nothing before the close
    ok(act(client, officer, receipt["id"], action="close"))
    assert len(_invitations_to(app, email)) == 1
    state = client.post(f"{TRACK}/survey", json=TrackRequestFactory.of(receipt))
    assert state.status_code == 200 and state.get_json()["answered"] is False


def test_an_anonymous_complaint_answers_by_code_and_pin(app, client, headers_for):
    receipt = _closed_by_the_complainant(client, headers_for, privacy="anonymous")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SurveyInvitation)) == 1
        survey_mail = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith("survey:"))
        ).all()
        assert survey_mail == []  # no address given, no e-mail: the tracking page invites
    state = client.post(f"{TRACK}/survey", json=TrackRequestFactory.of(receipt)).get_json()
    assert state["answered"] is False and state["tracking_code"] == receipt["tracking_code"]
    answered = _answer_tracked(client, receipt, answers={"persyaratan": 1, "biaya": 4})
    assert answered.status_code == 201, answered.get_json()
    assert answered.get_json()["answers"] == {"persyaratan": 1, "biaya": 4}
    second = _answer_tracked(client, receipt)
    problem(second, 409, "survey_already_answered")
    assert _responses(app) == 1
    # the wrong PIN answers nothing
    wrong = _answer_tracked(client, {**receipt, "pin": "000000"})
    assert wrong.status_code == 404


def test_a_complaint_not_closed_cannot_be_answered(app, client, headers_for):
    receipt = _decided(client, headers_for, complainant={"name": "Asep", "email": "asep@contoh.id"})
    en = {"Accept-Language": "en"}
    refused = client.post(
        f"{TRACK}/survey/responses",
        json={**TrackRequestFactory.of(receipt), "instrument_version": 1, "answers": ANSWERS},
        headers=en,
    )
    body = problem(refused, 409, "survey_not_open")
    assert "closed" in body["detail"]
    problem(client.post(f"{TRACK}/survey", json=TrackRequestFactory.of(receipt)), 409)
    assert _responses(app) == 0
    assert _invitations_to(app, "asep@contoh.id") == []


def test_a_link_nobody_was_sent_and_answers_out_of_range_are_refused(app, client, headers_for):
    problem(_submit(client, "x" * 43), 404, "survey_link_invalid")
    receipt = _closed_by_the_complainant(client, headers_for, privacy="anonymous")
    for answers in ({"persyaratan": 5}, {"persyaratan": 0}, {"unsur_lain": 3}, {}):
        problem(_answer_tracked(client, receipt, answers=answers), 422)
    problem(_answer_tracked(client, receipt, instrument_version=99), 422)
    assert _responses(app) == 0


def test_two_answers_at_once_store_one(app, client, headers_for):
    receipt = _closed_by_the_complainant(client, headers_for, privacy="anonymous")
    start = threading.Barrier(2)
    statuses: list[int] = []

    def answer(score: int) -> None:
        own = app.test_client()
        start.wait()
        statuses.append(_answer_tracked(own, receipt, answers={"waktu": score}).status_code)

    threads = [threading.Thread(target=answer, args=(score,)) for score in (1, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [201, 409]
    assert _responses(app) == 1


def test_the_ikm_report_is_for_report_readers_and_an_agency_head_sees_their_own(
    client, headers_for
):
    assert client.get("/api/v1/reports/ikm", headers=headers_for("citizen")).status_code == 403
    assert client.get("/api/v1/reports/ikm", headers=headers_for("officer")).status_code == 403
    head = client.get("/api/v1/reports/ikm", headers=headers_for("agency_head"))
    assert head.status_code == 200 and head.get_json()["rows"] == []
    other = client.get(
        "/api/v1/reports/ikm", query_string={"agency": "DINKES"}, headers=headers_for("agency_head")
    )
    assert other.status_code == 403
