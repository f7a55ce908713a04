"""Tracking by code and PIN (issue 2, item 12): no identity, lockout, replies and evidence."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import time_machine
from PIL import Image

from tests.factories import TrackRequestFactory, file_complaint

TRACK = "/api/v1/track"
URL = "/api/v1/complaints"


def wrong_pin(pin: str) -> str:
    return f"{(int(pin) + 1) % 1_000_000:06d}"


def transition(client, headers, complaint_id, **body):
    etag = client.get(f"{URL}/{complaint_id}", headers=headers).headers["ETag"]
    response = client.post(
        f"{URL}/{complaint_id}/transitions", json=body, headers={**headers, "If-Match": etag}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="JPEG")
    return out.getvalue()


def test_tracking_shows_status_public_timeline_and_agency_without_identity(client, headers_for):
    receipt = file_complaint(
        client,
        complainant={
            "name": "Planted Namasaya",
            "email": "planted.leak@example.id",
            "phone": "081299990000",
        },
    )
    note = client.post(
        f"{URL}/{receipt['id']}/comments",
        headers=headers_for("verifier"),
        json={"body": "Catatan internal rahasia", "visibility": "internal"},
    )
    assert note.status_code == 201
    reply = client.post(
        f"{URL}/{receipt['id']}/comments",
        headers=headers_for("verifier"),
        json={"body": "Terima kasih, sedang kami periksa", "visibility": "public"},
    )
    assert reply.status_code == 201

    response = client.post(TRACK, json=TrackRequestFactory.of(receipt))
    assert response.status_code == 200
    raw = response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "submitted"
    assert body["agency"] == "DISDUKCAPIL"
    assert body["tracking_code"] == receipt["tracking_code"]
    assert [e["kind"] for e in body["timeline"]] == ["submitted", "comment"]
    assert body["timeline"][1]["body"] == "Terima kasih, sedang kami periksa"
    assert "Catatan internal rahasia" not in raw
    assert "Planted" not in raw
    assert "planted.leak" not in raw
    assert "081299990000" not in raw
    assert "complainant" not in body


def test_code_is_forgiving_about_case_and_spaces(client):
    receipt = file_complaint(client)
    code = " " + receipt["tracking_code"].lower() + " "
    assert (
        client.post(TRACK, json=TrackRequestFactory(code=code, pin=receipt["pin"])).status_code
        == 200
    )


def test_wrong_pin_and_unknown_code_look_the_same(client):
    receipt = file_complaint(client)
    wrong = client.post(TRACK, json=TrackRequestFactory.of(receipt, pin=wrong_pin(receipt["pin"])))
    assert wrong.status_code == 404
    assert wrong.content_type.startswith("application/problem+json")
    assert wrong.get_json()["code"] == "tracking_failed"
    unknown = client.post(TRACK, json=TrackRequestFactory(code="ADU-0000-0000", pin=receipt["pin"]))
    assert unknown.status_code == 404
    assert unknown.get_json()["code"] == "tracking_failed"


def test_five_wrong_pins_lock_the_code_then_it_unlocks(client, frozen_at):
    receipt = file_complaint(client)
    code, pin = receipt["tracking_code"], receipt["pin"]
    # stopped a minute after the complaint was filed, so the lockout's minutes are exact
    with time_machine.travel(frozen_at + timedelta(minutes=1), tick=False) as traveller:
        for _ in range(4):
            assert (
                client.post(
                    TRACK, json=TrackRequestFactory(code=code, pin=wrong_pin(pin))
                ).status_code
                == 404
            )
        fifth = client.post(TRACK, json=TrackRequestFactory(code=code, pin=wrong_pin(pin)))
        assert fifth.status_code == 404
        locked = client.post(TRACK, json=TrackRequestFactory(code=code, pin=pin))
        assert locked.status_code == 429
        assert locked.content_type.startswith("application/problem+json")
        assert locked.get_json()["code"] == "tracking_locked"
        retry_after = int(locked.headers["Retry-After"])
        assert 0 < retry_after <= 15 * 60 + 1

        traveller.shift(timedelta(minutes=14))
        assert client.post(TRACK, json=TrackRequestFactory(code=code, pin=pin)).status_code == 429

        traveller.shift(timedelta(minutes=2))
        assert client.post(TRACK, json=TrackRequestFactory(code=code, pin=pin)).status_code == 200


def test_a_right_pin_resets_the_failure_count(client):
    receipt = file_complaint(client)
    code, pin = receipt["tracking_code"], receipt["pin"]
    for _ in range(4):
        client.post(TRACK, json=TrackRequestFactory(code=code, pin=wrong_pin(pin)))
    assert client.post(TRACK, json=TrackRequestFactory(code=code, pin=pin)).status_code == 200
    for _ in range(4):
        client.post(TRACK, json=TrackRequestFactory(code=code, pin=wrong_pin(pin)))
    assert client.post(TRACK, json=TrackRequestFactory(code=code, pin=pin)).status_code == 200


def test_reply_adds_a_public_reply(client, headers_for):
    receipt = file_complaint(client)
    response = client.post(
        f"{TRACK}/replies",
        json={
            "code": receipt["tracking_code"],
            "pin": receipt["pin"],
            "message": "Nomor antrean saya A-123",
        },
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "submitted"
    replies = [e for e in body["timeline"] if e["kind"] == "comment"]
    assert replies[-1]["body"] == "Nomor antrean saya A-123"
    assert replies[-1]["visibility"] == "public"
    assert replies[-1]["actor_kind"] == "complainant"
    staff_view = client.get(f"{URL}/{receipt['id']}/events", headers=headers_for("verifier"))
    assert "Nomor antrean saya A-123" in [e["body"] for e in staff_view.get_json()]


def test_reply_with_complete_info_returns_an_incomplete_complaint_to_submitted(client, headers_for):
    receipt = file_complaint(client)
    transition(
        client,
        headers_for("verifier"),
        receipt["id"],
        action="request_info",
        reason="Lampirkan foto KK",
    )
    response = client.post(
        f"{TRACK}/replies",
        json={
            "code": receipt["tracking_code"],
            "pin": receipt["pin"],
            "message": "Foto KK terlampir",
            "complete_info": True,
        },
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "submitted"
    clocks = client.get(f"{URL}/{receipt['id']}", headers=headers_for("verifier")).get_json()[
        "clocks"
    ]
    completion = next(c for c in clocks if c["kind"] == "completion")
    assert completion["state"] == "stopped"


def test_complete_info_on_a_submitted_complaint_is_a_conflict(client, headers_for):
    receipt = file_complaint(client)
    response = client.post(
        f"{TRACK}/replies",
        json={
            "code": receipt["tracking_code"],
            "pin": receipt["pin"],
            "message": "Ini lengkap",
            "complete_info": True,
        },
    )
    assert response.status_code == 409
    assert response.get_json()["code"] == "invalid_transition"
    events = client.get(f"{URL}/{receipt['id']}/events", headers=headers_for("verifier"))
    assert [e["kind"] for e in events.get_json()] == ["submitted"]


def test_reply_with_a_wrong_pin_adds_nothing(client, headers_for):
    receipt = file_complaint(client)
    response = client.post(
        f"{TRACK}/replies",
        json={
            "code": receipt["tracking_code"],
            "pin": wrong_pin(receipt["pin"]),
            "message": "Bukan saya",
        },
    )
    assert response.status_code == 404
    events = client.get(f"{URL}/{receipt['id']}/events", headers=headers_for("verifier"))
    assert len(events.get_json()) == 1


def test_tracked_upload_adds_evidence(client, headers_for):
    receipt = file_complaint(client)
    response = client.post(
        f"{TRACK}/attachments",
        data={
            "code": receipt["tracking_code"],
            "pin": receipt["pin"],
            "file": (io.BytesIO(jpeg_bytes()), "bukti.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["content_type"] == "image/jpeg"
    tracked = client.post(TRACK, json=TrackRequestFactory.of(receipt))
    body = tracked.get_json()
    assert [a["filename"] for a in body["attachments"]] == ["bukti.jpg"]
    assert body["timeline"][-1]["kind"] == "attachment"
    staff = client.get(f"{URL}/{receipt['id']}/attachments", headers=headers_for("verifier"))
    assert len(staff.get_json()) == 1


def test_tracked_upload_with_a_wrong_pin_is_refused(client, headers_for):
    receipt = file_complaint(client)
    response = client.post(
        f"{TRACK}/attachments",
        data={
            "code": receipt["tracking_code"],
            "pin": wrong_pin(receipt["pin"]),
            "file": (io.BytesIO(jpeg_bytes()), "bukti.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    staff = client.get(f"{URL}/{receipt['id']}/attachments", headers=headers_for("verifier"))
    assert staff.get_json() == []


def test_code_read_out_over_the_phone_is_found(client):
    receipt = file_complaint(client)
    code = receipt["tracking_code"]
    spoken = code.removeprefix("ADU-").replace("-", " ").lower()
    for typed in (spoken, code.replace("-", ""), code.replace("0", "o").replace("1", "l")):
        response = client.post(TRACK, json=TrackRequestFactory(code=typed, pin=receipt["pin"]))
        assert response.status_code == 200, typed


def test_the_tracker_disputes_a_delivered_decision(client, headers_for):
    verifier, officer = headers_for("verifier"), headers_for("officer")
    receipt = file_complaint(client)
    for headers, body in [
        (verifier, {"action": "verify"}),
        (officer, {"action": "start"}),
        (officer, {"action": "decide", "decision": "Berkas ditolak"}),
        (officer, {"action": "deliver"}),
    ]:
        transition(client, headers, receipt["id"], **body)
    auth = TrackRequestFactory.of(receipt)
    tracked = client.post(TRACK, json=auth).get_json()
    assert tracked["decision"] == "Berkas ditolak"
    assert set(tracked["allowed_actions"]) == {"close", "reopen"}
    no_reason = client.post(f"{TRACK}/actions", json={**auth, "action": "reopen"})
    assert no_reason.status_code == 422
    response = client.post(
        f"{TRACK}/actions", json={**auth, "action": "reopen", "reason": "Berkas saya lengkap"}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "in_progress"


def test_the_tracker_withdraws(client):
    receipt = file_complaint(client)
    auth = TrackRequestFactory.of(receipt)
    response = client.post(
        f"{TRACK}/actions", json={**auth, "action": "withdraw", "reason": "Sudah beres"}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "withdrawn"
    again = client.post(f"{TRACK}/actions", json={**auth, "action": "withdraw", "reason": "x"})
    assert again.status_code == 409
    assert again.get_json()["code"] == "invalid_transition"


def test_wrong_pins_do_not_change_the_complaints_version(client, headers_for):
    """A stranger guessing PINs must not make the staff's ETag stale."""
    verifier = headers_for("verifier")
    receipt = file_complaint(client)
    etag = client.get(f"{URL}/{receipt['id']}", headers=verifier).headers["ETag"]
    for _ in range(5):
        client.post(TRACK, json=TrackRequestFactory.of(receipt, pin=wrong_pin(receipt["pin"])))
    assert client.get(f"{URL}/{receipt['id']}", headers=verifier).headers["ETag"] == etag
    response = client.post(
        f"{URL}/{receipt['id']}/transitions",
        json={"action": "verify"},
        headers={**verifier, "If-Match": etag},
    )
    assert response.status_code == 200, response.get_json()


