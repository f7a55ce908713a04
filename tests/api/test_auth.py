"""Accounts and tokens (issue 2, items 6 and 7): register, login, cookies + CSRF, refresh
rotation, logout revocation, API clients with scopes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from backend.auth.models import User
from backend.complaints.models import Complaint
from backend.demo import DEMO_PASSWORD
from backend.extensions import db
from tests.conftest import ROLE_EMAILS, user_by_email
from tests.factories import ApiClientPayloadFactory, ComplaintPayloadFactory, file_complaint

PASSWORD = "kata-sandi-yang-panjang"


def _register(client, email: str = "ani@contoh.id", **extra: Any):
    body = {"email": email, "password": PASSWORD, "full_name": "Ani Lestari", **extra}
    return client.post("/api/v1/auth/register", json=body)


def _login(client, email: str = "ani@contoh.id", password: str = PASSWORD, **extra: Any):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password, **extra})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _set_cookies(response) -> dict[str, str]:
    """Set-Cookie headers by cookie name."""
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        name = header.split("=", 1)[0]
        cookies[name] = header
    return cookies


def _problem(response, status: int, code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == code


# --- register and login ---------------------------------------------------------------------


def test_register_hashes_with_argon2_and_login_returns_tokens(app, client):
    registered = _register(client, email="Ani@Contoh.ID", phone="0812000111")
    assert registered.status_code == 201, registered.get_json()
    body = registered.get_json()
    assert body["role"] == "citizen"
    assert body["email"] == "ani@contoh.id"
    assert "password" not in body and "password_hash" not in body
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ani@contoh.id"))
        assert user is not None
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash

    login = _login(client)
    assert login.status_code == 200, login.get_json()
    tokens = login.get_json()
    assert tokens["access_token"] and tokens["refresh_token"]
    assert tokens["token_type"] == "Bearer"
    assert tokens["user"]["email"] == "ani@contoh.id"
    assert "access_token_cookie" not in _set_cookies(login)

    me = client.get("/api/v1/auth/me", headers=_bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.get_json()["full_name"] == "Ani Lestari"


def test_register_cannot_choose_a_staff_role_or_reuse_an_email(client):
    sneaky = _register(client, email="sneaky@contoh.id", role="admin")
    if sneaky.status_code == 201:
        assert sneaky.get_json()["role"] == "citizen"
    else:
        assert sneaky.status_code == 422
    assert _register(client, email="ani@contoh.id").status_code == 201
    _problem(_register(client, email="ANI@contoh.id"), 409, "email_taken")


def test_wrong_password_and_unknown_email_are_the_same_401(client):
    _register(client)
    _problem(_login(client, password="salah-sekali-123"), 401, "invalid_credentials")
    _problem(_login(client, email="tidak.ada@contoh.id"), 401, "invalid_credentials")


def test_disabled_account_cannot_log_in(client, headers_for):
    user = _register(client).get_json()
    changed = client.patch(
        f"/api/v1/users/{user['id']}", json={"is_active": False}, headers=headers_for("admin")
    )
    assert changed.status_code == 200, changed.get_json()
    response = _login(client)
    _problem(response, 401, "account_disabled")
    assert "access_token" not in response.get_json()
    # a wrong password does not tell that the account exists but is disabled
    _problem(_login(client, password="salah-sekali-123"), 401, "invalid_credentials")


def test_disabled_account_cannot_refresh(client, headers_for):
    user = _register(client).get_json()
    tokens = _login(client).get_json()
    client.patch(
        f"/api/v1/users/{user['id']}", json={"is_active": False}, headers=headers_for("admin")
    )
    refreshed = client.post("/api/v1/auth/refresh", headers=_bearer(tokens["refresh_token"]))
    assert refreshed.status_code == 401


# --- browser flow: httpOnly cookies and CSRF ------------------------------------------------


def test_cookie_login_sets_httponly_cookies_and_no_tokens_in_body(client):
    _register(client)
    login = _login(client, session="cookie")
    assert login.status_code == 200, login.get_json()
    body = login.get_json()
    assert "access_token" not in body and "refresh_token" not in body
    assert body["csrf_token"]
    assert body["user"]["email"] == "ani@contoh.id"
    cookies = _set_cookies(login)
    for name in ("access_token_cookie", "refresh_token_cookie"):
        assert "HttpOnly" in cookies[name], cookies[name]
    for name in ("csrf_access_token", "csrf_refresh_token"):
        assert "HttpOnly" not in cookies[name], cookies[name]
    assert "SameSite=Lax" in cookies["access_token_cookie"]
    assert body["csrf_token"] in cookies["csrf_access_token"]


def test_cookie_post_needs_the_csrf_header(client):
    _register(client)
    csrf = _login(client, session="cookie").get_json()["csrf_token"]
    me = client.get("/api/v1/auth/me")  # reads need no CSRF header
    assert me.status_code == 200
    assert me.get_json()["email"] == "ani@contoh.id"

    refused = client.post("/api/v1/complaints", json=ComplaintPayloadFactory(privacy="private"))
    _problem(refused, 401, "csrf_failed")
    wrong = client.post(
        "/api/v1/complaints",
        json=ComplaintPayloadFactory(privacy="private"),
        headers={"X-CSRF-TOKEN": "not-the-token"},
    )
    _problem(wrong, 401, "csrf_failed")

    accepted = client.post(
        "/api/v1/complaints",
        json=ComplaintPayloadFactory(privacy="private"),
        headers={"X-CSRF-TOKEN": csrf},
    )
    assert accepted.status_code == 201, accepted.get_json()
    mine = client.get("/api/v1/complaints").get_json()["items"]
    assert [c["id"] for c in mine] == [accepted.get_json()["id"]]


def test_cookie_refresh_rotates_and_logout_clears(client):
    _register(client)
    _login(client, session="cookie")
    old_refresh = client.get_cookie("refresh_token_cookie", path="/api/v1/auth/").value
    csrf_refresh = client.get_cookie("csrf_refresh_token").value

    _problem(client.post("/api/v1/auth/refresh"), 401, "csrf_failed")
    refreshed = client.post("/api/v1/auth/refresh", headers={"X-CSRF-TOKEN": csrf_refresh})
    assert refreshed.status_code == 200, refreshed.get_json()
    assert "refresh_token" not in refreshed.get_json()
    new_refresh = client.get_cookie("refresh_token_cookie", path="/api/v1/auth/").value
    assert new_refresh != old_refresh
    # the rotated-out refresh token no longer works, even as a bearer
    _problem(
        client.post("/api/v1/auth/refresh", headers=_bearer(old_refresh)), 401, "invalid_token"
    )

    csrf = refreshed.get_json()["csrf_token"]
    _problem(client.post("/api/v1/auth/logout"), 401, "csrf_failed")
    out = client.post("/api/v1/auth/logout", headers={"X-CSRF-TOKEN": csrf})
    assert out.status_code == 204
    cleared = _set_cookies(out)
    assert "access_token_cookie" in cleared and "refresh_token_cookie" in cleared
    assert client.get_cookie("access_token_cookie", path="/api/") is None
    _problem(
        client.post("/api/v1/auth/refresh", headers=_bearer(new_refresh)), 401, "invalid_token"
    )


# --- token flow: refresh rotates, logout revokes ---------------------------------------------


def test_refresh_rotates_the_refresh_token(client):
    _register(client)
    tokens = _login(client).get_json()
    first = client.post("/api/v1/auth/refresh", headers=_bearer(tokens["refresh_token"]))
    assert first.status_code == 200, first.get_json()
    rotated = first.get_json()
    assert rotated["access_token"] and rotated["refresh_token"] != tokens["refresh_token"]
    me = client.get("/api/v1/auth/me", headers=_bearer(rotated["access_token"]))
    assert me.status_code == 200

    again = client.post("/api/v1/auth/refresh", headers=_bearer(tokens["refresh_token"]))
    _problem(again, 401, "invalid_token")
    # an access token is not a refresh token, and the other way round
    refused = client.post("/api/v1/auth/refresh", headers=_bearer(rotated["access_token"]))
    _problem(refused, 401, "invalid_token")
    assert (
        client.get("/api/v1/auth/me", headers=_bearer(rotated["refresh_token"])).status_code == 401
    )


def test_refresh_token_in_the_json_body_works_as_documented(client):
    _register(client)
    tokens = _login(client).get_json()
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.get_json()
    again = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    _problem(again, 401, "invalid_token")


def test_logout_revokes_access_and_refresh_tokens(client):
    _register(client)
    tokens = _login(client).get_json()
    out = client.post(
        "/api/v1/auth/logout",
        json={"refresh_token": tokens["refresh_token"]},
        headers=_bearer(tokens["access_token"]),
    )
    assert out.status_code == 204
    _problem(
        client.get("/api/v1/auth/me", headers=_bearer(tokens["access_token"])), 401, "invalid_token"
    )
    _problem(
        client.post("/api/v1/auth/refresh", headers=_bearer(tokens["refresh_token"])),
        401,
        "invalid_token",
    )


def test_no_token_and_garbage_token_are_401_problems(client):
    response = client.get("/api/v1/auth/me")
    _problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    _problem(client.get("/api/v1/auth/me", headers=_bearer("abc.def.ghi")), 401, "invalid_token")


# --- API clients ------------------------------------------------------------------------------


def make_api_client(client, admin_headers: dict[str, str], *scopes: str) -> dict[str, Any]:
    """Create an API client as admin and return its credentials and a bearer header."""
    created = client.post(
        "/api/v1/api-clients",
        json=ApiClientPayloadFactory(scopes=list(scopes)),
        headers=admin_headers,
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    token = client.post(
        "/api/v1/auth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": body["client_id"],
            "client_secret": body["client_secret"],
        },
    )
    assert token.status_code == 200, token.get_json()
    return {**body, "headers": _bearer(token.get_json()["access_token"]), "token": token.get_json()}


def test_api_client_secret_is_shown_once_and_stored_hashed(app, client, headers_for):
    admin = headers_for("admin")
    made = make_api_client(client, admin, "complaints:create")
    assert made["client_secret"] and made["scopes"] == ["complaints:create"]
    assert made["token"]["token_type"] == "Bearer"
    assert made["token"]["scope"] == "complaints:create"
    listed = client.get("/api/v1/api-clients", headers=admin).get_json()["items"]
    assert [c["client_id"] for c in listed] == [made["client_id"]]
    assert "client_secret" not in listed[0]
    assert made["client_secret"] not in client.get("/api/v1/api-clients", headers=admin).get_data(
        as_text=True
    )
    bad = client.post(
        "/api/v1/auth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": made["client_id"],
            "client_secret": "wrong",
        },
    )
    _problem(bad, 401, "invalid_credentials")


def test_only_admins_manage_api_clients(client, headers_for):
    body = ApiClientPayloadFactory(scopes=["complaints:create"])
    for role in ("citizen", "officer", "agency_head", "verifier", "supervisor"):
        response = client.post("/api/v1/api-clients", json=body, headers=headers_for(role))
        _problem(response, 403, "forbidden")
    _problem(client.post("/api/v1/api-clients", json=body), 401, "unauthorized")


def test_api_client_with_create_scope_files_complaints_on_the_api_channel(app, client, headers_for):
    filer = make_api_client(client, headers_for("admin"), "complaints:create")
    receipt = file_complaint(client, filer["headers"], privacy="public")
    assert receipt["channel"] == "api"
    with app.app_context():
        stored = db.session.get(Complaint, receipt["id"])
        assert stored is not None and stored.channel == "api" and stored.api_client_id

    # no read scope: cannot read even what it filed
    for path in (
        "/api/v1/complaints",
        f"/api/v1/complaints/{receipt['id']}",
        "/api/v1/public/complaints",
    ):
        _problem(client.get(path, headers=filer["headers"]), 403, "insufficient_scope")
    # and it is no user: user-only operations are closed to it
    _problem(client.get("/api/v1/auth/me", headers=filer["headers"]), 403, "insufficient_scope")
    _problem(
        client.post(
            f"/api/v1/complaints/{receipt['id']}/comments",
            json={"body": "hai"},
            headers=filer["headers"],
        ),
        403,
        "insufficient_scope",
    )


def test_read_own_scope_sees_only_its_own_filings(client, headers_for):
    admin = headers_for("admin")
    app_a = make_api_client(client, admin, "complaints:create", "complaints:read_own")
    app_b = make_api_client(client, admin, "complaints:create", "complaints:read_own")
    mine = file_complaint(client, app_a["headers"])
    theirs = file_complaint(client, app_b["headers"])
    citizens = file_complaint(client, headers_for("citizen"))

    listed = client.get("/api/v1/complaints", headers=app_a["headers"])
    assert listed.status_code == 200
    assert [c["id"] for c in listed.get_json()["items"]] == [mine["id"]]
    got = client.get(f"/api/v1/complaints/{mine['id']}", headers=app_a["headers"])
    assert got.status_code == 200
    assert got.get_json()["tracking_code"] == mine["tracking_code"]
    for other in (theirs, citizens):
        _problem(
            client.get(f"/api/v1/complaints/{other['id']}", headers=app_a["headers"]),
            404,
            "not_found",
        )
    # read_own is not read_public
    _problem(
        client.get("/api/v1/public/complaints", headers=app_a["headers"]), 403, "insufficient_scope"
    )


def test_read_public_scope_reads_the_public_list_only(client, headers_for):
    reader = make_api_client(client, headers_for("admin"), "complaints:read_public")
    public = client.get("/api/v1/public/complaints", headers=reader["headers"])
    assert public.status_code == 200
    assert "items" in public.get_json()
    _problem(client.get("/api/v1/complaints", headers=reader["headers"]), 403, "insufficient_scope")
    filed = client.post(
        "/api/v1/complaints", json=ComplaintPayloadFactory(), headers=reader["headers"]
    )
    _problem(filed, 403, "insufficient_scope")


def test_deactivated_client_gets_no_token(client, headers_for):
    admin = headers_for("admin")
    made = make_api_client(client, admin, "complaints:create")
    gone = client.delete(f"/api/v1/api-clients/{made['id']}", headers=admin)
    assert gone.status_code == 200
    assert gone.get_json()["is_active"] is False
    response = client.post(
        "/api/v1/auth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": made["client_id"],
            "client_secret": made["client_secret"],
        },
    )
    _problem(response, 401, "invalid_credentials")


@pytest.mark.parametrize("role", ["admin", "verifier", "officer", "citizen"])
def test_demo_accounts_log_in(client, role):
    from tests.conftest import ROLE_EMAILS

    response = _login(client, email=ROLE_EMAILS[role], password=DEMO_PASSWORD)
    assert response.status_code == 200
    assert response.get_json()["user"]["role"] == role


@pytest.mark.parametrize(
    "change", [{"is_active": False}, {"role": "verifier"}], ids=["deactivate", "demote"]
)
def test_an_admin_cannot_lock_themselves_out(app, client, headers_for, change):
    """Found by schemathesis on the 3.1 contract: an admin who deactivated or demoted their own
    account lost every token at once, and with it the only way back. Another admin may."""
    admin = headers_for("admin")
    me = user_by_email(app, ROLE_EMAILS["admin"]).id
    refused = client.patch(f"/api/v1/users/{me}", json=change, headers=admin)
    _problem(refused, 409, "own_access")
    assert "akun Anda sendiri" in refused.get_json()["detail"]
    assert client.get("/api/v1/auth/me", headers=admin).status_code == 200  # still signed in
    with app.app_context():
        user = db.session.get(User, me)
        assert user.is_active and user.role == "admin"
    # a change that keeps the access (the name) is allowed
    renamed = client.patch(f"/api/v1/users/{me}", json={"full_name": "Admin Kota"}, headers=admin)
    assert renamed.status_code == 200
