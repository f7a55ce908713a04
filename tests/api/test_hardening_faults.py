"""Issue 13 (hardening): each fault reproduced from outside, before it is fixed.

Each test states the fault it reproduces and fails on the code before the fix for that reason.
They drive the HTTP API and read the tables with plain SQL.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import text

from tests.api.fault_helpers import (
    Outcomes,
    bearer,
    engine_of,
    frozen,
    is_problem,
    login,
    run_together,
)
from tests.factories import TrackRequestFactory, file_complaint

MONDAY = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)  # Monday 10:00 WIB
ROUNDS = 50


@pytest.fixture
def server_errors_as_responses(app, monkeypatch):
    """Unhandled errors answered as 500s, as in production (TESTING re-raises them)."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)


# --- 10. conflicting writes of one complaint -------------------------------------------------


def _timeline_gaps(app, complaint_ids: list[int]) -> dict[int, list[int]]:
    """Per complaint whose events are not numbered 1..n, the numbers it has."""
    with engine_of(app).connect() as connection:
        rows = connection.execute(
            text("SELECT complaint_id, seq FROM complaint_events ORDER BY complaint_id, seq")
        ).all()
    seqs: dict[int, list[int]] = defaultdict(list)
    for complaint_id, seq in rows:
        seqs[complaint_id].append(seq)
    return {
        cid: seqs[cid] for cid in complaint_ids if seqs[cid] != list(range(1, len(seqs[cid]) + 1))
    }


def _fire(app, outcomes: Outcomes, label: str, method: str, url: str, **kwargs) -> None:
    response = app.test_client().open(url, method=method, **kwargs)
    body = response.get_json(silent=True) if is_problem(response) else None
    outcomes.add(label, response.status_code, body)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return out.getvalue()


@pytest.mark.postgres
def test_conflicting_writes_of_one_complaint_never_answer_500(
    app, client, headers_for, server_errors_as_responses
):
    """Fault: two requests that change the same complaint at once (the same If-Match, or two
    comments) race on its version; the loser's StaleDataError (or the unique (complaint_id,
    seq) of the timeline) surfaced in an autoflush, outside the `_commit` that mapped it to
    409, and the caller got a 500 (49 of 50 tries; 89 of 160 comments).

    Fifty rounds of 8 requests at once on one complaint, each on its own client: two
    transitions and a privacy change with the same If-Match, two comments, two uploads and a
    reply by the holder of the code and PIN. No 500; every loser gets a 409 or 412 problem;
    at most one of the changes based on the ETag wins; every timeline stays numbered 1..n with
    its chain intact, and every stored file belongs to an attachment that was written.
    """
    outcomes = Outcomes()
    complaint_ids = []
    png = _png()
    uploads = Path(app.config["UPLOAD_DIR"])
    earlier = {path.name for path in uploads.glob("*")}  # other tests' files
    with frozen(MONDAY):
        verifier = headers_for("verifier")
        for round_ in range(ROUNDS):
            receipt = file_complaint(client)
            complaint_ids.append(receipt["id"])
            url = f"/api/v1/complaints/{receipt['id']}"
            etag = client.get(url, headers=verifier).headers["ETag"]
            based_on_etag = {**verifier, "If-Match": etag}
            fire = partial(_fire, app, outcomes)
            calls = [
                partial(fire, f"versioned {round_}", "POST", f"{url}/transitions",
                        json={"action": "verify"}, headers=based_on_etag),
                partial(fire, f"versioned {round_}", "POST", f"{url}/transitions",
                        json={"action": "request_info", "reason": "Lampirkan KK."},
                        headers=based_on_etag),
                partial(fire, f"versioned {round_}", "PUT", f"{url}/privacy",
                        json={"privacy": "confidential_identity"}, headers=based_on_etag),
                *(
                    partial(fire, f"comment {round_}", "POST", f"{url}/comments",
                            json={"body": f"Catatan {i}", "visibility": "internal"},
                            headers=verifier)
                    for i in range(2)
                ),
                *(
                    partial(fire, f"upload {round_}", "POST", f"{url}/attachments",
                            data={"file": (io.BytesIO(png), f"bukti-{i}.png"),
                                  "visibility": "internal"},
                            headers=verifier)
                    for i in range(2)
                ),
                partial(fire, f"reply {round_}", "POST", "/api/v1/track/replies",
                        json=TrackRequestFactory.of(receipt, message="Saya tambahkan keterangan.")),
            ]  # fmt: skip
            assert run_together(calls) == []
    statuses = Counter(status for _label, status, _body in outcomes.seen)
    assert statuses[500] == 0, f"{statuses[500]} answers of 500: {dict(statuses)}"
    losers = [(label, status, body) for label, status, body in outcomes.seen if status >= 300]
    assert all(status in (409, 412) and body for _label, status, body in losers), losers
    winners = Counter(label for label, status, _body in outcomes.seen if status == 200)
    assert all(winners[f"versioned {n}"] <= 1 for n in range(ROUNDS)), winners
    assert _timeline_gaps(app, complaint_ids) == {}
    verified = app.test_cli_runner().invoke(args=["timeline", "verify"])
    assert verified.exit_code == 0, verified.output
    with engine_of(app).connect() as connection:
        keys = set(connection.execute(text("SELECT storage_key FROM attachments")).scalars())
    stored = {path.name for path in uploads.glob("*")} - earlier
    assert stored == keys  # no file of a rolled-back upload, none missing


# --- 14. tokens that outlive a change of the account ---------------------------------------

OFFICER = "petugas.disdukcapil@demo.aduan.id"


