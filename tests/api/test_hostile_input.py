"""Hostile input (issue 13, item 2): the ten inputs that answered 500 now get a clear problem.

Each was found by probing the service from outside: a body of 100,000 `[`, 50,000 nested
objects in `complainant`, a 5,001-digit integer, and datetimes whose conversion to UTC leaves
Python's range (`9999-12-31T23:59:59-12:00`, `0001-01-01T00:00:00+14:00`) in `incident_at`,
`computeDeadline`'s `start`, the complaint list's `received_from`/`received_to`, and the reports'
`period_from`/`period_to` and `breached_from`/`breached_to`. Each answers a problem document
(400 before parsing, 422 naming the field for a datetime out of the years 1900-2100) and
changes nothing.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backend.app import create_app
from backend.complaints.models import Complaint
from backend.demo import load_demo
from backend.extensions import db
from tests.api.test_rate_limits import _wait
from tests.conftest import DEMO_HASH, free_port, reset_schema
from tests.conftest import test_config as app_config
from tests.factories import ComplaintPayloadFactory

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

URL = "/api/v1/complaints"
PROBLEM = "application/problem+json"
LATE, EARLY = "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"


def _complaints(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Complaint))


def _post_raw(client, body: str):
    return client.post(URL, data=body, content_type="application/json")


def _assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == PROBLEM
    return response.get_json()


def _nested_complainant(depth: int) -> str:
    """A complaint whose `complainant` holds `depth` objects, one inside the other."""
    payload = ComplaintPayloadFactory()
    payload["complainant"] = "__NEST__"
    nest = '{"a":' * depth + "1" + "}" * depth
    return json.dumps(payload).replace('"__NEST__"', nest)


def test_a_body_of_100000_brackets_is_a_400(app, client):
    before = _complaints(app)
    body = _assert_problem(_post_raw(client, "[" * 100_000), 400)
    assert body["code"] == "json_too_deep"
    assert "bersarang" in body["title"] + body["detail"]
    assert _complaints(app) == before


def test_50000_nested_objects_in_the_complainant_are_a_400(app, client):
    before = _complaints(app)
    body = _assert_problem(_post_raw(client, _nested_complainant(50_000)), 400)
    assert body["code"] == "json_too_deep"
    assert _complaints(app) == before


def test_nesting_the_contract_allows_is_still_read(app, client):
    """A complaint with its usual nesting is filed; the limit is far above any real body."""
    response = _post_raw(client, json.dumps(ComplaintPayloadFactory()))
    assert response.status_code == 201, response.get_json()


def test_a_5001_digit_integer_is_a_400(app, client):
    before = _complaints(app)
    payload = json.dumps(ComplaintPayloadFactory()).replace(
        "{", '{"latitude": ' + "9" * 5001 + ",", 1
    )
    body = _assert_problem(_post_raw(client, payload), 400)
    assert body["code"] == "json_number_too_long"
    assert _complaints(app) == before


def test_a_long_string_of_digits_is_not_a_number(app, client):
    """Digits inside a string are text: a description may hold a long number."""
    payload = ComplaintPayloadFactory(description="Nomor antrean saya " + "7" * 6000 + " hilang.")
    response = client.post(URL, json=payload)
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("value", [LATE, EARLY])
def test_an_incident_time_out_of_range_is_a_422_on_the_field(app, client, value):
    before = _complaints(app)
    body = _assert_problem(client.post(URL, json=ComplaintPayloadFactory(incident_at=value)), 422)
    assert "incident_at" in json.dumps(body["errors"])
    assert "1900" in json.dumps(body["errors"])
    assert _complaints(app) == before


@pytest.mark.parametrize("value", [LATE, EARLY])
@pytest.mark.parametrize(
    ("role", "url", "field", "rest"),
    [
        ("verifier", "/api/v1/sla/deadline", "start", {"days": 14, "unit": "working_day"}),
        ("verifier", URL, "received_from", {}),
        ("verifier", URL, "received_to", {}),
        ("supervisor", "/api/v1/reports/breach-summary", "period_from", {}),
        ("supervisor", "/api/v1/reports/breach-summary", "period_to", {}),
        ("supervisor", "/api/v1/reports/breaches", "breached_from", {}),
        ("supervisor", "/api/v1/reports/breaches", "breached_to", {}),
    ],
)
def test_a_query_time_out_of_range_is_a_422_on_the_field(
    client, headers_for, role, url, field, rest, value
):
    response = client.get(url, query_string={field: value, **rest}, headers=headers_for(role))
    body = _assert_problem(response, 422)
    assert field in json.dumps(body["errors"]), body


@pytest.mark.parametrize("value", ["1900-01-01T00:00:00+07:00", "2100-12-31T23:59:59+07:00"])
def test_the_edges_of_the_range_are_accepted(client, headers_for, value):
    response = client.get(
        URL, query_string={"received_from": value}, headers=headers_for("verifier")
    )
    assert response.status_code == 200, response.get_json()


# --- before the app: what gunicorn reads (issue 13, item 8) ------------------------------------
# A real gunicorn with the repository's gunicorn.conf.py serves the app on SQLite; the requests
# are raw bytes on a socket, since an HTTP client refuses to send most of them.


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The address of a gunicorn serving the app with the demo data as deployed
    (gunicorn.conf.py)."""
    directory = tmp_path_factory.mktemp("served")
    app = create_app(app_config("sqlite", directory))
    reset_schema(app)
    with app.app_context():
        load_demo(db.session, password_hash=DEMO_HASH)
        db.session.commit()
    port = free_port()
    env = {
        **os.environ,
        "ADUAN_DATABASE_URL": f"sqlite:///{directory / 'test.db'}",
        "ADUAN_VAR_DIR": str(directory),
        "ADUAN_RATELIMIT_ENABLED": "false",
    }
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}"]
        + ["backend.app:create_app()"],
        cwd=ROOT,  # gunicorn reads gunicorn.conf.py from here, as in production
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"http://127.0.0.1:{port}", process)
        yield ("127.0.0.1", port)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _exchange(address, *parts: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send `parts` on a new connection; the response's status, headers and body."""
    with socket.create_connection(address, timeout=30) as sock:
        try:
            for part in parts:
                sock.sendall(part)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before reading it all
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, dict(response.getheaders()), response.read()


def _assert_problem_bytes(answer, status: int, code: str) -> None:
    got, headers, body = answer
    assert got == status, (got, body[:300])
    assert headers["Content-Type"].startswith(PROBLEM), headers
    document = json.loads(body)
    assert document["status"] == status
    assert document["code"] == code
    assert document["title"]


def _request(head: str, body: bytes = b"") -> bytes:
    return head.replace("\n", "\r\n").encode("latin-1") + b"\r\n" + body


def test_a_request_line_over_4_kb_is_a_414_problem(served):
    path = "/api/v1/complaints?q=" + "a" * 5000
    answer = _exchange(served, _request(f"GET {path} HTTP/1.1\nHost: x\n"))
    _assert_problem_bytes(answer, 414, "uri_too_long")


def test_a_header_over_8_kb_is_a_431_problem(served):
    answer = _exchange(
        served, _request("GET /healthz HTTP/1.1\nHost: x\nX-Big: " + "b" * 9000 + "\n")
    )
    _assert_problem_bytes(answer, 431, "headers_too_large")


def test_more_than_100_headers_are_a_431_problem(served):
    many = "".join(f"X-H{i}: {i}\n" for i in range(150))
    answer = _exchange(served, _request("GET /healthz HTTP/1.1\nHost: x\n" + many))
    _assert_problem_bytes(answer, 431, "headers_too_large")


def test_a_nul_in_a_header_is_a_400_problem(served):
    answer = _exchange(served, _request("GET /healthz HTTP/1.1\nHost: x\nX-Nul: a\0b\n"))
    _assert_problem_bytes(answer, 400, "bad_request")


def test_bad_chunking_is_a_400_problem(served):
    head = "POST /api/v1/complaints HTTP/1.1\nHost: x\nContent-Type: application/json\n"
    answer = _exchange(
        served, _request(head + "Transfer-Encoding: chunked\n", b"zz\r\n{}\r\n0\r\n\r\n")
    )
    _assert_problem_bytes(answer, 400, "bad_request")


def _chunked(total: int, size: int = 1 << 20):
    """A JSON body of `total` bytes, sent in chunks of `size`."""
    body = b'{"description": "' + b"x" * (total - 19) + b'"}'
    for start in range(0, len(body), size):
        piece = body[start : start + size]
        yield b"%x\r\n%s\r\n" % (len(piece), piece)
    yield b"0\r\n\r\n"


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_a_body_over_the_limit_is_a_413_problem_chunked_or_not(served, chunked):
    limit = 10 * 1024 * 1024
    head = "POST /api/v1/complaints HTTP/1.1\nHost: x\nContent-Type: application/json\n"
    if chunked:
        answer = _exchange(
            served, _request(head + "Transfer-Encoding: chunked\n"), *_chunked(limit + 1)
        )
    else:
        body = b'{"description": "' + b"x" * (limit - 18) + b'"}'
        answer = _exchange(served, _request(head + f"Content-Length: {len(body)}\n", body))
    _assert_problem_bytes(answer, 413, "payload_too_large")


def test_a_chunked_body_under_the_limit_is_read(served):
    """Chunking itself is fine: a complaint sent in chunks is filed."""
    body = json.dumps(ComplaintPayloadFactory()).encode()
    head = "POST /api/v1/complaints HTTP/1.1\nHost: x\nContent-Type: application/json\n"
    chunks = [
        b"%x\r\n%s\r\n" % (len(body[:50]), body[:50]),
        b"%x\r\n%s\r\n" % (len(body[50:]), body[50:]),
        b"0\r\n\r\n",
    ]
    status, _, answer = _exchange(served, _request(head + "Transfer-Encoding: chunked\n"), *chunks)
    assert status == 201, answer[:300]


def test_a_lone_surrogate_in_a_text_is_a_422_on_the_field(app, client):
    """JSON may escape half of a UTF-16 pair (`\\ud800`); no database stores it as text."""
    before = _complaints(app)
    body = json.dumps(ComplaintPayloadFactory(description="Jalan rusak __S__ parah sekali."))
    response = _post_raw(client, body.replace("__S__", "\\ud800"))
    problem = _assert_problem(response, 422)
    assert "description" in problem["errors"], problem
    assert _complaints(app) == before