def _unknown(code: str) -> str:
    """A well-formed tracking code that no complaint has (the last letter changed)."""
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def test_an_unknown_code_locks_like_a_real_one(client):
    """After as many wrong PINs, both a real code and an unknown one are locked: the answers
    are the same, status and body, before and after (no oracle of which codes exist)."""
    receipt = file_complaint(client)
    wrong = "000000" if receipt["pin"] != "000000" else "111111"
    real_code, unknown_code = receipt["tracking_code"], _unknown(receipt["tracking_code"])
    with time_machine.travel(datetime(2026, 3, 4, 3, 0, tzinfo=UTC), tick=False):
        for attempt in range(7):
            real = client.post("/api/v1/track", json=TrackRequestFactory(code=real_code, pin=wrong))
            unknown = client.post(
                "/api/v1/track", json=TrackRequestFactory(code=unknown_code, pin=wrong)
            )
            assert (real.status_code, real.get_json()) == (
                unknown.status_code,
                unknown.get_json(),
            ), attempt
            assert real.headers.get("Retry-After") == unknown.headers.get("Retry-After")
        assert real.status_code == 429


def test_an_unknown_code_takes_as_long_as_a_wrong_pin(app, client, monkeypatch):
    """200 tries of each, interleaved: the medians differ by no more than noise (the unknown
    code used to answer in three quarters of the time, skipping the hash and the write)."""
    import statistics
    import time

    # measure the counting path, not the lock (the app is shared by the session: monkeypatch)
    monkeypatch.setitem(app.config, "TRACKING_MAX_FAILURES", 10_000)
    receipt = file_complaint(client)
    wrong = "000000" if receipt["pin"] != "000000" else "111111"
    bodies = {
        "real": TrackRequestFactory.of(receipt, pin=wrong),
        "unknown": TrackRequestFactory(code=_unknown(receipt["tracking_code"]), pin=wrong),
    }
    took: dict[str, list[float]] = {"real": [], "unknown": []}
    for attempt in range(220):
        for name in ("real", "unknown") if attempt % 2 else ("unknown", "real"):
            started = time.perf_counter()
            response = client.post("/api/v1/track", json=bodies[name])
            took[name].append(time.perf_counter() - started)
            assert response.status_code == 404
    # each pair ran back to back: their difference is free of the machine's slow drifts
    pairs = list(zip(took["real"][20:], took["unknown"][20:], strict=True))
    difference = statistics.median(real - unknown for real, unknown in pairs)
    typical = statistics.median(took["real"][20:])
    assert abs(difference) <= 0.15 * typical, (difference, typical)


