"""Lists and reports show a caller only complaints that getComplaint lets them open
(issue 13, item 10): an agency head saw the id and code of an unverified complaint in
listBreaches while getComplaint answered 404."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from backend import scheduler
from tests.conftest import ROLE_EMAILS
from tests.factories import ComplaintPayloadFactory
from tests.sla_helpers import act, file_backdated, now

URL = "/api/v1"


def _all_pages(client: Any, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    items, page = [], 1
    while True:
        response = client.get(path, query_string={"page": page, "per_page": 100}, headers=headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        items.extend(body["items"])
        if page >= body["pagination"]["pages"]:
            return items
        page += 1


@pytest.fixture
def world(app, client, headers_for) -> dict[str, Any]:
    """Breached complaints of the demo agency head's agency, screened and not, another
    agency's, a public one, and the citizen's own."""
    verifier = headers_for("verifier")
    unscreened = file_backdated(client, verifier, days_ago=20)  # ADMINDUK -> DISDUKCAPIL
    screened = file_backdated(client, verifier, days_ago=20)
    act(client, verifier, screened["id"], action="verify")
    elsewhere = file_backdated(client, verifier, days_ago=20, category="JALAN-DRAINASE")
    act(client, verifier, elsewhere["id"], action="verify")
    public = client.post(
        f"{URL}/complaints", json=ComplaintPayloadFactory(privacy="public")
    ).get_json()
    act(client, verifier, public["id"], action="verify")
    own = client.post(
        f"{URL}/complaints", json=ComplaintPayloadFactory(), headers=headers_for("citizen")
    ).get_json()
    with app.app_context(), time_machine.travel(now(), tick=True):
        scheduler.sweep_once()
    return {"unscreened": unscreened["id"], "screened": screened["id"], "own": own["id"]}


@pytest.mark.parametrize("role", [*ROLE_EMAILS, None])
def test_every_list_and_report_shows_only_complaints_the_caller_may_open(
    client, headers_for, world, role
):
    headers = headers_for(role) if role else {}
    listed: dict[str, set[int]] = {}
    complaints = client.get(f"{URL}/complaints", headers=headers)
    if complaints.status_code == 200:
        listed["listComplaints"] = {
            c["id"] for c in _all_pages(client, f"{URL}/complaints", headers)
        }
    breaches = client.get(f"{URL}/reports/breaches", headers=headers)
    if breaches.status_code == 200:
        listed["listBreaches"] = {
            b["complaint_id"] for b in _all_pages(client, f"{URL}/reports/breaches", headers)
        }
    listed["listPublicComplaints"] = {
        c["id"] for c in _all_pages(client, f"{URL}/public/complaints", headers)
    }
    every_id = set().union(*listed.values()) | set(world.values())
    opens = {
        cid
        for cid in every_id
        if client.get(f"{URL}/complaints/{cid}", headers=headers).status_code == 200
    }
    for name, ids in listed.items():
        if name == "listPublicComplaints":
            continue  # the public list is public: its items are readable by everybody there
        assert ids <= opens, (role, name, ids - opens)
    if role == "agency_head":
        assert world["unscreened"] not in listed["listBreaches"]
        assert world["screened"] in listed["listBreaches"]
    if role == "citizen":
        assert listed["listComplaints"] == {world["own"]}
