"""No open complaint is ever without a running deadline (issue 14, item 5).

Fault: after the citizen supplied the missing information (`complete_info`), the complaint went
back to `submitted` with its completion clock stopped and no clock of the institution running,
so it could wait for a verifier for ever without a breach. Now the completed file starts the
verification clock (44(3)'s response on the completed material, 14 days by default, set by the
category's policy), which is shown, swept and escalated like the other clocks of the
institution.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import text

from backend.complaints.actions import ACTIONS
from backend.complaints.models import Status
from backend.extensions import db
from backend.sla.models import STAFF_CLOCKS
from tests.api.fault_helpers import frozen
from tests.conftest import ROLE_EMAILS, user_by_email
from tests.factories import PolicyPayloadFactory, file_complaint
from tests.sla_helpers import act as act_ok

URL = "/api/v1/complaints"
MONDAY = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)  # Monday 10:00 WIB, far from Lebaran
OPEN_CLOCK = ("running", "paused")
# who takes each action in the walk (a role the permission table allows)
ACTOR = {
    "verify": "verifier",
    "request_info": "verifier",
    "complete_info": "citizen",
    "reroute": "verifier",
    "assign": "agency_head",
    "start": "officer",
    "decide": "officer",
    "deliver": "officer",
    "close": "citizen",
    "reopen": "citizen",
    "reject": "verifier",
    "withdraw": "citizen",
    "postpone": "verifier",
    "resume": "verifier",
}
# the clock of the institution that must run while the complaint waits on it
WAITING_ON_INSTITUTION = {
    Status.VERIFIED: "decision",
    Status.IN_PROGRESS: "decision",
}
ENDED = {Status.CLOSED, Status.REJECTED, Status.WITHDRAWN}


def _body(action: str, officer_id: int) -> dict[str, Any]:
    """What each action needs besides its name."""
    needs: dict[str, dict[str, Any]] = {
        "request_info": {"reason": "Lampirkan foto KK"},
        "reroute": {"reason": "Salah instansi", "agency_code": "DISDUKCAPIL"},
        "assign": {"officer_id": officer_id},
        "decide": {"decision": "KTP-el dicetak"},
        "deliver": {"delivery_channel": "email"},
        "reopen": {"reason": "Belum selesai"},
        "reject": {"reason": "Bukan kewenangan", "resolution_code": "outside_authority"},
        "withdraw": {"reason": "Sudah selesai sendiri"},
        "postpone": {"reason": "Menunggu data Kemendagri"},
    }
    return {"action": action, **needs.get(action, {})}


def _complaint(client: FlaskClient, headers: dict[str, str], complaint_id: int) -> Any:
    response = client.get(f"{URL}/{complaint_id}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response


def _latest_clocks(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for clock in body["clocks"]:
        if clock["kind"] not in latest or clock["cycle"] > latest[clock["kind"]]["cycle"]:
            latest[clock["kind"]] = clock
    return latest


def _state(body: dict[str, Any]) -> tuple[str, bool, bool, bool]:
    """The part of a complaint the state machine acts on (what the walk tells apart)."""
    kinds = {clock["kind"] for clock in body["clocks"]}
    return (
        body["status"],
        body["delivered_at"] is not None,
        any(clock["state"] == "paused" for clock in body["clocks"]),
        "completion" in kinds,
    )


def _check_deadlines(body: dict[str, Any], path: list[str], now: datetime) -> None:
    """The invariant: a complaint waiting on the institution has exactly one open clock of the
    institution (running, or held by a postponement), one waiting on the citizen has the
    citizen's running deadline, and an ended complaint has none."""
    where = f"after {' -> '.join(path)}"
    latest = _latest_clocks(body)
    open_clocks = {kind: c for kind, c in latest.items() if c["state"] in OPEN_CLOCK}
    institution = {kind for kind in open_clocks if kind in STAFF_CLOCKS}
    status = body["status"]
    for clock in open_clocks.values():
        if clock["state"] == "running":
            assert datetime.fromisoformat(clock["due_at"]) > now, where
    if status in ENDED:
        assert not open_clocks, where
        return
    if status == Status.INCOMPLETE:
        assert set(open_clocks) == {"completion"}, where
        assert open_clocks["completion"]["state"] == "running", where
        return
    if status == Status.DECIDED and body["delivered_at"] is not None:
        # the institution has answered: the complainant's dispute window runs
        assert not open_clocks, where
        assert datetime.fromisoformat(body["dispute_window_ends_at"]) > now, where
        return
    if status == Status.SUBMITTED:
        expected = "verification" if "completion" in latest else "response"
    elif status == Status.DECIDED:
        expected = "delivery"
    else:
        expected = WAITING_ON_INSTITUTION[Status(status)]
    assert institution == {expected}, f"{where}: open {sorted(open_clocks)}, wanted {expected}"
    held = open_clocks[expected]["state"] == "paused"
    assert held == _held_since_postponed(path), where