def test_tracking_answers_names_beside_codes(client):
    """Issue 14, item 4: the citizen reads the category's and agency's names, not codes."""
    receipt = file_complaint(client)
    body = client.post("/api/v1/track", json=TrackRequestFactory.of(receipt)).get_json()
    assert body["category"] == "ADMINDUK"
    assert body["category_name"] == "Administrasi kependudukan (KTP-el, KK, akta)"
    # routed at intake by the category's rule
    assert body["agency"] == "DISDUKCAPIL"
    assert body["agency_name"] == "Dinas Kependudukan dan Pencatatan Sipil"


def test_an_ended_complaint_takes_no_more_information_from_its_tracker(client):
    """Issue 14, item 9: a withdrawn (closed, rejected) complaint still offered "send more
    information"; the citizen may read it, and add nothing (403, nothing written)."""
    receipt = file_complaint(client)
    auth = TrackRequestFactory.of(receipt)
    open_ = client.post(TRACK, json=auth).get_json()
    assert open_["may_add_information"] is True
    ended = client.post(
        f"{TRACK}/actions", json={**auth, "action": "withdraw", "reason": "Sudah beres"}
    ).get_json()
    assert ended["status"] == "withdrawn" and ended["may_add_information"] is False
    events = len(ended["timeline"])
    reply = client.post(
        f"{TRACK}/replies", json={**auth, "message": "Satu lagi", "complete_info": False}
    )
    assert reply.status_code == 403 and reply.mimetype == "application/problem+json"
    upload = client.post(
        f"{TRACK}/attachments",
        data={**auth, "file": (io.BytesIO(jpeg_bytes()), "bukti.jpg")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 403
    after = client.post(TRACK, json=auth).get_json()
    assert len(after["timeline"]) == events and after["attachments"] == []
