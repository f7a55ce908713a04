"""Webhooks (issue 15, items 6-9): subscriptions, Standard Webhooks signatures checked with the
`standardwebhooks` verifier, delivery from the outbox by the scheduler's job to a real local HTTP
receiver (down, slow, 500), order per complaint, backoff, disabling, the attempt log,
redelivery and the privacy of payloads."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from backend.auth import service as auth_service
from backend.auth.models import User
from backend.db import now_utc
from backend.db.engine import begin_write
from backend.extensions import db
from backend.notifications.models import OutboxMessage
from backend.scheduler import send_webhooks
from backend.webhooks import jobs
from backend.webhooks.jobs import backoff
from tests.api.fault_helpers import (
    CommitRefused,
    bearer,
    commits_refused,
    count_rows,
    engine_of,
    frozen,
    is_problem,
)
from tests.conftest import ROLE_EMAILS, free_port
from tests.factories import ComplaintPayloadFactory, file_complaint
from tests.sla_helpers import act

URL = "/api/v1/webhooks/subscriptions"
ALL_EVENTS = [
    "complaint.filed",
    "complaint.status_changed",
    "clock.breached",
    "clock.escalated",
    "decision.delivered",
]


class _Server(ThreadingHTTPServer):
    """Restartable on its port at once (a receiver that was down comes back)."""

    allow_reuse_address = True
    daemon_threads = True


class Receiver:
    """A real HTTP server on the loopback that records what it is sent and answers `status`
    after `delay` seconds; it can be stopped (down) and started again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[dict[str, Any]] = []
        self.status = 200
        self.delay = 0.0
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """Where it listens."""
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        """Listen (again)."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.delay:
                    time.sleep(receiver.delay)
                receiver.received.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                answer = b'{"ok": true}' if receiver.status < 300 else b"Internal Server Error"
                # the sender may have stopped waiting (slow): its connection is gone
                with suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(receiver.status)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = _Server(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop listening: connections are refused."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def payloads(self) -> list[dict[str, Any]]:
        """The JSON bodies received, in order."""
        return [json.loads(item["body"]) for item in self.received]


@pytest.fixture
def receiver(app: Flask) -> Iterator[Receiver]:
    """A receiver listening on the loopback; the app may send there (tests only) and waits
    half a second for an answer."""
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    app.config["WEBHOOKS_TIMEOUT"] = 0.5
    server = Receiver()
    server.start()
    yield server
    server.stop()
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    app.config["WEBHOOKS_TIMEOUT"] = 5.0


def run_job(app: Flask) -> Any:
    """One run of the scheduler's webhooks job."""
    with app.app_context():
        return send_webhooks(app)


def subscribe(client: FlaskClient, headers: dict[str, str], url: str, **body: Any) -> Any:
    """createWebhookSubscription; asserts it worked."""
    response = client.post(
        URL, json={"url": url, "event_types": ALL_EVENTS, **body}, headers=headers
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def client_headers(app: Flask, *scopes: str) -> dict[str, str]:
    """Bearer headers of a new API client with `scopes`, created by the demo admin."""
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == ROLE_EMAILS["admin"]))
        client, secret = auth_service.create_api_client(
            session=db.session,
            name="Aplikasi Kelurahan",
            scopes=list(scopes),
            created_by_id=admin.id,
        )
        client_id = client.client_id
        db.session.commit()
    return bearer_token(app, client_id, secret)