def _held_since_postponed(path: list[str]) -> bool:
    """Whether the last postponement in `path` has not been resumed or ended by a stop."""
    for action in reversed(path):
        if action not in ACTIONS:  # the filing
            return False
        if action == "postpone":
            return True
        if action == "resume" or ACTIONS[action].stops or ACTIONS[action].starts:
            return False
    return False


def test_every_path_of_the_state_machine_keeps_a_running_deadline(app, client, headers_for):
    """Walks the lifecycle from filing through every action each state allows, on a new
    complaint per path, until no action leads to a state not seen yet; checks the invariant of
    `_check_deadlines` after every step."""
    officer_id = user_by_email(app, ROLE_EMAILS["officer"]).id
    taken: set[tuple[tuple[str, bool, bool, bool], str]] = set()
    seen: set[tuple[str, bool, bool, bool]] = set()
    with frozen(MONDAY):
        heads = {role: headers_for(role) for role in set(ACTOR.values())}
        to_explore: list[list[str]] = [[]]
        while to_explore:
            path = to_explore.pop(0)
            cid = file_complaint(client, heads["citizen"], complainant=None)["id"]
            for step in path:
                act_ok(client, heads[ACTOR[step]], cid, **_body(step, officer_id))
            staff = _complaint(client, heads["verifier"], cid).get_json()
            _check_deadlines(staff, path or ["submit"], datetime.now(UTC))
            state = _state(staff)
            if state in seen:
                continue
            seen.add(state)
            for action, role in ACTOR.items():
                # agency staff see a complaint only once it is verified (404 before)
                seen_by_role = client.get(f"{URL}/{cid}", headers=heads[role])
                allowed = seen_by_role.get_json().get("allowed_actions", [])
                if action in allowed and (state, action) not in taken:
                    taken.add((state, action))
                    to_explore.append([*path, action])
    statuses = {state[0] for state in seen}
    assert statuses == {str(status) for status in Status}, statuses
    # every action of the table was taken from somewhere, and complete_info both ways round
    assert {action for _, action in taken} == set(ACTIONS)
    assert ("submitted", False, False, True) in seen
    assert ("submitted", False, True, True) in seen  # the verification clock held by a tunda


def test_the_completed_file_starts_the_verification_clock(client, headers_for):
    with frozen(MONDAY):
        verifier, citizen = headers_for("verifier"), headers_for("citizen")
        cid = file_complaint(client, citizen, complainant=None)["id"]
        act_ok(client, verifier, cid, action="request_info", reason="Lampirkan foto KK")
        # Thursday 12 March, 14:00 WIB (sessions have expired since: sign in again)
        with frozen(MONDAY + timedelta(days=3, hours=4)):
            verifier, citizen = headers_for("verifier"), headers_for("citizen")
            body = act_ok(client, citizen, cid, action="complete_info")
            clock = _latest_clocks(body)["verification"]
            assert (clock["state"], clock["days"], clock["unit"]) == (
                "running",
                14,
                "calendar_day",
            )
            assert clock["started_at"].startswith("2026-03-12T14:00")
            # 14 calendar days from 12 March, to the end of the day, local time
            assert clock["due_at"] == "2026-03-26T23:59:59+07:00"
            events = client.get(f"{URL}/{cid}/events", headers=verifier).get_json()
            assert events[-1]["data"]["clocks_started"][0]["kind"] == "verification"
            verified = act_ok(client, verifier, cid, action="verify")
    latest = _latest_clocks(verified)
    assert latest["verification"]["state"] == "stopped"
    assert latest["decision"]["state"] == "running"


