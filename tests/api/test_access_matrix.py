"""Every role against every operation on a complaint it does not own (issue 2, item 8).

ARCHITECTURE.md, "People and what they may see": a citizen sees their own complaints; an
officer or agency head the complaints routed to their agency (here: once the verifier has
verified them); verifier, supervisor and admin every complaint; the supervisor and the admin
read only; an API client what its scopes grant. Objects a caller may not see are 404 (nothing
to enumerate), operations a role may not take are 403, and nobody logged in gets 401.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token
from PIL import Image
from sqlalchemy import select

from backend.auth import service as auth_service
from backend.auth.models import ApiClient
from backend.extensions import db
from tests.conftest import ROLE_EMAILS, bearer_for, user_by_email
from tests.factories import ApiClientFactory, UserFactory, file_complaint

# --- helpers (also used by test_privacy) -------------------------------------------------------


def make_user(
    app: Flask,
    email: str,
    role: str,
    agency_code: str | None = None,
    full_name: str = "Pengguna Uji",
) -> dict[str, str]:
    """A new account (UserFactory) and its bearer headers."""
    with app.app_context():
        user = UserFactory(email=email, role=role, agency_code=agency_code, full_name=full_name)
        token = create_access_token(
            identity=f"user:{user.id}", additional_claims=auth_service.user_claims(user)
        )
    return {"Authorization": f"Bearer {token}"}


def make_client_headers(app: Flask, *scopes: str) -> dict[str, str]:
    """Bearer headers of a new API client with `scopes` (ApiClientFactory)."""
    with app.app_context():
        row = ApiClientFactory(client_id=f"app_{'_'.join(scopes)}"[:64], granted=scopes)
        token = create_access_token(
            identity=f"client:{row.id}", additional_claims=auth_service.client_claims(row)
        )
    return {"Authorization": f"Bearer {token}"}


def etag_of(client: FlaskClient, complaint_id: int, headers: dict[str, str]) -> str:
    """The complaint's current ETag, as `headers` sees it."""
    response = client.get(f"/api/v1/complaints/{complaint_id}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.headers["ETag"]


def act(client: FlaskClient, complaint_id: int, headers: dict[str, str], action: str, **data: Any):
    """Take a lifecycle action with a fresh If-Match (read as verifier: it sees everything)."""
    verifier = headers_of(client.application, "verifier")
    etag = etag_of(client, complaint_id, verifier)
    return client.post(
        f"/api/v1/complaints/{complaint_id}/transitions",
        json={"action": action, **data},
        headers={**headers, "If-Match": etag},
    )


def headers_of(app: Flask, role: str) -> dict[str, str]:
    """Bearer headers of the demo account with `role`."""
    return bearer_for(app, user_by_email(app, ROLE_EMAILS[role]))


def verify(client: FlaskClient, complaint_id: int) -> None:
    """The verifier declares the complaint complete (agency staff see it from then on)."""
    response = act(client, complaint_id, headers_of(client.application, "verifier"), "verify")
    assert response.status_code == 200, response.get_json()


def png_bytes() -> bytes:
    """A tiny valid PNG."""
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def problem_code(response) -> str | None:
    """The `code` of a problem response, if it is one."""
    if response.mimetype != "application/problem+json":
        return None
    return response.get_json()["code"]


# --- the world of one test -------------------------------------------------------------------


@dataclass
class World:
    """A verified complaint of the demo citizen (Disdukcapil) and everybody else's headers."""

    app: Flask
    client: FlaskClient
    complaint_id: int
    headers: dict[str, dict[str, str]]
    citizen_id: int


ACTORS = [
    "other_citizen",
    "officer_other_agency",
    "officer",
    "agency_head",
    "verifier",
    "supervisor",
    "admin",
    "client_create",
    "client_read_own",
    "client_read_public",
    "nobody",
]


@pytest.fixture
def world(app: Flask, client: FlaskClient) -> World:
    """The demo citizen's private complaint, verified, and the headers of every actor."""
    receipt = file_complaint(client, headers_of(app, "citizen"), privacy="private")
    verify(client, receipt["id"])
    headers = {
        role: headers_of(app, role)
        for role in ("officer", "agency_head", "verifier", "supervisor", "admin")
    }
    headers["other_citizen"] = make_user(app, "tetangga@contoh.id", "citizen")
    headers["officer_other_agency"] = make_user(
        app, "petugas.pupr@cimahikota.go.id", "officer", "DPUPR"
    )
    headers["client_create"] = make_client_headers(app, "complaints:create")
    headers["client_read_own"] = make_client_headers(
        app, "complaints:create", "complaints:read_own"
    )
    headers["client_read_public"] = make_client_headers(app, "complaints:read_public")
    headers["nobody"] = {}
    citizen = user_by_email(app, ROLE_EMAILS["citizen"])
    return World(app, client, receipt["id"], headers, citizen.id)


# --- operations --------------------------------------------------------------------------------


def _get(w: World, h: dict[str, str]):
    return w.client.get(f"/api/v1/complaints/{w.complaint_id}", headers=h)


def _list(w: World, h: dict[str, str]):
    return w.client.get("/api/v1/complaints", headers=h)


def _events(w: World, h: dict[str, str]):
    return w.client.get(f"/api/v1/complaints/{w.complaint_id}/events", headers=h)


def _sla(w: World, h: dict[str, str]):
    return w.client.get(f"/api/v1/complaints/{w.complaint_id}/sla", headers=h)


def _reject(w: World, h: dict[str, str]):
    return act(
        w.client,
        w.complaint_id,
        h,
        "reject",
        reason="Bukan kewenangan",
        resolution_code="outside_authority",
    )


def _start(w: World, h: dict[str, str]):
    return act(w.client, w.complaint_id, h, "start")


def _withdraw(w: World, h: dict[str, str]):
    return act(w.client, w.complaint_id, h, "withdraw", reason="Sudah selesai")


def _comment(w: World, h: dict[str, str]):
    return w.client.post(
        f"/api/v1/complaints/{w.complaint_id}/comments",
        json={"body": "Mohon ditindaklanjuti."},
        headers=h,
    )


def _privacy(w: World, h: dict[str, str]):
    etag = etag_of(w.client, w.complaint_id, headers_of(w.app, "verifier"))
    return w.client.put(
        f"/api/v1/complaints/{w.complaint_id}/privacy",
        json={"privacy": "confidential_identity"},
        headers={**h, "If-Match": etag},
    )


def _upload(w: World, h: dict[str, str]):
    return w.client.post(
        f"/api/v1/complaints/{w.complaint_id}/attachments",
        data={"visibility": "public", "file": (io.BytesIO(png_bytes()), "bukti.png")},
        content_type="multipart/form-data",
        headers=h,
    )


def _attachments(w: World, h: dict[str, str]):
    return w.client.get(f"/api/v1/complaints/{w.complaint_id}/attachments", headers=h)


def _create_user(w: World, h: dict[str, str]):
    return w.client.post(
        "/api/v1/users",
        headers=h,
        json={
            "email": "baru@cimahikota.go.id",
            "password": "rahasia-panjang",
            "full_name": "Baru",
            "role": "officer",
            "agency_code": "DPUPR",
        },
    )


def _list_users(w: World, h: dict[str, str]):
    return w.client.get("/api/v1/users", headers=h)


def _update_user(w: World, h: dict[str, str]):
    return w.client.patch(f"/api/v1/users/{w.citizen_id}", json={"is_active": False}, headers=h)


def _create_agency(w: World, h: dict[str, str]):
    return w.client.post(
        "/api/v1/agencies",
        headers=h,
        json={
            "code": "DISPERKIM",
            "name": "Dinas Perumahan dan Kawasan Permukiman",
            "short_name": "Disperkim",
        },
    )


def _set_route(w: World, h: dict[str, str]):
    return w.client.put(
        "/api/v1/routing-rules",
        headers=h,
        json={"category_code": "ADMINDUK", "agency_code": "DPUPR"},
    )


def _create_api_client(w: World, h: dict[str, str]):
    return w.client.post(
        "/api/v1/api-clients", headers=h, json={"name": "Aplikasi", "scopes": ["complaints:create"]}
    )


OPERATIONS: dict[str, Callable[[World, dict[str, str]], Any]] = {
    "getComplaint": _get,
    "listComplaints": _list,
    "listComplaintEvents": _events,
    "getComplaintSla": _sla,
    "transitionComplaint:reject": _reject,
    "transitionComplaint:start": _start,
    "transitionComplaint:withdraw": _withdraw,
    "addComplaintComment": _comment,
    "changeComplaintPrivacy": _privacy,
    "uploadComplaintAttachment": _upload,
    "listComplaintAttachments": _attachments,
    "createUser": _create_user,
    "listUsers": _list_users,
    "updateUser": _update_user,
    "createAgency": _create_agency,
    "setRoutingRule": _set_route,
    "createApiClient": _create_api_client,
}

# expected outcome: an HTTP status, plus for listComplaints whether the complaint is listed
NF, FB, SC, UA = 404, 403, "scope", 401  # SC: 403 insufficient_scope
READ = {"getComplaint", "listComplaintEvents", "listComplaintAttachments", "getComplaintSla"}
ADMIN_OPS = {
    "createUser",
    "listUsers",
    "updateUser",
    "createAgency",
    "setRoutingRule",
    "createApiClient",
}


def _row(
    *,
    read: Any,
    listed: Any,
    reject: Any,
    start: Any,
    withdraw: Any,
    comment: Any,
    privacy: Any,
    upload: Any,
    admin: Any,
) -> dict[str, Any]:
    row = {op: read for op in READ}
    row.update(
        {
            "listComplaints": listed,
            "transitionComplaint:reject": reject,
            "transitionComplaint:start": start,
            "transitionComplaint:withdraw": withdraw,
            "addComplaintComment": comment,
            "changeComplaintPrivacy": privacy,
            "uploadComplaintAttachment": upload,
        }
    )
    row.update({op: admin for op in ADMIN_OPS})
    return row


MATRIX: dict[str, dict[str, Any]] = {
    "other_citizen": _row(
        read=NF,
        listed=False,
        reject=NF,
        start=NF,
        withdraw=NF,
        comment=NF,
        privacy=NF,
        upload=NF,
        admin=FB,
    ),
    "officer_other_agency": _row(
        read=NF,
        listed=False,
        reject=NF,
        start=NF,
        withdraw=NF,
        comment=NF,
        privacy=NF,
        upload=NF,
        admin=FB,
    ),
    "officer": _row(
        read=200,
        listed=True,
        reject=FB,
        start=200,
        withdraw=FB,
        comment=201,
        privacy=200,
        upload=201,
        admin=FB,
    ),
    "agency_head": _row(
        read=200,
        listed=True,
        reject=FB,
        start=200,
        withdraw=FB,
        comment=201,
        privacy=200,
        upload=201,
        admin=FB,
    ),
    "verifier": _row(
        read=200,
        listed=True,
        reject=200,
        start=FB,
        withdraw=200,
        comment=201,
        privacy=200,
        upload=201,
        admin=FB,
    ),
    # read-only on cases
    "supervisor": _row(
        read=200,
        listed=True,
        reject=FB,
        start=FB,
        withdraw=FB,
        comment=FB,
        privacy=FB,
        upload=FB,
        admin=FB,
    ),
    # manages users, agencies and routing; reads cases, tightens privacy, does not handle them
    "admin": _row(
        read=200,
        listed=True,
        reject=FB,
        start=FB,
        withdraw=FB,
        comment=FB,
        privacy=200,
        upload=FB,
        admin="ok",
    ),
    "client_create": _row(
        read=SC,
        listed=SC,
        reject=SC,
        start=SC,
        withdraw=SC,
        comment=SC,
        privacy=SC,
        upload=SC,
        admin=SC,
    ),
    "client_read_own": _row(
        read=NF,
        listed=False,
        reject=SC,
        start=SC,
        withdraw=SC,
        comment=SC,
        privacy=SC,
        upload=SC,
        admin=SC,
    ),
    "client_read_public": _row(
        read=SC,
        listed=SC,
        reject=SC,
        start=SC,
        withdraw=SC,
        comment=SC,
        privacy=SC,
        upload=SC,
        admin=SC,
    ),
    "nobody": _row(
        read=UA,
        listed=UA,
        reject=UA,
        start=UA,
        withdraw=UA,
        comment=UA,
        privacy=UA,
        upload=UA,
        admin=UA,
    ),
}
# known gaps, outside this file's reach: see the report of issue 2's access work
CASES = [pytest.param(actor, op, id=f"{actor}-{op}") for actor in ACTORS for op in OPERATIONS]


@pytest.mark.parametrize(("actor", "operation"), CASES)
def test_access_matrix(world: World, actor: str, operation: str) -> None:
    expected = MATRIX[actor][operation]
    response = OPERATIONS[operation](world, world.headers[actor])
    body = response.get_data(as_text=True)
    if expected == "ok":
        assert response.status_code in (200, 201), body
    elif expected is True or expected is False:
        assert response.status_code == 200, body
        ids = [item["id"] for item in response.get_json()["items"]]
        assert (world.complaint_id in ids) is expected, ids
    elif expected == SC:
        assert response.status_code == 403, body
        assert problem_code(response) == "insufficient_scope"
    else:
        assert response.status_code == expected, body
        if expected >= 400:
            assert (
                problem_code(response)
                == {401: "unauthorized", 403: "forbidden", 404: "not_found"}[expected]
            ), body
    if response.status_code >= 400:
        # refused means nothing happened: the timeline has only submit and verify
        events = world.client.get(
            f"/api/v1/complaints/{world.complaint_id}/events", headers=world.headers["verifier"]
        ).get_json()
        assert [e["kind"] for e in events] == ["submitted", "transition"], events


def test_the_owner_reaches_their_own_complaint(world: World) -> None:
    owner = headers_of(world.app, "citizen")
    assert _get(world, owner).status_code == 200
    assert world.complaint_id in [c["id"] for c in _list(world, owner).get_json()["items"]]
    assert _comment(world, owner).status_code == 201
    assert _upload(world, owner).status_code == 201
    assert _withdraw(world, owner).status_code == 200
    assert _reject(world, owner).status_code == 403  # only the verifier rejects


@pytest.mark.parametrize("role", ["officer", "agency_head"])
def test_agency_staff_see_nothing_before_verification(app, client, role) -> None:
    receipt = file_complaint(client, headers_of(app, "citizen"))
    headers = headers_of(app, role)
    assert client.get(f"/api/v1/complaints/{receipt['id']}", headers=headers).status_code == 404
    listed = client.get("/api/v1/complaints", headers=headers).get_json()["items"]
    assert receipt["id"] not in [c["id"] for c in listed]
    verify(client, receipt["id"])
    assert client.get(f"/api/v1/complaints/{receipt['id']}", headers=headers).status_code == 200


def test_rerouted_complaint_leaves_the_old_agency(world: World) -> None:
    rerouted = act(
        world.client,
        world.complaint_id,
        world.headers["verifier"],
        "reroute",
        reason="Bukan kewenangan Disdukcapil",
        agency_code="DPUPR",
    )
    assert rerouted.status_code == 200, rerouted.get_json()
    assert _get(world, world.headers["officer"]).status_code == 404
    assert _get(world, world.headers["officer_other_agency"]).status_code == 200


def test_a_disabled_users_token_stops_working(world: World) -> None:
    other = world.headers["other_citizen"]
    assert world.client.get("/api/v1/auth/me", headers=other).status_code == 200
    user = world.client.get("/api/v1/auth/me", headers=other).get_json()
    changed = world.client.patch(
        f"/api/v1/users/{user['id']}", json={"is_active": False}, headers=world.headers["admin"]
    )
    assert changed.status_code == 200
    assert world.client.get("/api/v1/auth/me", headers=other).status_code == 401


def test_role_or_agency_change_ends_the_old_tokens(world: World) -> None:
    officer = world.headers["officer"]
    assert _get(world, officer).status_code == 200
    me = world.client.get("/api/v1/auth/me", headers=officer).get_json()
    moved = world.client.patch(
        f"/api/v1/users/{me['id']}", json={"agency_code": "DPUPR"}, headers=world.headers["admin"]
    )
    assert moved.status_code == 200, moved.get_json()
    response = _get(world, officer)
    assert response.status_code == 401
    assert problem_code(response) == "invalid_token"


def test_a_deactivated_clients_tokens_stop_working(world: World) -> None:
    reader = world.headers["client_read_public"]
    assert world.client.get("/api/v1/public/complaints", headers=reader).status_code == 200
    with world.app.app_context():
        for row in db.session.scalars(select(ApiClient)):
            row.is_active = False
        db.session.commit()
    response = world.client.get("/api/v1/public/complaints", headers=reader)
    assert response.status_code == 401


def test_internal_notes_and_files_stay_with_staff(world: World) -> None:
    cid = world.complaint_id
    verifier = world.headers["verifier"]
    note = world.client.post(
        f"/api/v1/complaints/{cid}/comments",
        headers=verifier,
        json={"body": "Catatan internal rahasia", "visibility": "internal"},
    )
    assert note.status_code == 201
    upload = world.client.post(
        f"/api/v1/complaints/{cid}/attachments",
        headers=verifier,
        data={"visibility": "internal", "file": (io.BytesIO(png_bytes()), "memo.png")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201
    attachment_id = upload.get_json()["id"]
    content = f"/api/v1/complaints/{cid}/attachments/{attachment_id}/content"

    owner = headers_of(world.app, "citizen")
    for headers, sees in (
        (owner, False),
        (world.headers["officer"], True),
        (world.headers["supervisor"], True),
    ):
        events = world.client.get(f"/api/v1/complaints/{cid}/events", headers=headers)
        assert ("Catatan internal rahasia" in events.get_data(as_text=True)) is sees
        files = world.client.get(f"/api/v1/complaints/{cid}/attachments", headers=headers)
        assert ([f["id"] for f in files.get_json()] == [attachment_id]) is sees
        assert world.client.get(content, headers=headers).status_code == (200 if sees else 404)
    assert world.client.get(content, headers=world.headers["other_citizen"]).status_code == 404
    assert world.client.get(content).status_code == 401
    # the owner cannot write internal notes
    refused = world.client.post(
        f"/api/v1/complaints/{cid}/comments",
        headers=owner,
        json={"body": "x", "visibility": "internal"},
    )
    assert refused.status_code == 403