def bearer_token(app: Flask, client_id: str, secret: str) -> dict[str, str]:
    """The bearer headers the client-credentials grant gives."""
    response = app.test_client().post(
        "/api/v1/auth/token",
        json={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert response.status_code == 200, response.get_json()
    return bearer(response.get_json()["access_token"])


def verified(item: dict[str, Any], secret: str) -> Any:
    """The payload, verified with standardwebhooks' own verifier (raises when it fails)."""
    return Webhook(secret).verify(item["body"], item["headers"])


# --- subscribing --------------------------------------------------------------------------------


def test_admins_and_clients_with_a_read_scope_subscribe_others_may_not(
    app, client, headers_for, receiver
):
    admin = headers_for("admin")
    made = subscribe(client, admin, receiver.url, agency="DISDUKCAPIL", category="ADMINDUK")
    assert made["secret"].startswith("whsec_")
    assert made["owner"] == "admin" and made["active"] is True
    assert (made["agency"], made["category"]) == ("DISDUKCAPIL", "ADMINDUK")
    assert "secret" not in client.get(f"{URL}/{made['id']}", headers=admin).get_json()

    for role in ("officer", "verifier", "supervisor", "citizen"):
        refused = client.post(
            URL, json={"url": receiver.url, "event_types": ALL_EVENTS}, headers=headers_for(role)
        )
        assert refused.status_code == 403 and is_problem(refused)
    assert (
        client.post(URL, json={"url": receiver.url, "event_types": ALL_EVENTS}).status_code == 401
    )

    creator_only = client_headers(app, "complaints:create")
    refused = client.post(
        URL, json={"url": receiver.url, "event_types": ALL_EVENTS}, headers=creator_only
    )
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "insufficient_scope"

    app_headers = client_headers(app, "complaints:read_public")
    own = subscribe(client, app_headers, receiver.url, event_types=["complaint.status_changed"])
    assert own["owner"] == "api_client"
    listed = client.get(URL, headers=app_headers).get_json()["items"]
    assert [item["id"] for item in listed] == [own["id"]]
    assert client.get(f"{URL}/{made['id']}", headers=app_headers).status_code == 404
    assert {item["id"] for item in client.get(URL, headers=admin).get_json()["items"]} == {
        made["id"],
        own["id"],
    }


def test_bad_input_is_refused_in_indonesian_and_changes_nothing(app, client, headers_for, receiver):
    admin = headers_for("admin")
    unknown_event = client.post(
        URL, json={"url": receiver.url, "event_types": ["complaint.eaten"]}, headers=admin
    )
    assert unknown_event.status_code == 422 and is_problem(unknown_event)
    unknown_agency = client.post(
        URL, json={"url": receiver.url, "event_types": ALL_EVENTS, "agency": "NOPE"}, headers=admin
    )
    assert unknown_agency.status_code == 422
    assert client.get(URL, headers=admin).get_json()["items"] == []


def test_private_and_loopback_addresses_are_refused_unless_allowed(app, client, headers_for):
    admin = headers_for("admin")
    for url in (
        "http://127.0.0.1:9/hook",
        "http://10.1.2.3/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest",
    ):
        refused = client.post(URL, json={"url": url, "event_types": ALL_EVENTS}, headers=admin)
        assert refused.status_code == 422, url
        problem = refused.get_json()
        assert "alamat jaringan internal" in json.dumps(problem, ensure_ascii=False)
    for url in ("http://[::ffff:127.0.0.1]/hook", "http://0.0.0.0/hook", "ftp://8.8.8.8/hook"):
        assert (
            client.post(
                URL, json={"url": url, "event_types": ALL_EVENTS}, headers=admin
            ).status_code
            == 422
        ), url
    english = client.post(
        URL,
        json={"url": "http://127.0.0.1:9/hook", "event_types": ALL_EVENTS},
        headers={**admin, "Accept-Language": "en"},
    )
    assert "internal network address" in json.dumps(english.get_json())
    assert client.get(URL, headers=admin).get_json()["items"] == []
    # a public address is taken (nothing is sent to it: no event happens in this test)
    assert subscribe(client, admin, "https://8.8.8.8/hook")["url"] == "https://8.8.8.8/hook"
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    try:
        assert (
            client.post(
                URL,
                json={"url": "http://127.0.0.1:9/hook", "event_types": ALL_EVENTS},
                headers=admin,
            ).status_code
            == 201
        )
    finally:
        app.config["WEBHOOKS_ALLOW_PRIVATE"] = False


def test_a_subscription_is_changed_turned_off_and_removed_by_its_owner_only(
    app, client, headers_for, receiver
):
    admin = headers_for("admin")
    made = subscribe(client, admin, receiver.url)
    app_headers = client_headers(app, "complaints:read_public")
    item = f"{URL}/{made['id']}"
    file_complaint(client)
    run_job(app)  # a delivery and its attempt, removed with the subscription
    assert len(receiver.received) == 1
    assert client.patch(item, json={"active": False}, headers=app_headers).status_code == 404
    assert client.delete(item, headers=app_headers).status_code == 404

    changed = client.patch(
        item, json={"event_types": ["decision.delivered"], "category": "ADMINDUK"}, headers=admin
    )
    assert changed.status_code == 200
    assert changed.get_json()["event_types"] == ["decision.delivered"]
    assert changed.get_json()["category"] == "ADMINDUK" and "secret" not in changed.get_json()
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    refused = client.patch(item, json={"url": "http://127.0.0.1:1/x"}, headers=admin)
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    assert refused.status_code == 422
    assert client.get(item, headers=admin).get_json()["url"] == receiver.url

    off = client.patch(item, json={"active": False}, headers=admin).get_json()
    assert off["active"] is False and off["disabled_reason"] == "disabled_by_owner"
    assert client.delete(item, headers=admin).status_code == 204
    assert client.get(item, headers=admin).status_code == 404
    file_complaint(client)
    run_job(app)
    assert len(receiver.received) == 1


# --- delivery -----------------------------------------------------------------------------------


def test_nothing_is_sent_inside_the_request_the_job_sends_it_signed(
    app, client, headers_for, receiver
):
    made = subscribe(client, headers_for("admin"), receiver.url)
    receipt = file_complaint(client)
    assert receiver.received == []  # the request only wrote the outbox

    run = run_job(app)
    assert run.fanned_out == 1 and len(run.succeeded) == 1
    [item] = receiver.received
    payload = verified(item, made["secret"])
    assert payload["type"] == "complaint.filed"
    assert payload["data"]["complaint"]["tracking_code"] == receipt["tracking_code"]
    assert payload["data"]["complaint"]["status"] == "submitted"
    assert item["headers"]["webhook-id"] == f"msg_{payload['data']['event_id']}"
    assert abs(int(item["headers"]["webhook-timestamp"]) - now_utc().timestamp()) < 60
    tampered = {**item, "body": item["body"].replace(b"submitted", b"verified")}
    with pytest.raises(WebhookVerificationError):
        verified(tampered, made["secret"])
    with pytest.raises(WebhookVerificationError):
        verified(item, subscribe(client, headers_for("admin"), receiver.url)["secret"])

    assert run_job(app).succeeded == []  # sent once


def test_a_change_rolled_back_sends_nothing(app, client, headers_for, receiver):
    subscribe(client, headers_for("admin"), receiver.url)
    receipt = file_complaint(client)
    verifier = headers_for("verifier")
    etag = client.get(f"/api/v1/complaints/{receipt['id']}", headers=verifier).headers["ETag"]
    with commits_refused(), pytest.raises(CommitRefused):
        client.post(
            f"/api/v1/complaints/{receipt['id']}/transitions",
            json={"action": "verify"},
            headers={**verifier, "If-Match": etag},
        )
    with commits_refused(), pytest.raises(CommitRefused):
        client.post("/api/v1/complaints", json=ComplaintPayloadFactory())
    run_job(app)
    assert [p["type"] for p in receiver.payloads()] == ["complaint.filed"]
    assert count_rows(engine_of(app), "webhook_events") == 1


def test_a_crash_between_sending_and_recording_sends_it_again(
    app, client, headers_for, receiver, frozen_clock
):
    made = subscribe(client, headers_for("admin"), receiver.url)
    file_complaint(client)
    with app.app_context():
        jobs.fan_out(session=db.session, now=now_utc())
        begin_write(db.session)
        delivery = jobs.next_due(session=db.session, now=now_utc())
        request = jobs.prepare(
            session=db.session,
            delivery=delivery,
            now=now_utc(),
            lease=timedelta(seconds=60),
            run=jobs.WebhookRun(),
        )
        db.session.commit()
        with jobs.http_client(0.5) as http:
            jobs.attempt(request, client=http, allow_private=True)  # sent; the scheduler dies
    assert len(receiver.received) == 1
    assert run_job(app).succeeded == []  # leased: not sent twice at once
    frozen_clock.shift(timedelta(seconds=61))
    assert len(run_job(app).succeeded) == 1
    first, second = receiver.received
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]  # a duplicate to drop
    assert verified(second, made["secret"])["type"] == "complaint.filed"


def test_events_are_filtered_by_type_agency_and_category(app, client, headers_for, receiver):
    admin = headers_for("admin")
    subscribe(client, admin, receiver.url + "?status", event_types=["complaint.status_changed"])
    subscribe(client, admin, receiver.url + "?dinkes", agency="DINKES")
    subscribe(client, admin, receiver.url + "?disdukcapil", agency="DISDUKCAPIL")
    subscribe(client, admin, receiver.url + "?adminduk", category="ADMINDUK")
    receipt = file_complaint(client)  # ADMINDUK, routed to DISDUKCAPIL
    act(client, headers_for("verifier"), receipt["id"], action="verify")
    run_job(app)
    got = sorted(
        (item["path"].partition("?")[2], json.loads(item["body"])["type"])
        for item in receiver.received
    )
    assert got == [
        ("adminduk", "complaint.filed"),
        ("adminduk", "complaint.status_changed"),
        ("disdukcapil", "complaint.filed"),
        ("disdukcapil", "complaint.status_changed"),
        ("status", "complaint.status_changed"),
    ]


def test_rotation_signs_with_both_secrets_for_a_day(
    app, client, headers_for, receiver, frozen_clock
):
    admin = headers_for("admin")
    made = subscribe(client, admin, receiver.url)
    rotated = client.post(f"{URL}/{made['id']}/rotate-secret", headers=admin)
    assert rotated.status_code == 200
    new = rotated.get_json()
    assert new["secret"].startswith("whsec_") and new["secret"] != made["secret"]
    assert new["previous_secret_expires_at"] is not None

    receipt = file_complaint(client)
    run_job(app)
    [item] = receiver.received
    assert len(item["headers"]["webhook-signature"].split(" ")) == 2
    assert verified(item, made["secret"])["type"] == "complaint.filed"
    assert verified(item, new["secret"])["type"] == "complaint.filed"

    frozen_clock.shift(timedelta(hours=25))
    act(client, headers_for("verifier"), receipt["id"], action="verify")
    run_job(app)
    later = receiver.received[-1]
    assert len(later["headers"]["webhook-signature"].split(" ")) == 1
    assert verified(later, new["secret"])["type"] == "complaint.status_changed"
    with pytest.raises(WebhookVerificationError):
        verified(later, made["secret"])


def _events_of_two_complaints(client: FlaskClient, headers_for: Any) -> list[tuple[str, str]]:
    """Two complaints, each filed, sent back for more information, completed and verified:
    (tracking code, status) of each event, in the order they happened."""
    verifier = headers_for("verifier")
    expected = []
    for _ in range(2):
        receipt = file_complaint(client)
        code = receipt["tracking_code"]
        expected.append((code, "submitted"))
        act(client, verifier, receipt["id"], action="request_info", reason="Lampirkan foto KK")
        expected.append((code, "incomplete"))
        act(client, verifier, receipt["id"], action="complete_info")
        expected.append((code, "submitted"))
        act(client, verifier, receipt["id"], action="verify")
        expected.append((code, "verified"))
    return expected


@pytest.mark.parametrize("fault", ["down", "slow", "500"])
def test_a_receiver_down_slow_or_failing_loses_nothing_and_gets_all_in_order(
    app, client, headers_for, receiver, frozen_clock, fault
):
    made = subscribe(client, headers_for("admin"), receiver.url)
    healthy = Receiver()
    healthy.start()
    other = subscribe(client, headers_for("admin"), healthy.url)
    if fault == "down":
        receiver.stop()
    elif fault == "slow":
        receiver.delay = 1.5  # past the 0.5 s the app waits
    else:
        receiver.status = 500
    expected = _events_of_two_complaints(client, headers_for)

    try:
        for turn in range(3):
            started = time.perf_counter()
            run = run_job(app)
            # one attempt per run for the failing receiver (its later events wait), while the
            # healthy one gets everything at once, in order, delayed by one timeout at most
            assert len(run.retried) == 1 and len(run.succeeded) == (8 if turn == 0 else 0)
            assert time.perf_counter() - started < 3
            if turn == 0:
                assert [
                    verified(item, other["secret"])["data"].get("to_status", "submitted")
                    for item in healthy.received
                ] == [status for _, status in expected]
            frozen_clock.shift(timedelta(hours=1))
    finally:
        healthy.stop()
    attempts = client.get(f"{URL}/{made['id']}/attempts", headers=headers_for("admin")).get_json()
    assert attempts["pagination"]["total"] == 3
    assert all(not a["succeeded"] for a in attempts["items"])
    if fault == "500":
        assert {a["status_code"] for a in attempts["items"]} == {500}
        assert attempts["items"][0]["response_excerpt"] == "Internal Server Error"
    else:
        assert {a["status_code"] for a in attempts["items"]} == {None}
        assert all(a["error"] for a in attempts["items"])
    if fault == "slow":
        assert all(a["latency_ms"] >= 450 for a in attempts["items"])
        time.sleep(1.2)  # let the slow answers finish before the receiver recovers
    receiver.received.clear()  # what it got but failed to answer (slow, 500)

    receiver.status, receiver.delay = 200, 0.0
    if fault == "down":
        receiver.start()
    run = run_job(app)
    assert len(run.succeeded) == 8
    got = [
        (
            verified(item, made["secret"])["data"]["complaint"]["tracking_code"],
            json.loads(item["body"])["data"].get("to_status", "submitted"),
        )
        for item in receiver.received
    ]
    for code in {code for code, _ in expected}:
        assert [s for c, s in got if c == code] == [s for c, s in expected if c == code]
    assert run_job(app).succeeded == []


def test_retries_back_off_exponentially(app, client, headers_for, receiver, frozen_clock):
    receiver.status = 500
    made = subscribe(client, headers_for("admin"), receiver.url)
    file_complaint(client)
    waits = []
    for _ in range(6):
        run_job(app)
        [delivery] = client.get(
            f"{URL}/{made['id']}/deliveries", headers=headers_for("admin")
        ).get_json()["items"]
        attempts = client.get(
            f"{URL}/{made['id']}/attempts", headers=headers_for("admin")
        ).get_json()["items"]
        last = attempts[0]["attempted_at"]
        wait = datetime.fromisoformat(delivery["next_attempt_at"]) - datetime.fromisoformat(last)
        waits.append(wait)
        # nothing is tried before its time
        frozen_clock.shift(wait - timedelta(seconds=5))
        assert run_job(app).retried == []
        frozen_clock.shift(timedelta(seconds=5))
    assert waits == [timedelta(seconds=30 * 2**n) for n in range(6)]
    assert backoff(20) == timedelta(hours=12)
    assert len(receiver.received) == 6


def test_after_three_days_of_failure_it_is_disabled_and_the_admin_told(
    app, client, headers_for, receiver, frozen_clock
):
    receiver.status = 500
    admin = headers_for("admin")
    made = subscribe(client, admin, receiver.url)
    file_complaint(client)
    started = now_utc()
    tries = 0
    while client.get(f"{URL}/{made['id']}", headers=headers_for("admin")).get_json()["active"]:
        run_job(app)
        tries += 1
        frozen_clock.shift(timedelta(hours=12, seconds=1))
        assert tries < 40
    assert now_utc() - started >= timedelta(days=3)
    shown = client.get(f"{URL}/{made['id']}", headers=headers_for("admin")).get_json()
    assert shown["disabled_reason"] == "repeated_failure"
    [failed] = client.get(
        f"{URL}/{made['id']}/deliveries?status=failed", headers=headers_for("admin")
    ).get_json()["items"]
    assert failed["attempts"] == len(receiver.received) == tries

    with app.app_context():
        mail = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == ROLE_EMAILS["admin"])
        ).all()
    assert [m.subject for m in mail] == ["[Aduan] Webhook dinonaktifkan / Webhook disabled"]
    assert receiver.url in mail[0].body and "dinonaktifkan" in mail[0].body

    # while disabled, new events wait; turned back on, they go, in order
    receipt = file_complaint(client)
    act(client, headers_for("verifier"), receipt["id"], action="verify")
    receiver.status = 200
    receiver.received.clear()
    assert run_job(app).succeeded == []
    enabled = client.patch(
        f"{URL}/{made['id']}", json={"active": True}, headers=headers_for("admin")
    )
    assert enabled.get_json()["active"] is True
    assert len(run_job(app).succeeded) == 2
    assert [p["type"] for p in receiver.payloads()] == [
        "complaint.filed",
        "complaint.status_changed",
    ]


