"""Breach reports (issue 3, item 12): listBreaches and getBreachSummary, scoped by role."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import time_machine
from sqlalchemy import select

from backend.extensions import db
from backend.scheduler import sweep_once
from backend.sla.models import SlaClock, SlaEscalation
from tests.factories import file_complaint
from tests.sla_helpers import act, file_backdated

BREACHES = "/api/v1/reports/breaches"
SUMMARY = "/api/v1/reports/breach-summary"


def _setup(app, client, verifier):
    old = file_backdated(client, verifier, 25)  # Disdukcapil
    newer = file_backdated(client, verifier, 18, category="PERIZINAN")  # DPMPTSP
    on_time = file_complaint(client)
    act(client, verifier, on_time["id"], action="verify")
    with app.app_context():
        sweep_once()
    return old, newer, on_time


def test_list_breaches_longest_overdue_first_with_the_sanction(app, client, headers_for):
    verifier = headers_for("verifier")
    old, newer, _ = _setup(app, client, verifier)
    body = client.get(BREACHES, headers=headers_for("supervisor")).get_json()
    assert [b["complaint_id"] for b in body["items"]] == [old["id"], newer["id"]]
    first = body["items"][0]
    assert first["tracking_code"] == old["tracking_code"] and first["agency"] == "DISDUKCAPIL"
    assert first["breached_at"] == first["due_at"]
    assert first["overdue_seconds"] > body["items"][1]["overdue_seconds"] > 0
    assert first["escalation_level"] >= 2
    assert "Pasal 54" in first["consequence"] and "penurunan gaji" in first["consequence"]

    only = client.get(BREACHES, query_string={"agency": "DPMPTSP"}, headers=verifier).get_json()
    assert [b["complaint_id"] for b in only["items"]] == [newer["id"]]
    assert (
        client.get(BREACHES, query_string={"clock": "decision"}, headers=verifier).get_json()[
            "items"
        ]
        == []
    )
    assert (
        client.get(BREACHES, query_string={"level": 3}, headers=verifier).get_json()["items"] == []
    )
    assert (
        client.get(BREACHES, query_string={"open": "true"}, headers=verifier).get_json()[
            "pagination"
        ]["total"]
        == 2
    )


def test_an_agency_head_sees_only_their_agency(app, client, headers_for):
    verifier = headers_for("verifier")
    old, _, _ = _setup(app, client, verifier)
    head = headers_for("agency_head")
    # an unscreened complaint is not the agency's to open yet, nor to see in reports (issue 13)
    assert client.get(BREACHES, headers=head).get_json()["items"] == []
    act(client, verifier, old["id"], action="verify")  # answered late: the breach stays
    body = client.get(BREACHES, headers=head).get_json()
    assert [b["complaint_id"] for b in body["items"]] == [old["id"]]
    assert client.get(BREACHES, query_string={"agency": "DPMPTSP"}, headers=head).status_code == 403
    assert client.get(BREACHES, headers=headers_for("officer")).status_code == 403
    assert client.get(BREACHES, headers=headers_for("citizen")).status_code == 403
    assert client.get(BREACHES).status_code == 401


def test_breach_summary_per_agency_and_clock(app, client, headers_for):
    verifier = headers_for("verifier")
    old, _, _ = _setup(app, client, verifier)
    act(client, verifier, old["id"], action="verify")  # answered, but late
    body = client.get(SUMMARY, headers=headers_for("supervisor")).get_json()
    rows = {(r["agency"], r["clock"]): r for r in body["rows"]}
    response = rows[("DISDUKCAPIL", "response")]
    assert (response["breached"], response["on_time"], response["finished"]) == (1, 1, 2)
    assert response["compliance_rate"] == 0.5
    assert response["median_seconds"] > 0
    assert response["p90_seconds"] >= response["median_seconds"]
    perizinan = rows[("DPMPTSP", "response")]
    assert (perizinan["open"], perizinan["overdue"], perizinan["compliance_rate"]) == (1, 1, 0.0)
    decision = rows[("DISDUKCAPIL", "decision")]
    assert decision["open"] == 2 and "jabatan" in decision["consequence"]
    head = client.get(SUMMARY, headers=headers_for("agency_head")).get_json()
    assert {r["agency"] for r in head["rows"]} == {"DISDUKCAPIL"}
    window = client.get(
        SUMMARY, query_string={"period_from": "2031-01-01T00:00:00+07:00"}, headers=verifier
    ).get_json()
    assert window["rows"] == []


def test_the_inspectorate_step_is_marked_for_the_ombudsman(app, client, headers_for):
    # a fixed date: received Mon 5 Oct 2026, due Mon 19 Oct (14 calendar days); the
    # inspectorate step fires when 10 working days more have passed: Mon 2 Nov, 24.00 WIB
    with time_machine.travel(datetime(2026, 11, 3, 3, 0, tzinfo=UTC), tick=False):
        verifier = headers_for("verifier")
        receipt = file_complaint(
            client, verifier, channel="letter", received_at="2026-10-05T09:00:00+07:00"
        )
        with app.app_context():
            sweep_once()
        marked = client.get(
            BREACHES, query_string={"ombudsman": "true"}, headers=headers_for("supervisor")
        ).get_json()
    assert [b["complaint_id"] for b in marked["items"]] == [receipt["id"]]
    assert marked["items"][0]["escalation_level"] == 3
    with app.app_context():
        steps = db.session.scalars(select(SlaEscalation).order_by(SlaEscalation.level)).all()
    assert [(s.step, s.for_ombudsman) for s in steps] == [
        ("agency_head", False),
        ("supervisor", False),
        ("inspectorate", True),
    ]


def _at_risk(client, headers):
    rows = client.get(SUMMARY, headers=headers).get_json()["rows"]
    return {(r["agency"], r["clock"]): (r["at_risk"], r["overdue"]) for r in rows}


def test_at_risk_counts_clocks_inside_the_warning_window(app, client, headers_for):
    # received Mon 5 Oct 2026: the response is due Mon 19 Oct (14 calendar days); the ladder's
    # warning fires 3 working days before, after Wed 14 Oct; received Wed 14 Oct: due Wed 28 Oct,
    # warned after Fri 23 Oct
    key = ("DISDUKCAPIL", "response")

    def at(day: int) -> Any:
        return time_machine.travel(datetime(2026, 10, day, 5, 0, tzinfo=UTC), tick=False)

    with at(14):
        verifier = headers_for("verifier")
        file_complaint(client, verifier, channel="letter", received_at="2026-10-05T09:00:00+07:00")
        file_complaint(client, verifier, channel="letter", received_at="2026-10-14T09:00:00+07:00")
        assert _at_risk(client, headers_for("supervisor"))[key] == (0, 0)
    with at(15):
        assert _at_risk(client, headers_for("supervisor"))[key] == (1, 0)
        assert _at_risk(client, headers_for("agency_head"))[key] == (1, 0)
    with at(20):
        # overdue is no longer "at risk"
        assert _at_risk(client, headers_for("supervisor"))[key] == (0, 1)
    with at(26):
        assert _at_risk(client, headers_for("supervisor"))[key] == (1, 1)


def test_finished_and_open_breaches_merge_by_lateness_across_pages(app, client, headers_for):
    # the list reads breaches still open (lateness grows with now) and finished ones (lateness
    # fixed at the stop, `late_seconds`) from two indexes and merges them page by page
    verifier = headers_for("verifier")
    old, newer, _ = _setup(app, client, verifier)
    act(client, verifier, old["id"], action="verify")  # answered 11 days late: a finished breach
    supervisor = headers_for("supervisor")
    pages = [
        client.get(BREACHES, query_string={"per_page": 1, "page": n}, headers=supervisor).get_json()
        for n in (1, 2, 3)
    ]
    assert [[b["complaint_id"] for b in p["items"]] for p in pages] == [
        [old["id"]],
        [newer["id"]],
        [],
    ]
    assert {(p["pagination"]["total"], p["pagination"]["total_exact"]) for p in pages} == {
        (2, True)
    }
    finished = pages[0]["items"][0]
    assert finished["state"] == "stopped" and finished["stopped_at"] is not None
    with app.app_context():
        clock = db.session.get(SlaClock, finished["clock_id"])
        assert clock.late_seconds == (clock.stopped_at - clock.due_at).total_seconds() > 0
        assert int(clock.late_seconds) == finished["overdue_seconds"]
    still_open = client.get(BREACHES, query_string={"open": "true"}, headers=supervisor)
    assert [b["complaint_id"] for b in still_open.get_json()["items"]] == [newer["id"]]
