"""Routing (issue 2, item 13) and the lifecycle of transitionComplaint (item 14)."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.conftest import ROLE_EMAILS, user_by_email
from tests.factories import file_complaint

# deadlines, ages and windows are computed from now: run at each instant of SLA_DATES
pytestmark = pytest.mark.sla_dates

URL = "/api/v1/complaints"


def get(client, headers, complaint_id):
    response = client.get(f"{URL}/{complaint_id}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response


def act(client, headers, complaint_id, **body):
    """Take an action with the current ETag; returns the response."""
    etag = get(client, headers, complaint_id).headers["ETag"]
    return client.post(
        f"{URL}/{complaint_id}/transitions", json=body, headers={**headers, "If-Match": etag}
    )


def ok(response):
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def problem(response, status, code=None):
    assert response.status_code == status, response.get_json()
    assert response.content_type.startswith("application/problem+json")
    body = response.get_json()
    if code is not None:
        assert body["code"] == code, body
    return body


def clock(body, kind):
    """The latest cycle of a clock as getComplaint shows it."""
    clocks = [c for c in body["clocks"] if c["kind"] == kind]
    assert clocks, f"no {kind} clock in {body['clocks']}"
    return max(clocks, key=lambda c: c["cycle"])


def events(client, headers, complaint_id):
    response = client.get(f"{URL}/{complaint_id}/events", headers=headers)
    assert response.status_code == 200
    return response.get_json()


def officer_id(app):
    return user_by_email(app, ROLE_EMAILS["officer"]).id


# --- item 13: routing -----------------------------------------------------------------------


def test_category_routes_to_its_agency(client, headers_for):
    receipt = file_complaint(client, category="ADMINDUK")
    assert receipt["agency"] == "DISDUKCAPIL"
    assert get(client, headers_for("verifier"), receipt["id"]).get_json()["agency"] == "DISDUKCAPIL"


@pytest.mark.parametrize(
    ("kecamatan", "kelurahan", "agency"),
    [
        ("CMH-UTR", "Cibabat", "KEC-UTR"),
        ("CMH-TGH", "Baros", "KEC-TGH"),
        ("CMH-SLT", "Melong", "KEC-SLT"),
    ],
)
def test_area_category_routes_by_kecamatan(client, kecamatan, kelurahan, agency):
    receipt = file_complaint(
        client, category="SURAT-KELURAHAN", kecamatan=kecamatan, kelurahan=kelurahan
    )
    assert receipt["agency"] == agency


def test_unrouted_complaint_needs_an_agency_to_be_verified(client, headers_for):
    receipt = file_complaint(client, category="SURAT-KELURAHAN", kecamatan=None, kelurahan=None)
    assert receipt["agency"] is None
    verifier = headers_for("verifier")
    problem(act(client, verifier, receipt["id"], action="verify"), 422)
    assert get(client, verifier, receipt["id"]).get_json()["status"] == "submitted"
    body = ok(act(client, verifier, receipt["id"], action="verify", agency_code="KEC-TGH"))
    assert body["status"] == "verified"
    assert body["agency"] == "KEC-TGH"


def test_verifier_reroutes_with_a_reason_and_clocks_keep_their_dates(client, headers_for):
    verifier = headers_for("verifier")
    receipt = file_complaint(client)
    ok(act(client, verifier, receipt["id"], action="verify"))
    before = get(client, verifier, receipt["id"]).get_json()
    assert get(client, headers_for("officer"), receipt["id"]).status_code == 200

    body = ok(
        act(
            client,
            verifier,
            receipt["id"],
            action="reroute",
            agency_code="DPMPTSP",
            reason="Bukan wewenang Disdukcapil: izin usaha",
        )
    )
    assert body["agency"] == "DPMPTSP"
    assert body["status"] == "verified"
    assert [(c["kind"], c["due_at"], c["state"]) for c in body["clocks"]] == [
        (c["kind"], c["due_at"], c["state"]) for c in before["clocks"]
    ]
    event = events(client, verifier, receipt["id"])[-1]
    assert event["action"] == "reroute"
    assert event["reason"] == "Bukan wewenang Disdukcapil: izin usaha"
    assert event["data"]["from_agency"] == "DISDUKCAPIL"
    assert event["data"]["to_agency"] == "DPMPTSP"
    # the old agency no longer sees it
    assert client.get(f"{URL}/{receipt['id']}", headers=headers_for("officer")).status_code == 404


def test_reroute_needs_a_reason_and_an_agency(client, headers_for):
    verifier = headers_for("verifier")
    receipt = file_complaint(client)
    problem(act(client, verifier, receipt["id"], action="reroute", agency_code="DPMPTSP"), 422)
    problem(
        act(client, verifier, receipt["id"], action="reroute", agency_code="DPMPTSP", reason="   "),
        422,
    )
    problem(act(client, verifier, receipt["id"], action="reroute", reason="Salah dinas"), 422)
    problem(
        act(
            client,
            verifier,
            receipt["id"],
            action="reroute",
            agency_code="NOPE",
            reason="Salah dinas",
        ),
        422,
    )
    body = get(client, verifier, receipt["id"]).get_json()
    assert body["agency"] == "DISDUKCAPIL"
    assert [e["kind"] for e in events(client, verifier, receipt["id"])] == ["submitted"]


def test_only_the_verifier_reroutes(client, headers_for):
    receipt = file_complaint(client)
    ok(act(client, headers_for("verifier"), receipt["id"], action="verify"))
    problem(
        act(
            client,
            headers_for("agency_head"),
            receipt["id"],
            action="reroute",
            agency_code="DPMPTSP",
            reason="Bukan wewenang",
        ),
        403,
    )


# --- item 14: the lifecycle -----------------------------------------------------------------


def test_full_path_with_clocks(client, app, headers_for):
    verifier, head, officer = (
        headers_for("verifier"),
        headers_for("agency_head"),
        headers_for("officer"),
    )
    citizen = headers_for("citizen")
    receipt = file_complaint(client, citizen, complainant=None)
    cid = receipt["id"]
    body = get(client, verifier, cid).get_json()
    assert clock(body, "response")["state"] == "running"
    assert {c["kind"] for c in body["clocks"]} == {"response"}

    problem(act(client, verifier, cid, action="request_info"), 422, "reason_required")
    body = ok(act(client, verifier, cid, action="request_info", reason="Lampirkan foto KK"))
    assert body["status"] == "incomplete"
    assert clock(body, "response")["state"] == "stopped"
    assert clock(body, "completion")["state"] == "running"

    body = ok(act(client, citizen, cid, action="complete_info"))
    assert body["status"] == "submitted"
    assert clock(body, "completion")["state"] == "stopped"

    body = ok(act(client, verifier, cid, action="verify"))
    assert body["status"] == "verified"
    assert body["verified_at"] is not None
    assert clock(body, "decision")["state"] == "running"
    assert clock(body, "decision")["days"] == 60

    assert body["assigned_officer"] is None and body["dispute_window_ends_at"] is None
    body = ok(act(client, head, cid, action="assign", officer_id=officer_id(app)))
    assert body["status"] == "in_progress"
    assert body["assigned_officer_id"] == officer_id(app)

    problem(act(client, officer, cid, action="decide"), 422)
    body = ok(act(client, officer, cid, action="decide", decision="KTP-el dicetak 3 Juni"))
    assert body["status"] == "decided"
    assert body["decision"] == "KTP-el dicetak 3 Juni"
    assert clock(body, "decision")["state"] == "stopped"
    assert clock(body, "delivery")["state"] == "running"
    assert clock(body, "delivery")["days"] == 14

    body = ok(act(client, officer, cid, action="deliver", delivery_channel="email"))
    assert body["status"] == "decided"
    assert body["delivered_at"] is not None
    assert clock(body, "delivery")["state"] == "stopped"
    # what staff see of the handling (issue 14, item 7): names and dates, not ids
    officer_name = user_by_email(app, ROLE_EMAILS["officer"]).full_name
    assert body["assigned_officer"] == officer_name
    assert body["delivery_channel"] == "email"
    ends = datetime.fromisoformat(body["dispute_window_ends_at"])
    assert ends.utcoffset() is not None and ends > datetime.fromisoformat(body["delivered_at"])
    assert body["time_zone"] == "WIB" and ends.strftime("%z") == "+0700"
    own = get(client, citizen, cid).get_json()
    assert own["assigned_officer"] is None  # staff's names are for staff
    assert own["dispute_window_ends_at"] == body["dispute_window_ends_at"]
    # the queue shows the same (item 7, the queue), the citizen's own list no names
    [row] = [c for c in client.get(URL, headers=verifier).get_json()["items"] if c["id"] == cid]
    assert (row["assigned_officer"], row["delivery_channel"]) == (officer_name, "email")
    assert row["dispute_window_ends_at"] == body["dispute_window_ends_at"]
    [mine] = [c for c in client.get(URL, headers=citizen).get_json()["items"] if c["id"] == cid]
    assert mine["assigned_officer"] is None
    assert mine["dispute_window_ends_at"] == body["dispute_window_ends_at"]

    # staff wait for the dispute window; the complainant may accept at once
    problem(act(client, officer, cid, action="close"), 409, "dispute_window_open")
    body = ok(act(client, citizen, cid, action="close"))
    assert body["status"] == "closed"
    assert body["closed_at"] is not None
    assert all(c["state"] != "running" for c in body["clocks"])

    timeline = events(client, verifier, cid)
    assert [e["action"] for e in timeline] == [
        "submit",
        "request_info",
        "complete_info",
        "verify",
        "assign",
        "decide",
        "deliver",
        "close",
    ]
    assert [e["to_status"] for e in timeline] == [
        "submitted",
        "incomplete",
        "submitted",
        "verified",
        "in_progress",
        "decided",
        "decided",
        "closed",
    ]


def test_clock_start_and_stop_times_follow_the_actions(client, headers_for):
    verifier = headers_for("verifier")
    receipt = file_complaint(client)
    cid = receipt["id"]
    body = ok(act(client, verifier, cid, action="verify"))
    verified_at = datetime.fromisoformat(body["verified_at"])
    assert datetime.fromisoformat(clock(body, "response")["stopped_at"]) == verified_at
    assert datetime.fromisoformat(clock(body, "decision")["started_at"]) == verified_at
    assert datetime.fromisoformat(clock(body, "response")["started_at"]) == datetime.fromisoformat(
        receipt["received_at"]
    )


def test_reopen_by_the_complainant_after_delivery(client, app, headers_for):
    verifier, officer, citizen = (
        headers_for("verifier"),
        headers_for("officer"),
        headers_for("citizen"),
    )
    cid = file_complaint(client, citizen, complainant=None)["id"]
    ok(act(client, verifier, cid, action="verify"))
    ok(act(client, officer, cid, action="start"))
    ok(act(client, officer, cid, action="decide", decision="Ditolak karena berkas kurang"))
    # not before the decision is delivered
    problem(
        act(client, citizen, cid, action="reopen", reason="Berkas sudah lengkap"),
        409,
        "invalid_transition",
    )
    ok(act(client, officer, cid, action="deliver"))
    problem(act(client, citizen, cid, action="reopen"), 422, "reason_required")
    body = ok(act(client, citizen, cid, action="reopen", reason="Berkas sudah lengkap"))
    assert body["status"] == "in_progress"
    assert body["delivered_at"] is None
    decision = clock(body, "decision")
    assert decision["cycle"] == 2
    assert decision["state"] == "running"
    # staff cannot dispute on the citizen's behalf
    ok(act(client, officer, cid, action="decide", decision="Dicetak"))
    ok(act(client, officer, cid, action="deliver"))
    problem(act(client, officer, cid, action="reopen", reason="x"), 403)


def test_reject_with_reason_and_resolution_code(client, headers_for):
    verifier = headers_for("verifier")
    cid = file_complaint(client)["id"]
    problem(
        act(client, verifier, cid, action="reject", resolution_code="outside_authority"),
        422,
        "reason_required",
    )
    problem(act(client, verifier, cid, action="reject", reason="x", resolution_code="bogus"), 422)
    body = ok(
        act(
            client,
            verifier,
            cid,
            action="reject",
            reason="Urusan Samsat, bukan Pemkot",
            resolution_code="outside_authority",
        )
    )
    assert body["status"] == "rejected"
    assert body["resolution_code"] == "outside_authority"
    assert all(c["state"] != "running" for c in body["clocks"])
    event = events(client, verifier, cid)[-1]
    assert event["reason"] == "Urusan Samsat, bukan Pemkot"
    assert event["data"]["resolution_code"] == "outside_authority"


def test_withdraw_by_the_citizen(client, headers_for):
    citizen = headers_for("citizen")
    cid = file_complaint(client, citizen, complainant=None)["id"]
    problem(act(client, citizen, cid, action="withdraw"), 422, "reason_required")
    body = ok(act(client, citizen, cid, action="withdraw", reason="Sudah selesai sendiri"))
    assert body["status"] == "withdrawn"
    assert all(c["state"] != "running" for c in body["clocks"])
    problem(act(client, citizen, cid, action="withdraw", reason="lagi"), 409, "invalid_transition")


@pytest.mark.parametrize(
    ("role", "action", "extra"),
    [
        ("citizen", "verify", {}),
        ("supervisor", "verify", {}),
        ("admin", "verify", {}),
        ("officer", "assign", {"officer_id": 1}),
        ("officer", "reject", {"reason": "x"}),
        ("agency_head", "request_info", {"reason": "x"}),
        ("verifier", "decide", {"decision": "x"}),
    ],
)
def test_actions_are_role_restricted(client, headers_for, role, action, extra):
    cid = file_complaint(client, headers_for("citizen"), complainant=None)["id"]
    ok(act(client, headers_for("verifier"), cid, action="verify"))
    if action in {"decide", "request_info"}:
        ok(act(client, headers_for("officer"), cid, action="start"))
    before = get(client, headers_for("verifier"), cid).get_json()
    problem(act(client, headers_for(role), cid, action=action, **extra), 403)
    after = get(client, headers_for("verifier"), cid).get_json()
    assert after["status"] == before["status"]
    assert after["etag"] == before["etag"]


def test_officer_cannot_verify(client, headers_for):
    cid = file_complaint(client)["id"]
    # a complaint not yet verified is not the agency's yet: the officer cannot even see it
    response = client.post(
        f"{URL}/{cid}/transitions",
        json={"action": "verify"},
        headers={**headers_for("officer"), "If-Match": '"x"'},
    )
    assert response.status_code in (403, 404)
    ok(act(client, headers_for("verifier"), cid, action="verify"))
    ok(act(client, headers_for("officer"), cid, action="start"))
    problem(act(client, headers_for("officer"), cid, action="verify"), 403)


def test_assign_needs_an_officer_of_the_agency(client, app, headers_for):
    head = headers_for("agency_head")
    cid = file_complaint(client)["id"]
    ok(act(client, headers_for("verifier"), cid, action="verify"))
    verifier_id = user_by_email(app, ROLE_EMAILS["verifier"]).id
    problem(act(client, head, cid, action="assign", officer_id=verifier_id), 422)
    problem(act(client, head, cid, action="assign"), 422)
    assert get(client, head, cid).get_json()["status"] == "verified"


def test_if_match_is_required_and_checked(client, headers_for):
    verifier = headers_for("verifier")
    cid = file_complaint(client)["id"]
    first = get(client, verifier, cid).headers["ETag"]
    response = client.post(f"{URL}/{cid}/transitions", json={"action": "verify"}, headers=verifier)
    problem(response, 428, "if_match_required")
    ok(act(client, verifier, cid, action="request_info", reason="Kurang foto"))
    stale = client.post(
        f"{URL}/{cid}/transitions",
        json={"action": "complete_info"},
        headers={**verifier, "If-Match": first},
    )
    problem(stale, 412, "stale_etag")
    assert stale.headers["ETag"] != first
    assert get(client, verifier, cid).get_json()["status"] == "incomplete"


def test_etag_moves_with_every_change(client, headers_for):
    verifier = headers_for("verifier")
    cid = file_complaint(client)["id"]
    first = get(client, verifier, cid).headers["ETag"]
    response = act(client, verifier, cid, action="verify")
    assert response.headers["ETag"] != first
    assert response.headers["ETag"] == get(client, verifier, cid).headers["ETag"]


def test_an_action_not_allowed_from_the_status_is_a_clear_409(client, headers_for):
    verifier = {**headers_for("verifier"), "Accept-Language": "en"}
    cid = file_complaint(client)["id"]
    ok(act(client, verifier, cid, action="verify"))
    body = problem(act(client, verifier, cid, action="verify"), 409, "invalid_transition")
    assert "verify" in body["detail"]
    assert "verified" in body["detail"]
    body = problem(act(client, verifier, cid, action="complete_info"), 409, "invalid_transition")
    assert "complete_info" in body["detail"]


def test_allowed_actions_follow_role_and_status(client, headers_for):
    cid = file_complaint(client)["id"]
    body = get(client, headers_for("verifier"), cid).get_json()
    assert {"verify", "request_info", "reject", "reroute", "withdraw"} <= set(
        body["allowed_actions"]
    )
    assert "decide" not in body["allowed_actions"]


def test_if_match_takes_a_list_or_a_star_and_compares_strongly(client, headers_for):
    verifier = headers_for("verifier")
    cid = file_complaint(client)["id"]
    etag = get(client, verifier, cid).headers["ETag"]
    weak = client.post(
        f"{URL}/{cid}/transitions",
        json={"action": "verify"},
        headers={**verifier, "If-Match": f"W/{etag}"},
    )
    problem(weak, 412, "stale_etag")
    listed = client.post(
        f"{URL}/{cid}/transitions",
        json={"action": "request_info", "reason": "Foto KK"},
        headers={**verifier, "If-Match": f'"old.1", {etag}'},
    )
    ok(listed)
    star = client.post(
        f"{URL}/{cid}/transitions",
        json={"action": "complete_info"},
        headers={**verifier, "If-Match": "*"},
    )
    assert ok(star)["status"] == "submitted"