def test_admins_list_attempts_and_redeliver_through_the_scheduler(
    app, client, headers_for, receiver
):
    admin = headers_for("admin")
    made = subscribe(client, admin, receiver.url)
    file_complaint(client)
    run_job(app)
    [attempt] = client.get(f"{URL}/{made['id']}/attempts", headers=admin).get_json()["items"]
    assert attempt["succeeded"] is True and attempt["status_code"] == 200
    assert attempt["response_excerpt"] == '{"ok": true}' and attempt["latency_ms"] >= 0
    [delivery] = client.get(f"{URL}/{made['id']}/deliveries", headers=admin).get_json()["items"]
    assert delivery["status"] == "succeeded" and delivery["event_type"] == "complaint.filed"

    again = client.post(f"{URL}/{made['id']}/deliveries/{delivery['id']}/redeliver", headers=admin)
    assert again.status_code == 202 and again.get_json()["status"] == "pending"
    assert len(receiver.received) == 1  # queued, not sent by the request
    run_job(app)
    assert len(receiver.received) == 2
    first, second = receiver.received
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    other = client_headers(app, "complaints:read_public")
    assert (
        client.post(
            f"{URL}/{made['id']}/deliveries/{delivery['id']}/redeliver", headers=other
        ).status_code
        == 404
    )
    assert (
        client.get(f"{URL}/{made['id']}/attempts", headers=headers_for("verifier")).status_code
        == 403
    )


