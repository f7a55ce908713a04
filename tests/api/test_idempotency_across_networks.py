"""A phone that changes network between a lost answer and its retry files once (issue 14, item 13).

The offline queue of the installable web app sends a complaint kept on the phone with the
Idempotency-Key it drew when the citizen pressed "send". When the answer is lost (the train
enters a tunnel) and the phone comes back on another network (Wi-Fi at home instead of mobile
data), the retry arrives from another address: it must get the first receipt, not file again.
"""

from __future__ import annotations

from tests.api.test_intake import URL, assert_problem, count_complaints
from tests.factories import ComplaintPayloadFactory

MOBILE_DATA = {"REMOTE_ADDR": "10.64.12.7"}
HOME_WIFI = {"REMOTE_ADDR": "192.168.1.23"}


def test_an_anonymous_retry_from_another_network_gets_the_first_receipt(client, app):
    payload = ComplaintPayloadFactory(privacy="anonymous", complainant=None)
    headers = {"Idempotency-Key": "9b2f4c1e-6a7d-4e8f-9c0b-1d2e3f4a5b6c"}
    before = count_complaints(app)
    first = client.post(URL, json=payload, headers=headers, environ_overrides=MOBILE_DATA)
    assert first.status_code == 201, first.get_json()
    retry = client.post(URL, json=payload, headers=headers, environ_overrides=HOME_WIFI)
    assert retry.status_code == 201, retry.get_json()
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert (retry.get_json()["tracking_code"], retry.get_json()["pin"]) == (
        first.get_json()["tracking_code"],
        first.get_json()["pin"],
    )
    assert count_complaints(app) == before + 1


def test_a_reused_key_with_another_complaint_from_another_network_is_still_refused(client, app):
    """Without the address in its scope a key still binds one body: another complaint sent with
    it is refused (so nobody's receipt is handed out for a key alone) and nothing is filed."""
    headers = {"Idempotency-Key": "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"}
    sent = client.post(
        URL, json=ComplaintPayloadFactory(), headers=headers, environ_overrides=MOBILE_DATA
    )
    assert sent.status_code == 201
    before = count_complaints(app)
    other = client.post(
        URL,
        json=ComplaintPayloadFactory(title="Pengaduan lain sama sekali"),
        headers=headers,
        environ_overrides=HOME_WIFI,
    )
    assert_problem(other, 422, code="idempotency_mismatch")
    assert count_complaints(app) == before