def _officer_id(app) -> int:
    with engine_of(app).connect() as connection:
        return connection.execute(
            text("SELECT id FROM users WHERE email = :email"), {"email": OFFICER}
        ).scalar_one()


def _patch_officer(client, app, admin, changes: dict[str, Any]) -> None:
    response = client.patch(f"/api/v1/users/{_officer_id(app)}", json=changes, headers=admin)
    assert response.status_code == 200, response.get_json()


def _still_work(client, tokens: dict[str, str]) -> dict[str, int]:
    """What the old tokens get now: the access token on getCurrentUser, the refresh token on
    refreshToken (a refresh is tried last: it rotates)."""
    return {
        "access": client.get("/api/v1/auth/me", headers=bearer(tokens["access"])).status_code,
        "refresh": client.post(
            "/api/v1/auth/refresh", headers=bearer(tokens["refresh"])
        ).status_code,
    }


def test_a_password_reset_ends_the_old_refresh_token(app, client, headers_for):
    """Fault: an admin who resets a user's password (updateUser with `password`) leaves the
    user's refresh tokens working: whoever took the account keeps it for 14 days of refreshes.
    A token is only checked against the account's active flag, role and agency.
    """
    with frozen(MONDAY):
        tokens = login(client, OFFICER)
        _patch_officer(client, app, headers_for("admin"), {"password": "kata-sandi-baru-2026"})
        refreshed = client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh"]))
    assert refreshed.status_code == 401, "the old refresh token still refreshes"


@pytest.mark.parametrize(
    ("away", "back"),
    [
        pytest.param({"is_active": False}, {"is_active": True}, id="deactivated-reactivated"),
        pytest.param({"agency_code": "DPMPTSP"}, {"agency_code": "DISDUKCAPIL"}, id="moved-back"),
        pytest.param({"role": "agency_head"}, {"role": "officer"}, id="role-changed-back"),
    ],
)
def test_tokens_do_not_come_back_to_life(app, client, headers_for, away, back):
    """Fault: a token is in force while the account's active flag, role and agency equal its
    claims, so a token cut off by deactivating the account (or moving it to another agency)
    works again as soon as the account is reactivated (or moved back): tokens taken before,
    perhaps the very reason for the deactivation, return with it.
    """
    with frozen(MONDAY):
        admin = headers_for("admin")
        tokens = login(client, OFFICER)
        _patch_officer(client, app, admin, away)
        assert _still_work(client, tokens)["access"] == 401  # cut off, as intended
        _patch_officer(client, app, admin, back)
        again = _still_work(client, tokens)
    assert again == {"access": 401, "refresh": 401}


# --- 15. tracking tells a real code from an unknown one --------------------------------------


def _unknown_code(code: str) -> str:
    """A well-formed tracking code other than `code`."""
    last = "0" if code[-1] != "0" else "1"
    return code[:-1] + last


def test_a_locked_code_answers_like_an_unknown_one(app, client):
    """Fault: after TRACKING_MAX_FAILURES wrong PINs a real code answers 429 (locked) while an
    unknown code still answers 404: an attacker learns which codes exist by spending five
    guesses on each, and can then lock real citizens out.

    Every attempt on the real code with a wrong PIN and on an unknown code must get the same
    status and body, before and after the lockout.
    """
    with frozen(MONDAY):
        receipt = file_complaint(client)
        wrong = "000000" if receipt["pin"] != "000000" else "111111"
        answers = []
        for _ in range(app.config["TRACKING_MAX_FAILURES"] + 2):
            real = client.post("/api/v1/track", json=TrackRequestFactory.of(receipt, pin=wrong))
            unknown = client.post(
                "/api/v1/track",
                json=TrackRequestFactory(code=_unknown_code(receipt["tracking_code"]), pin=wrong),
            )
            answers.append(
                ((real.status_code, real.get_json()), (unknown.status_code, unknown.get_json()))
            )
    differing = [(n + 1, pair) for n, pair in enumerate(answers) if pair[0] != pair[1]]
    assert differing == [], "attempt n: (real code, unknown code)"


# --- 16. breaches of complaints the agency may not see yet -----------------------------------


def test_an_agency_head_sees_no_breach_of_a_complaint_hidden_from_them(app, client, headers_for):
    """Fault: agency staff see a complaint only once it is verified (getComplaint answers 404
    before), but listBreaches shows the agency head every breached clock of the agency, with
    the complaint's id and tracking code, verified or not.

    A complaint routed to DISDUKCAPIL (the demo agency head's) is left unverified past its
    14-day response deadline and swept; no breach listed for the agency head may name a
    complaint getComplaint denies them.
    """
    with frozen(MONDAY) as traveller:
        receipt = file_complaint(client)  # ADMINDUK: routed to DISDUKCAPIL, not yet verified
        assert receipt["agency"] == "DISDUKCAPIL"
        traveller.shift(timedelta(days=16))
        swept = app.test_cli_runner().invoke(args=["sla", "sweep"])
        assert swept.exit_code == 0, swept.output
        everything = client.get("/api/v1/reports/breaches", headers=headers_for("supervisor"))
        assert receipt["id"] in {item["complaint_id"] for item in everything.get_json()["items"]}
        head = headers_for("agency_head")
        listed = client.get("/api/v1/reports/breaches", headers=head)
        assert listed.status_code == 200, listed.get_json()
        shown = {
            item["complaint_id"]: client.get(
                f"/api/v1/complaints/{item['complaint_id']}", headers=head
            ).status_code
            for item in listed.get_json()["items"]
        }
    assert {cid: status for cid, status in shown.items() if status != 200} == {}