def test_a_category_policy_sets_the_verification_clock(client, headers_for):
    with frozen(MONDAY):
        admin, verifier = headers_for("admin"), headers_for("verifier")
        citizen = headers_for("citizen")
        created = client.post(
            "/api/v1/sla/policies",
            headers=admin,
            json=PolicyPayloadFactory(rules={"verification": {"days": 5, "unit": "working_day"}}),
        )
        assert created.status_code == 201, created.get_json()
        cid = file_complaint(client, citizen, complainant=None, category="ADMINDUK")["id"]
        act_ok(client, verifier, cid, action="request_info", reason="Lampirkan foto KK")
        body = act_ok(client, citizen, cid, action="complete_info")
    clock = _latest_clocks(body)["verification"]
    assert (clock["days"], clock["unit"]) == (5, "working_day")
    # Monday 9 March + 5 working days is Monday 16 March (Nyepi, 19 March, comes later)
    assert clock["due_at"].startswith("2026-03-16T23:59:59")


def test_a_verification_clock_left_unanswered_is_swept_escalated_and_reported(
    app, client, headers_for
):
    with frozen(MONDAY) as traveller:
        verifier, citizen = headers_for("verifier"), headers_for("citizen")
        cid = file_complaint(client, citizen, complainant=None)["id"]
        act_ok(client, verifier, cid, action="request_info", reason="Lampirkan foto KK")
        act_ok(client, citizen, cid, action="complete_info")
        traveller.shift(timedelta(days=16))
        verifier = headers_for("verifier")
        swept = app.test_cli_runner().invoke(args=["sla", "sweep"])
        assert swept.exit_code == 0, swept.output
        breaches = client.get(
            "/api/v1/reports/breaches",
            headers=headers_for("supervisor"),
            query_string={"clock": "verification"},
        )
        assert breaches.status_code == 200, breaches.get_json()
        [item] = [i for i in breaches.get_json()["items"] if i["complaint_id"] == cid]
        assert item["escalation_level"] >= 1
        assert "Pasal 54 ayat (3)" in item["consequence"]
        body = _complaint(client, verifier, cid).get_json()
        assert _latest_clocks(body)["verification"]["breached_at"] is not None


def test_complaints_completed_before_the_upgrade_get_their_clock_once(app, client, headers_for):
    """A complaint completed before this clock existed had none running: the upgrade's command
    starts it, counted from the completion, and a second run starts nothing."""
    with frozen(MONDAY) as traveller:
        verifier, citizen = headers_for("verifier"), headers_for("citizen")
        cid = file_complaint(client, citizen, complainant=None)["id"]
        act_ok(client, verifier, cid, action="request_info", reason="Lampirkan foto KK")
        completed = act_ok(client, citizen, cid, action="complete_info")
        completed_at = _latest_clocks(completed)["verification"]["started_at"]
        with app.app_context():  # the complaint as an older version left it
            db.session.execute(
                text("DELETE FROM sla_clocks WHERE complaint_id = :id AND kind = 'verification'"),
                {"id": cid},
            )
            db.session.commit()
        traveller.shift(timedelta(days=2))
        runner = app.test_cli_runner()
        first = runner.invoke(args=["complaints", "start-missing-clocks"])
        assert first.exit_code == 0, first.output
        assert "verification clocks started: 1" in first.output
        again = runner.invoke(args=["complaints", "start-missing-clocks"])
        assert "verification clocks started: 0" in again.output
        body = _complaint(client, headers_for("verifier"), cid).get_json()
    clock = _latest_clocks(body)["verification"]
    assert clock["state"] == "running" and clock["started_at"] == completed_at
