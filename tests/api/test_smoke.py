"""The service answers: probes, a filing, tracking by code and PIN."""

from __future__ import annotations

from tests.factories import TrackRequestFactory, file_complaint


def test_probes_answer(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "storage": "ok"},
    }


def test_anonymous_filing_is_tracked_by_code_and_pin(client):
    receipt = file_complaint(client, privacy="anonymous", complainant=None)
    assert receipt["tracking_code"].startswith("ADU-")
    assert len(receipt["pin"]) == 6
    assert receipt["received_at"].endswith("+07:00")
    tracked = client.post("/api/v1/track", json=TrackRequestFactory.of(receipt))
    assert tracked.status_code == 200
    body = tracked.get_json()
    assert body["status"] == "submitted"
    assert body["agency"] == "DISDUKCAPIL"
    assert [e["kind"] for e in body["timeline"]] == ["submitted"]