# --- privacy ------------------------------------------------------------------------------------


def _bodies(receiver: Receiver) -> list[str]:
    return [item["body"].decode() for item in receiver.received]


def test_an_admin_s_payloads_name_only_public_complainants_and_carry_no_contacts(
    app, client, headers_for, receiver
):
    subscribe(client, headers_for("admin"), receiver.url, event_types=["complaint.filed"])
    people = {}
    for privacy in ("public", "private", "confidential_identity"):
        person = {"name": f"Siti {privacy.title()} Rahayu", "email": f"{privacy}@warga.id"}
        receipt = file_complaint(
            client,
            privacy=privacy,
            complainant__name=person["name"],
            complainant__email=person["email"],
        )
        people[receipt["tracking_code"]] = (privacy, person)
    run_job(app)
    assert len(receiver.received) == 3
    for item in receiver.payloads():
        complaint = item["data"]["complaint"]
        privacy, person = people[complaint["tracking_code"]]
        assert complaint["privacy"] == privacy
        if privacy == "public":
            assert complaint["complainant_name"] == person["name"]
        else:
            assert "complainant_name" not in complaint
    text = "\n".join(_bodies(receiver))
    assert "081234567890" not in text
    assert not any(person["email"] in text for _, person in people.values())
    assert "Siti Private" not in text and "Siti Confidential_Identity" not in text


