"""Privacy of complainants (issue 2, item 16) and the role scoping of lists (item 17).

Anonymous complaints store no identity; a confidential identity never reaches an officer or an
agency head, in any response body or header; private, confidential and anonymous complaints
never appear in the public list; staff may only tighten privacy.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from backend.complaints.models import ComplainantIdentity
from backend.db import Base
from backend.extensions import db
from tests.api.test_access_matrix import etag_of, headers_of, make_user, png_bytes, verify
from tests.factories import TrackRequestFactory, file_complaint

SECRET = {
    "name": "Zulkarnaen Rahasiaputra",
    "email": "zulka.rahasia77@contoh.id",
    "phone": "089977731337",
    "address": "Jalan Kenanga Tersembunyi No. 77",
}


def _leaks(response) -> list[str]:
    """The planted identity strings found anywhere in a response (body and headers)."""
    raw = (response.get_data() + str(response.headers).encode()).lower()
    return [value for value in SECRET.values() if value.lower().encode() in raw]


def _identity_rows(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ComplainantIdentity)) or 0


def _database_text(app: Flask) -> str:
    """Every row of every table, as text: to prove a string is stored nowhere."""
    chunks = []
    with app.app_context(), db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                chunks.append(repr(tuple(row)))
    return "\n".join(chunks).lower()


def _confidential_filing(app: Flask, client: FlaskClient) -> tuple[dict[str, Any], dict[str, str]]:
    """A citizen whose account carries the planted identity files a confidential complaint."""
    owner = make_user(app, SECRET["email"], "citizen", full_name=SECRET["name"])
    receipt = file_complaint(
        client,
        owner,
        privacy="confidential_identity",
        complainant={"kind": "person", **SECRET},
    )
    return receipt, owner


# --- anonymous --------------------------------------------------------------------------------


@pytest.mark.parametrize("logged_in", [False, True])
def test_anonymous_complaint_stores_no_identity(app, client, logged_in):
    headers = (
        make_user(app, "anon@contoh.id", "citizen", full_name="Warga Tanpa Nama")
        if logged_in
        else {}
    )
    receipt = file_complaint(
        client, headers, privacy="anonymous", complainant={"kind": "person", **SECRET}
    )
    assert _identity_rows(app) == 0
    with app.app_context():
        from backend.complaints.models import Complaint, ComplaintEvent
        from backend.extensions import db

        row = db.session.get(Complaint, receipt["id"])
        # not even the link to the filer's account is kept
        assert row is not None and row.citizen_id is None
        linked = db.session.scalars(
            select(ComplaintEvent.id).where(
                ComplaintEvent.actor_kind == "complainant", ComplaintEvent.actor_id.is_not(None)
            )
        ).all()
        assert linked == []
    stored = _database_text(app)
    for value in SECRET.values():
        assert value.lower() not in stored
    verifier = client.get(
        f"/api/v1/complaints/{receipt['id']}", headers=headers_of(app, "verifier")
    )
    assert verifier.status_code == 200
    body = verifier.get_json()
    assert body["complainant"] is None and body["identity_hidden"] is False
    assert not _leaks(verifier)


def test_anonymous_complaint_cannot_show_a_name_publicly(app, client):
    receipt = file_complaint(client, privacy="anonymous", complainant=None, show_name_publicly=True)
    verify(client, receipt["id"])
    public = client.get("/api/v1/public/complaints").get_json()["items"]
    assert receipt["id"] not in [c["id"] for c in public]


# --- confidential identity: walk every operation an officer and an agency head can call --------


def _walk(
    app: Flask,
    client: FlaskClient,
    complaint_id: int,
    tracking: dict[str, str],
    role: str,
    headers: dict[str, str],
) -> list[tuple[str, Any]]:
    """Call every operation `role` may call on the complaint; return (name, response) pairs."""
    cid = complaint_id
    seen: list[tuple[str, Any]] = []

    def call(name: str, response: Any, expected: int | tuple[int, ...] = 200) -> Any:
        allowed = expected if isinstance(expected, tuple) else (expected,)
        assert response.status_code in allowed, (name, response.get_data(as_text=True))
        seen.append((f"{role}:{name}", response))
        return response

    def etag() -> str:
        return etag_of(client, cid, headers)

    call("getComplaint", client.get(f"/api/v1/complaints/{cid}", headers=headers))
    call("listComplaints", client.get("/api/v1/complaints", headers=headers))
    call(
        "listComplaints?q",
        client.get("/api/v1/complaints", headers=headers, query_string={"q": "KTP"}),
    )
    # a search must not become an oracle for who complained
    for value in SECRET.values():
        found = call(
            "listComplaints?q=identity",
            client.get("/api/v1/complaints", headers=headers, query_string={"q": value}),
        )
        assert cid not in [c["id"] for c in found.get_json()["items"]], value
    call("listComplaintEvents", client.get(f"/api/v1/complaints/{cid}/events", headers=headers))
    call(
        "listComplaintAttachments",
        client.get(f"/api/v1/complaints/{cid}/attachments", headers=headers),
    )
    attachments = seen[-1][1].get_json()
    for item in attachments:
        call(
            "downloadComplaintAttachment",
            client.get(
                f"/api/v1/complaints/{cid}/attachments/{item['id']}/content", headers=headers
            ),
        )
    call(
        "addComplaintComment",
        client.post(
            f"/api/v1/complaints/{cid}/comments",
            json={"body": f"Catatan {role}", "visibility": "internal"},
            headers=headers,
        ),
        201,
    )
    call(
        "uploadComplaintAttachment",
        client.post(
            f"/api/v1/complaints/{cid}/attachments",
            data={"visibility": "internal", "file": (io.BytesIO(png_bytes()), f"{role}.png")},
            content_type="multipart/form-data",
            headers=headers,
        ),
        201,
    )
    taken: set[str] = set()
    while True:
        allowed = client.get(f"/api/v1/complaints/{cid}", headers=headers).get_json()
        action = next((a for a in allowed["allowed_actions"] if a not in taken), None)
        if action is None:
            break
        taken.add(action)
        data: dict[str, Any] = {"action": action, "reason": "Ditindaklanjuti"}
        if action == "assign":
            officer = (
                app.test_client()
                .get("/api/v1/auth/me", headers=headers_of(app, "officer"))
                .get_json()
            )
            data["officer_id"] = officer["id"]
        if action == "decide":
            data["decision"] = "KTP-el dicetak ulang."
        call(
            f"transitionComplaint:{action}",
            client.post(
                f"/api/v1/complaints/{cid}/transitions",
                json=data,
                headers={**headers, "If-Match": etag()},
            ),
        )
    call(
        "changeComplaintPrivacy:same",
        client.put(
            f"/api/v1/complaints/{cid}/privacy",
            json={"privacy": "confidential_identity"},
            headers={**headers, "If-Match": etag()},
        ),
    )
    call(
        "changeComplaintPrivacy:loosen",
        client.put(
            f"/api/v1/complaints/{cid}/privacy",
            json={"privacy": "public"},
            headers={**headers, "If-Match": etag()},
        ),
        422,
    )
    call("getComplaintSla", client.get(f"/api/v1/complaints/{cid}/sla", headers=headers))
    call("listBreaches", client.get("/api/v1/reports/breaches", headers=headers), (200, 403))
    call(
        "getBreachSummary",
        client.get("/api/v1/reports/breach-summary", headers=headers),
        (200, 403),
    )
    call("getCurrentUser", client.get("/api/v1/auth/me", headers=headers))
    call("listAgencies", client.get("/api/v1/agencies", headers=headers))
    call("listCategories", client.get("/api/v1/categories", headers=headers))
    call("listPublicComplaints", client.get("/api/v1/public/complaints", headers=headers))
    call("trackComplaint", client.post("/api/v1/track", json=tracking))
    call("listUsers", client.get("/api/v1/users", headers=headers), 403)
    return seen


def test_confidential_identity_never_reaches_officer_or_agency_head(app, client):
    receipt, owner = _confidential_filing(app, client)
    cid = receipt["id"]
    client.post(f"/api/v1/complaints/{cid}/comments", json={"body": "Mohon segera."}, headers=owner)
    client.post(
        f"/api/v1/complaints/{cid}/attachments",
        data={"visibility": "public", "file": (io.BytesIO(png_bytes()), "ktp.png")},
        content_type="multipart/form-data",
        headers=owner,
    )
    verify(client, cid)
    tracking = TrackRequestFactory.of(receipt)

    walked = []
    for role in ("agency_head", "officer"):
        walked += _walk(app, client, cid, tracking, role, headers_of(app, role))
    assert len(walked) > 30
    leaks = {name: found for name, response in walked if (found := _leaks(response))}
    assert leaks == {}

    got = client.get(f"/api/v1/complaints/{cid}", headers=headers_of(app, "officer")).get_json()
    assert got["complainant"] is None and got["identity_hidden"] is True
    assert got["status"] in ("decided", "closed")  # the walk really worked the case

    for role in ("verifier", "supervisor", "admin"):
        seen = client.get(f"/api/v1/complaints/{cid}", headers=headers_of(app, role)).get_json()
        assert seen["complainant"]["name"] == SECRET["name"], role
        assert seen["complainant"]["phone"] == SECRET["phone"], role
        assert seen["identity_hidden"] is False
    mine = client.get(f"/api/v1/complaints/{cid}", headers=owner).get_json()
    assert mine["complainant"]["email"] == SECRET["email"]


def test_private_identity_is_seen_by_the_handling_officer(app, client):
    receipt = file_complaint(client, privacy="private", complainant={"kind": "person", **SECRET})
    verify(client, receipt["id"])
    seen = client.get(
        f"/api/v1/complaints/{receipt['id']}", headers=headers_of(app, "officer")
    ).get_json()
    assert seen["complainant"]["name"] == SECRET["name"]


# --- the public list --------------------------------------------------------------------------


def test_only_verified_public_complaints_are_public_and_without_names(app, client):
    filed = {
        privacy: file_complaint(
            client,
            privacy=privacy,
            title=f"Aduan {privacy}",
            complainant=None if privacy == "anonymous" else {"kind": "person", **SECRET},
        )
        for privacy in ("public", "private", "confidential_identity", "anonymous")
    }
    named = file_complaint(
        client,
        privacy="public",
        show_name_publicly=True,
        title="Aduan bernama",
        complainant={"kind": "person", "name": "Asep Sunandar"},
    )

    assert client.get("/api/v1/public/complaints").get_json()["items"] == []  # none verified
    for receipt in [*filed.values(), named]:
        verify(client, receipt["id"])

    response = client.get("/api/v1/public/complaints")
    items = response.get_json()["items"]
    assert sorted(c["id"] for c in items) == sorted([filed["public"]["id"], named["id"]])
    by_id = {c["id"]: c for c in items}
    assert by_id[filed["public"]["id"]]["complainant_name"] is None
    assert by_id[named["id"]]["complainant_name"] == "Asep Sunandar"
    assert not _leaks(response)
    for key in ("tracking_code", "pin", "complainant"):
        assert all(key not in c for c in items)

    # the public page searches by words and filters by status (issue 14, item 9)
    found = client.get("/api/v1/public/complaints", query_string={"q": "bernama"}).get_json()
    assert [c["id"] for c in found["items"]] == [named["id"]]
    open_ones = client.get(
        "/api/v1/public/complaints", query_string=[("status", "verified"), ("status", "closed")]
    ).get_json()
    assert len(open_ones["items"]) == 2
    closed = client.get("/api/v1/public/complaints", query_string={"status": "closed"})
    assert closed.get_json()["items"] == []
    bad = client.get("/api/v1/public/complaints", query_string={"status": "secret"})
    assert bad.status_code == 422


# --- changing privacy -------------------------------------------------------------------------


def _privacy(client: FlaskClient, cid: int, headers: dict[str, str], privacy: str):
    etag = etag_of(client, cid, headers_of(client.application, "verifier"))
    return client.put(
        f"/api/v1/complaints/{cid}/privacy",
        json={"privacy": privacy},
        headers={**headers, "If-Match": etag},
    )


@pytest.mark.parametrize("role", ["officer", "agency_head", "verifier", "admin"])
@pytest.mark.parametrize(
    ("start", "looser"),
    [
        ("private", "public"),
        ("confidential_identity", "private"),
        ("confidential_identity", "public"),
        ("anonymous", "public"),
    ],
)
def test_staff_may_not_loosen_privacy(app, client, role, start, looser):
    receipt = file_complaint(
        client, privacy=start, complainant=None if start == "anonymous" else {"name": "Ani"}
    )
    verify(client, receipt["id"])
    response = _privacy(client, receipt["id"], headers_of(app, role), looser)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["code"] == "privacy_loosening"
    seen = client.get(
        f"/api/v1/complaints/{receipt['id']}", headers=headers_of(app, "verifier")
    ).get_json()
    assert seen["privacy"] == start


def test_staff_tighten_and_anonymous_erases_the_identity(app, client):
    receipt = file_complaint(
        client, privacy="public", show_name_publicly=True, complainant={"kind": "person", **SECRET}
    )
    cid = receipt["id"]
    verify(client, cid)
    assert [c["id"] for c in client.get("/api/v1/public/complaints").get_json()["items"]] == [cid]
    officer = headers_of(app, "officer")

    tightened = _privacy(client, cid, officer, "private")
    assert tightened.status_code == 200, tightened.get_json()
    assert tightened.get_json()["privacy"] == "private"
    assert tightened.get_json()["show_name_publicly"] is False
    assert client.get("/api/v1/public/complaints").get_json()["items"] == []

    erased = _privacy(client, cid, officer, "anonymous")
    assert erased.status_code == 200, erased.get_json()
    assert _identity_rows(app) == 0
    stored = _database_text(app)
    assert all(value.lower() not in stored for value in SECRET.values())
    for role in ("verifier", "supervisor", "admin"):
        seen = client.get(f"/api/v1/complaints/{cid}", headers=headers_of(app, role)).get_json()
        assert seen["complainant"] is None and seen["privacy"] == "anonymous"
    events = client.get(
        f"/api/v1/complaints/{cid}/events", headers=headers_of(app, "verifier")
    ).get_json()
    assert [e["data"].get("to") for e in events if e["kind"] == "privacy_changed"] == [
        "private",
        "anonymous",
    ]


def test_the_owner_may_loosen_their_own_complaint(app, client):
    owner = headers_of(app, "citizen")
    receipt = file_complaint(client, owner, privacy="confidential_identity")
    cid = receipt["id"]
    verify(client, cid)
    assert client.get("/api/v1/public/complaints").get_json()["items"] == []
    loosened = _privacy(client, cid, owner, "public")
    assert loosened.status_code == 200, loosened.get_json()
    assert loosened.get_json()["privacy"] == "public"
    public = client.get("/api/v1/public/complaints").get_json()["items"]
    assert [c["id"] for c in public] == [cid]
    assert public[0]["complainant_name"] is None
    # another citizen cannot touch it at all
    stranger = make_user(app, "lain@contoh.id", "citizen")
    assert _privacy(client, cid, stranger, "private").status_code == 404


def test_supervisor_cannot_change_privacy(app, client):
    receipt = file_complaint(client, privacy="private")
    response = _privacy(client, receipt["id"], headers_of(app, "supervisor"), "anonymous")
    assert response.status_code == 403
    assert _identity_rows(app) == 1


# --- item 17: list scoping ---------------------------------------------------------------------


def test_lists_are_scoped_by_role(app, client):
    citizen = headers_of(app, "citizen")
    other = make_user(app, "tetangga@contoh.id", "citizen")
    mine = file_complaint(client, citizen)
    theirs = file_complaint(client, other)
    roads = file_complaint(client, other, category="JALAN-DRAINASE", title="Jalan berlubang")
    unverified = file_complaint(client, other, title="Belum diverifikasi")
    for receipt in (mine, theirs, roads):
        verify(client, receipt["id"])

    def ids(headers: dict[str, str], **query: Any) -> set[int]:
        response = client.get("/api/v1/complaints", headers=headers, query_string=query)
        assert response.status_code == 200, response.get_json()
        return {c["id"] for c in response.get_json()["items"]}

    assert ids(citizen) == {mine["id"]}
    assert ids(other) == {theirs["id"], roads["id"], unverified["id"]}
    for role in ("officer", "agency_head"):
        assert ids(headers_of(app, role)) == {mine["id"], theirs["id"]}, role
        # a filter cannot widen the scope
        assert ids(headers_of(app, role), agency="DPUPR") == set(), role
    pupr = make_user(app, "petugas.pupr@cimahikota.go.id", "officer", "DPUPR")
    assert ids(pupr) == {roads["id"]}
    everything = {mine["id"], theirs["id"], roads["id"], unverified["id"]}
    for role in ("verifier", "supervisor", "admin"):
        assert ids(headers_of(app, role)) == everything, role
    assert ids(citizen, q=theirs["tracking_code"]) == set()
