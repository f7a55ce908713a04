"""Citizen e-mails for every transition that concerns them (issue 14, item 8): each in Indonesian
then English, with the tracking link; the decision's text and the dispute deadline (zone named)
when it is delivered; a rejection's ground in words; no placeholder left, no raw code."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from backend.complaints.notices import CITIZEN_NOTICES
from backend.extensions import db
from backend.notifications.models import OutboxMessage
from tests.conftest import ROLE_EMAILS, user_by_email
from tests.factories import file_complaint
from tests.sla_helpers import act

EMAIL = "euis@contoh.id"


def _citizen_mail(app) -> dict[str, OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == EMAIL).order_by(OutboxMessage.id)
        ).all()
        for row in rows:
            db.session.expunge(row)
    return {row.data["event"]: row for row in rows}


def _readable(mail: OutboxMessage, code: str) -> None:
    assert code in mail.subject
    assert f"/lacak?kode={code}" in mail.body  # the tracking link
    assert not re.search(r"\{\w+\}", mail.subject + mail.body), mail.body  # no placeholder
    for raw in ("DISDUKCAPIL", "Asia/Jakarta", "None", "not_a_complaint"):
        assert raw not in mail.body, (raw, mail.body)


def test_a_whole_life_tells_the_citizen_each_step(app, client, headers_for):
    verifier, officer = headers_for("verifier"), headers_for("officer")
    citizen = headers_for("citizen")
    receipt = file_complaint(
        client, citizen, complainant={"kind": "person", "name": "Euis", "email": EMAIL}
    )
    cid, code = receipt["id"], receipt["tracking_code"]
    act(client, verifier, cid, action="request_info", reason="Lampirkan foto KK")
    act(client, citizen, cid, action="complete_info")
    act(client, verifier, cid, action="verify")
    officer_id = user_by_email(app, ROLE_EMAILS["officer"]).id
    act(client, headers_for("agency_head"), cid, action="assign", officer_id=officer_id)
    act(client, officer, cid, action="decide", decision="KTP-el dicetak 3 Juni")
    act(client, officer, cid, action="deliver", delivery_channel="email")
    act(client, citizen, cid, action="close")
    mail = _citizen_mail(app)
    assert {"receipt", "request_info", "verify", "decide", "deliver", "close"} <= set(mail)
    for event in ("receipt", "request_info", "verify", "decide", "deliver", "close"):
        _readable(mail[event], code)
        assert "Your complaint" in mail[event].body or "The decision" in mail[event].body
    assert "Lampirkan foto KK" in mail["request_info"].body
    assert "Dinas Kependudukan dan Pencatatan Sipil" in mail["verify"].body
    assert "KTP-el dicetak 3 Juni" in mail["deliver"].body
    assert re.search(r"paling lambat \d{2}-\d{2}-\d{4} \d{2}\.\d{2} WIB", mail["deliver"].body)


@pytest.mark.parametrize("action", ["reject", "withdraw"])
def test_a_rejection_or_withdrawal_is_told_with_its_ground_and_note(
    app, client, headers_for, action
):
    verifier = headers_for("verifier")
    receipt = file_complaint(client, complainant={"kind": "person", "name": "E", "email": EMAIL})
    note = "Ini wewenang BPJS Kesehatan; silakan mengadu ke kantor BPJS Cimahi."
    act(
        client,
        verifier,
        receipt["id"],
        action=action,
        reason=note,
        resolution_code="not_a_complaint",
    )
    mail = _citizen_mail(app)[action]
    _readable(mail, receipt["tracking_code"])
    assert note in mail.body
    if action == "reject":
        assert "bukan pengaduan pelayanan publik" in mail.body and "Ombudsman" in mail.body


def test_a_rejection_refers_the_citizen_where_to_complain(app, client, headers_for):
    """Issue 14, items 8-9: a rejection's referral (where to complain instead) was only ever
    the officer's free note; it is a field of its own, in the e-mail, on tracking and for staff."""
    verifier = headers_for("verifier")
    receipt = file_complaint(client, complainant={"kind": "person", "name": "E", "email": EMAIL})
    referral = "BPJS Kesehatan Cabang Cimahi, Jl. Raya Cibabat, (022) 6654321"
    act(
        client,
        verifier,
        receipt["id"],
        action="reject",
        reason="Kepesertaan BPJS bukan wewenang Pemerintah Kota.",
        resolution_code="outside_authority",
        referral=f"  {referral} ",
    )
    mail = _citizen_mail(app)["reject"]
    assert f"Anda dapat mengadu kepada: {referral}" in mail.body
    assert f"You may complain instead to: {referral}" in mail.body
    tracked = client.post(
        "/api/v1/track", json={"code": receipt["tracking_code"], "pin": receipt["pin"]}
    ).get_json()
    assert tracked["referral"] == referral and tracked["resolution_code"] == "outside_authority"
    staff = client.get(f"/api/v1/complaints/{receipt['id']}", headers=verifier).get_json()
    assert staff["referral"] == referral
    reject = [e for e in tracked["timeline"] if e["action"] == "reject"]
    assert reject and reject[0]["data"]["referral"] == referral


def test_every_template_fills_in_both_languages():
    sample = {
        "code": "ADU-ABCD-EFGH",
        "link": "https://aduan.cimahikota.go.id/lacak?kode=ADU-ABCD-EFGH",
        "reason": "alasan",
        "agency": "Dinas Perhubungan",
        "decision": "keputusan",
        "dispute_until": "19-12-2026 23.59 WIB",
        "ground": "di luar wewenang instansi / outside the agency's authority",
        "referral": "BPJS Kesehatan Cabang Cimahi",
    }
    for action, (subject, body) in CITIZEN_NOTICES.items():
        text = subject.format(**sample) + body.format(**sample)
        assert "{" not in text, action
        assert "Pengaduan" in text or "pengaduan" in text, action  # Indonesian
        assert "complaint" in text or "Complaint" in text, action  # English
        assert sample["link"] in text, action