def test_a_client_with_the_public_scope_gets_only_verified_public_complaints_public_fields(
    app, client, headers_for, receiver
):
    app_headers = client_headers(app, "complaints:read_public")
    made = subscribe(client, app_headers, receiver.url)
    verifier = headers_for("verifier")
    public = file_complaint(client, privacy="public", complainant__name="Budi Terbuka")
    hidden = file_complaint(client, privacy="private", complainant__name="Budi Tertutup")
    # filed: not yet in the public list, so not sent at all
    assert len(run_job(app).skipped) == 2 and receiver.received == []
    for receipt in (public, hidden):
        act(client, verifier, receipt["id"], action="verify")
    run = run_job(app)
    # the private one never is
    assert len(run.skipped) == 1 and len(run.succeeded) == 1
    [item] = receiver.received
    payload = verified(item, made["secret"])
    assert payload["type"] == "complaint.status_changed"
    complaint = payload["data"]["complaint"]
    assert complaint["tracking_code"] == public["tracking_code"]
    assert set(complaint) == {
        "tracking_code",
        "status",
        "report_type",
        "title",
        "kecamatan_code",
        "category",
        "agency",
        "received_at",
        "updated_at",
        "next_due_at",
    }
    assert "Budi" not in item["body"].decode()
    skipped = client.get(f"{URL}/{made['id']}/deliveries?status=skipped", headers=app_headers)
    assert skipped.get_json()["pagination"]["total"] == 3


