"""The public scorecard (issue 16, item 4): no login, data up to the end of yesterday (WIB),
small counts suppressed, nothing of a complaint but counts."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.api.fault_helpers import frozen
from tests.api.test_lifecycle import act, ok
from tests.factories import file_complaint

URL = "/api/v1/public/scorecard"
WIB = ZoneInfo("Asia/Jakarta")
# the day before the suite's frozen "now" (Wed 2 Dec 2026 10:00 WIB)
YESTERDAY = datetime(2026, 12, 1, 9, 0, tzinfo=WIB)


def _verified(client, headers_for, count, at=None, **overrides):
    """`count` complaints filed and verified (at `at`, else now); their receipts."""
    receipts = []
    for _ in range(count):
        if at is not None:
            with frozen(at):
                receipt = file_complaint(client, **overrides)
                ok(act(client, headers_for("verifier"), receipt["id"], action="verify"))
        else:
            receipt = file_complaint(client, **overrides)
            ok(act(client, headers_for("verifier"), receipt["id"], action="verify"))
        receipts.append(receipt)
    return receipts


def _month(body, month="2026-12"):
    return next(row for row in body["months"] if row["month"] == month)


def test_figures_match_a_hand_count_as_of_the_end_of_yesterday_without_login(client, headers_for):
    _verified(client, headers_for, 5, at=YESTERDAY)
    _verified(client, headers_for, 2)  # today: not in the scorecard yet
    file_complaint(client)  # yesterday's unverified complaint would not count either
    response = client.get(URL, query_string={"months": 3})
    body = ok(response)
    assert body["as_of"] == "2026-12-01T17:00:00+00:00"  # 2 Dec 00:00 WIB
    assert [row["month"] for row in body["months"]] == ["2026-10", "2026-11", "2026-12"]
    december = _month(body)
    assert december["received"] == {"value": 5, "suppressed": False}
    # all five answered (verified) the same day: every response deadline met
    assert december["compliance"]["response"] == {"value": 1.0, "suppressed": False, "judged": 5}
    assert december["breaches"] == {"value": 0, "suppressed": False}
    assert _month(body, "2026-11")["received"] == {"value": 0, "suppressed": False}


def test_a_count_under_five_is_suppressed_in_json_and_csv(client, headers_for):
    _verified(client, headers_for, 4, at=YESTERDAY)
    december = _month(ok(client.get(URL, query_string={"months": 1})))
    assert december["received"] == {"value": None, "suppressed": True}
    assert december["compliance"]["response"] == {
        "value": None,
        "suppressed": True,
        "judged": None,
    }
    for response in (
        client.get(f"{URL}.csv", query_string={"months": 1}),
        client.get(URL, query_string={"months": 1, "format": "csv"}),
    ):
        assert response.status_code == 200
        assert response.content_type.startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        assert [row["month"] for row in rows] == ["2026-12"]
        assert rows[0]["received"] == "<5"
        assert rows[0]["compliance_response"] == "<5"
        response.close()


def test_a_private_complaints_details_never_appear(client, headers_for):
    receipts = _verified(
        client,
        headers_for,
        5,
        at=YESTERDAY,
        privacy="private",
        title="Rahasia: pungutan liar di loket tujuh",
    )
    for response in (client.get(URL), client.get(f"{URL}.csv")):
        text = response.get_data(as_text=True)
        assert "pungutan liar" not in text
        for receipt in receipts:
            assert receipt["tracking_code"] not in text
        response.close()
    assert _month(ok(client.get(URL)))["received"]["value"] == 5


def test_per_agency_and_an_unknown_agency(client, headers_for):
    receipts = _verified(client, headers_for, 5, at=YESTERDAY)
    agency = ok(
        client.get(f"/api/v1/complaints/{receipts[0]['id']}", headers=headers_for("verifier"))
    )["agency"]
    code = agency["code"] if isinstance(agency, dict) else agency
    body = ok(client.get(URL, query_string={"agency": code, "months": 1}))
    assert body["agency"] == code
    assert _month(body)["received"]["value"] == 5
    assert client.get(URL, query_string={"agency": "TIDAK-ADA"}).status_code in (404, 422)
