"""Webhooks (issue 15, items 6-9): subscriptions, Standard Webhooks signatures checked with the
`standardwebhooks` verifier, delivery from the outbox by the scheduler's job to a real local HTTP
receiver (down, slow, 500), order per complaint, backoff, disabling, the attempt log,
redelivery and the privacy of payloads."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from backend.auth import service as auth_service
from backend.extensions import db
from backend.scheduler import send_webhooks
from tests.api.fault_helpers import bearer, is_problem
from tests.conftest import ROLE_EMAILS, free_port

URL = "/api/v1/webhooks/subscriptions"
ALL_EVENTS = [
    "complaint.filed",
    "complaint.status_changed",
    "clock.breached",
    "clock.escalated",
    "decision.delivered",
]


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
                receiver.received.append({"headers": dict(self.headers), "body": body})
                answer = b'{"ok": true}' if receiver.status < 300 else b"Internal Server Error"
                self.send_response(receiver.status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
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
        from backend.auth.models import User

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
    english = client.post(
        URL,
        json={"url": "http://127.0.0.1:9/hook", "event_types": ALL_EVENTS},
        headers={**admin, "Accept-Language": "en"},
    )
    assert "internal network address" in json.dumps(english.get_json())
    assert client.get(URL, headers=admin).get_json()["items"] == []
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