def test_a_client_with_the_own_scope_gets_its_own_complaints_only(
    app, client, headers_for, receiver
):
    app_headers = client_headers(app, "complaints:create", "complaints:read_own")
    made = subscribe(client, app_headers, receiver.url)
    mine = file_complaint(client, app_headers, privacy="private")
    file_complaint(client)  # someone else's
    run_job(app)
    [item] = receiver.received
    complaint = verified(item, made["secret"])["data"]["complaint"]
    assert complaint["tracking_code"] == mine["tracking_code"] and complaint["id"] == mine["id"]
    assert complaint["privacy"] == "private" and "complainant_name" not in complaint


def test_a_complaint_made_anonymous_before_sending_is_sent_without_its_name(
    app, client, headers_for, receiver
):
    subscribe(client, headers_for("admin"), receiver.url)
    receipt = file_complaint(client, privacy="public", complainant__name="Dewi Sartika")
    changed = client.get(f"/api/v1/complaints/{receipt['id']}", headers=headers_for("verifier"))
    response = client.put(
        f"/api/v1/complaints/{receipt['id']}/privacy",
        json={"privacy": "anonymous"},
        headers={**headers_for("verifier"), "If-Match": changed.headers["ETag"]},
    )
    assert response.status_code == 200, response.get_json()
    run_job(app)
    [item] = receiver.payloads()
    assert item["data"]["complaint"]["privacy"] == "anonymous"
    assert "Dewi" not in receiver.received[0]["body"].decode()


# --- the sweep's events -------------------------------------------------------------------------


def test_breaches_escalations_and_delivered_decisions_are_told(
    app, client, headers_for, receiver, frozen_clock
):
    made = subscribe(
        client,
        headers_for("admin"),
        receiver.url,
        event_types=["clock.breached", "clock.escalated"],
    )
    file_complaint(client)
    frozen_clock.shift(timedelta(days=16))
    with app.app_context():
        from backend.scheduler import sweep_once

        sweep_once()
    run_job(app)
    payloads = [verified(item, made["secret"]) for item in receiver.received]
    kinds = [p["type"] for p in payloads]
    assert kinds[0] == "clock.breached" and "clock.escalated" in kinds
    assert payloads[0]["data"]["clock"] == "response"
    assert {p["data"]["step"] for p in payloads if p["type"] == "clock.escalated"} >= {
        "agency_head"
    }


def test_a_delivered_decision_is_told_after_its_status_change(app, client, headers_for, receiver):
    made = subscribe(
        client,
        headers_for("admin"),
        receiver.url,
        event_types=["decision.delivered", "complaint.status_changed"],
    )
    officer = headers_for("officer")
    cid = file_complaint(client)["id"]
    act(client, headers_for("verifier"), cid, action="verify")
    act(client, officer, cid, action="start")
    act(client, officer, cid, action="decide", decision="KTP-el dicetak 3 Juni")
    act(client, officer, cid, action="deliver", delivery_channel="email")
    run_job(app)
    payloads = [verified(item, made["secret"]) for item in receiver.received]
    assert [(p["type"], p["data"]["action"]) for p in payloads] == [
        ("complaint.status_changed", "verify"),
        ("complaint.status_changed", "start"),
        ("complaint.status_changed", "decide"),
        ("decision.delivered", "deliver"),
    ]
    assert "KTP-el dicetak" not in receiver.received[-1]["body"].decode()


def test_settled_deliveries_are_forgotten_after_30_days_pending_ones_never(
    app, client, headers_for, receiver, frozen_clock
):
    admin = headers_for("admin")
    made = subscribe(client, admin, receiver.url)
    file_complaint(client)
    run_job(app)
    receiver.status = 500
    file_complaint(client)
    run_job(app)
    frozen_clock.shift(timedelta(days=31))
    with app.app_context():
        assert jobs.purge(session=db.session, now=now_utc()) == 4  # 2 attempts, 1 delivery, 1 event
    items = client.get(f"{URL}/{made['id']}/deliveries", headers=headers_for("admin")).get_json()
    assert [d["status"] for d in items["items"]] == ["pending"]
    assert count_rows(engine_of(app), "webhook_events") == 1


def test_the_cli_sends_what_is_due_now(app, client, headers_for, receiver):
    subscribe(client, headers_for("admin"), receiver.url)
    file_complaint(client)
    result = app.test_cli_runner().invoke(args=["sla", "webhooks"])
    assert result.exit_code == 0, result.output
    assert "1 events fanned out; sent 1, retrying 0" in result.output
    assert len(receiver.received) == 1


def test_a_new_subscription_gets_no_event_from_before_it(app, client, headers_for, receiver):
    """Found by the browser test in CI: events written before a subscription existed, not yet
    fanned out (the scheduler had not run), were all sent to it: a new subscriber got a flood
    of history it never asked for."""
    earlier = file_complaint(client)
    admin = headers_for("admin")
    with frozen(now_utc() + timedelta(minutes=1)):
        subscribe(client, admin, receiver.url)
        later = file_complaint(client)
        run_job(app)
    sent = [json.loads(i["body"])["data"]["complaint"]["tracking_code"] for i in receiver.received]
    assert sent == [later["tracking_code"]], (earlier["tracking_code"], sent)
