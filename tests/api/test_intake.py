"""Intake (issue 2, items 9-11): Pasal 42(3) contents, assisted intake, the receipt, idempotency."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from backend.complaints import intake
from backend.complaints.codes import CODE_ALPHABET
from backend.complaints.models import Complaint, ComplaintEvent
from backend.extensions import db
from tests.conftest import WIB
from tests.factories import ComplaintPayloadFactory, file_complaint

URL = "/api/v1/complaints"
ASSISTED = ["walk_in", "telephone", "letter", "whatsapp", "sms", "email"]


def count_complaints(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Complaint))


def get_complaint(client, headers, complaint_id):
    response = client.get(f"{URL}/{complaint_id}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def assert_problem(response, status, field=None, code=None):
    assert response.status_code == status, response.get_json()
    assert response.content_type.startswith("application/problem+json")
    body = response.get_json()
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code
    if field is not None:
        assert field in body["errors"], body
    return body


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


# --- item 9: the contents of Pasal 42(3) ----------------------------------------------------


def test_full_pasal_42_contents_are_kept(client, headers_for, frozen_at):
    today = frozen_at.astimezone(WIB).date()
    payload = ComplaintPayloadFactory(
        report_type="aspirasi",
        privacy="public",
        channel="web",
        source="service_recipient",
        complainant={
            "kind": "group",
            "name": "Warga RW 05 Baros",
            "email": "rw05@example.id",
            "address": "Jl. Baros No. 5, Cimahi",
            "representative_name": "Ujang Ketua RW",
            "representative_basis": "Surat kuasa 12 Mei 2026",
        },
        service_date=(today - timedelta(days=3)).isoformat(),
        incident_at="2026-05-01T09:30:00+07:00",
        address="Jl. Baros No. 5",
        latitude="-6.884100",
        longitude="107.541200",
        compensation_amount="250000.00",
        compensation_description="Ongkos bolak-balik ke kantor",
    )
    receipt = file_complaint(client, **{k: v for k, v in payload.items()})
    assert receipt["late_filing"] is False
    body = get_complaint(client, headers_for("verifier"), receipt["id"])
    assert body["report_type"] == "aspirasi"
    assert body["category"] == "ADMINDUK"
    assert body["privacy"] == "public"
    assert body["channel"] == "web"
    assert body["source"] == "service_recipient"
    assert body["loss_description"] == payload["loss_description"]
    assert body["remedy_requested"] == payload["remedy_requested"]
    assert body["incident_place"] == payload["incident_place"]
    assert parse(body["incident_at"]) == parse("2026-05-01T09:30:00+07:00")
    assert body["service_date"] == payload["service_date"]
    assert body["address"] == "Jl. Baros No. 5"
    assert body["kecamatan"] == "CMH-TGH"
    assert body["kelurahan"] == "Baros"
    assert body["latitude"] == "-6.884100"
    assert body["longitude"] == "107.541200"
    assert body["compensation_claimed"] is True
    assert body["compensation_amount"] == "250000.00"
    assert body["compensation_description"] == "Ongkos bolak-balik ke kantor"
    assert body["complainant"]["kind"] == "group"
    assert body["complainant"]["name"] == "Warga RW 05 Baros"
    assert body["complainant"]["representative_name"] == "Ujang Ketua RW"
    assert body["complainant"]["representative_basis"] == "Surat kuasa 12 Mei 2026"


@pytest.mark.parametrize("kind", ["person", "group", "organisation"])
@pytest.mark.parametrize("report_type", ["pengaduan", "aspirasi", "permintaan_informasi"])
def test_complainant_kinds_and_report_types(client, headers_for, kind, report_type):
    receipt = file_complaint(
        client,
        report_type=report_type,
        complainant={"kind": kind, "name": "PT Contoh" if kind == "organisation" else "Ani"},
    )
    body = get_complaint(client, headers_for("verifier"), receipt["id"])
    assert body["complainant"]["kind"] == kind
    assert body["report_type"] == report_type


def test_unknown_complainant_kind_is_refused(client, app):
    before = count_complaints(app)
    response = client.post(
        URL, json=ComplaintPayloadFactory(complainant={"kind": "alien", "name": "X"})
    )
    assert_problem(response, 422)
    assert count_complaints(app) == before


def test_late_filing_is_accepted_and_flagged(client, headers_for, frozen_at):
    service_date = (frozen_at.astimezone(WIB).date() - timedelta(days=60)).isoformat()
    receipt = file_complaint(client, service_date=service_date)
    assert receipt["late_filing"] is True
    body = get_complaint(client, headers_for("verifier"), receipt["id"])
    assert body["late_filing"] is True
    assert body["status"] == "submitted"


def test_filing_within_30_days_is_not_late(client, frozen_at):
    service_date = frozen_at.astimezone(WIB).date() - timedelta(days=29)
    receipt = file_complaint(client, service_date=service_date.isoformat())
    assert receipt["late_filing"] is False


def test_kelurahan_outside_its_kecamatan_is_refused(client, app):
    before = count_complaints(app)
    response = client.post(
        URL, json=ComplaintPayloadFactory(kecamatan="CMH-UTR", kelurahan="Baros")
    )
    assert_problem(response, 422, field="kelurahan")
    assert count_complaints(app) == before


def test_unknown_kecamatan_and_category_are_refused(client, app):
    before = count_complaints(app)
    assert_problem(
        client.post(URL, json=ComplaintPayloadFactory(kecamatan="CMH-ZZZ", kelurahan=None)),
        422,
        field="kecamatan",
    )
    assert_problem(
        client.post(URL, json=ComplaintPayloadFactory(category="NOPE")), 422, field="category"
    )
    assert count_complaints(app) == before


def test_consent_stands_for_the_signature(client, app):
    before = count_complaints(app)
    payload = ComplaintPayloadFactory()
    del payload["consent"]
    assert_problem(client.post(URL, json=payload), 422, field="consent")
    assert_problem(
        client.post(URL, json=ComplaintPayloadFactory(consent=False)), 422, field="consent"
    )
    assert count_complaints(app) == before


def test_name_required_unless_anonymous(client, app):
    before = count_complaints(app)
    response = client.post(URL, json=ComplaintPayloadFactory(complainant={"email": "a@example.id"}))
    assert_problem(response, 422, field="complainant")
    response = client.post(URL, json=ComplaintPayloadFactory(complainant=None))
    assert_problem(response, 422, field="complainant")
    assert count_complaints(app) == before
    file_complaint(client, privacy="anonymous", complainant=None)
    assert count_complaints(app) == before + 1


def test_citizen_filing_takes_the_account_name(client, headers_for):
    receipt = file_complaint(client, headers_for("citizen"), complainant=None)
    body = get_complaint(client, headers_for("citizen"), receipt["id"])
    assert body["complainant"]["name"] == "Siti Warga Cimahi"


def test_bad_coordinates_and_compensation_change_nothing(client, app):
    before = count_complaints(app)
    assert_problem(
        client.post(URL, json=ComplaintPayloadFactory(latitude="91")), 422, field="latitude"
    )
    assert_problem(
        client.post(URL, json=ComplaintPayloadFactory(compensation_amount="-5")),
        422,
        field="compensation_amount",
    )
    assert_problem(
        client.post(URL, json=ComplaintPayloadFactory(privacy="secret")), 422, field="privacy"
    )
    assert count_complaints(app) == before


def test_other_sources_are_recorded_by_staff_only(client, app, headers_for):
    before = count_complaints(app)
    assert_problem(
        client.post(URL, json=ComplaintPayloadFactory(source="ombudsman")), 422, field="source"
    )
    assert count_complaints(app) == before
    receipt = file_complaint(client, headers_for("verifier"), source="dprd", channel="letter")
    assert get_complaint(client, headers_for("verifier"), receipt["id"])["source"] == "dprd"


# --- item 10: staff-assisted intake ---------------------------------------------------------


@pytest.mark.parametrize("channel", ASSISTED)
def test_assisted_intake_records_channel_officer_and_real_receipt_time(
    client, app, headers_for, channel, frozen_at
):
    received = frozen_at - timedelta(hours=3)
    receipt = file_complaint(
        client, headers_for("verifier"), channel=channel, received_at=received.isoformat()
    )
    assert receipt["channel"] == channel
    assert receipt["received_by"] == "Rina Verifikator"
    assert parse(receipt["received_at"]) == received
    assert receipt["received_at"].endswith("+07:00")

    body = get_complaint(client, headers_for("verifier"), receipt["id"])
    assert body["channel"] == channel
    assert parse(body["received_at"]) == received
    assert parse(body["recorded_at"]) > received
    response_clock = next(c for c in body["clocks"] if c["kind"] == "response")
    assert parse(response_clock["started_at"]) == received

    events = client.get(f"{URL}/{receipt['id']}/events", headers=headers_for("verifier"))
    submitted = events.get_json()[0]
    assert submitted["kind"] == "submitted"
    assert submitted["data"]["backdated"] is True
    assert submitted["data"]["receiving_officer"] == "Rina Verifikator"
    assert parse(submitted["data"]["received_at"]) == received
    assert parse(submitted["data"]["recorded_at"]) > received


def test_assisted_intake_typed_in_at_once_is_not_backdated(client, headers_for):
    receipt = file_complaint(client, headers_for("verifier"), channel="walk_in")
    events = client.get(f"{URL}/{receipt['id']}/events", headers=headers_for("verifier"))
    assert events.get_json()[0]["data"]["backdated"] is False


@pytest.mark.parametrize("role", [None, "citizen"])
def test_non_staff_cannot_use_assisted_channels_or_backdate(
    client, app, headers_for, role, frozen_at
):
    headers = headers_for(role) if role else {}
    before = count_complaints(app)
    response = client.post(URL, json=ComplaintPayloadFactory(channel="telephone"), headers=headers)
    assert_problem(response, 422, field="channel")
    past = (frozen_at - timedelta(hours=2)).isoformat()
    response = client.post(URL, json=ComplaintPayloadFactory(received_at=past), headers=headers)
    assert_problem(response, 422, field="received_at")
    assert count_complaints(app) == before


def test_future_receipt_time_is_refused(client, app, headers_for, frozen_at):
    before = count_complaints(app)
    future = (frozen_at + timedelta(hours=2)).isoformat()
    response = client.post(
        URL,
        json=ComplaintPayloadFactory(channel="walk_in", received_at=future),
        headers=headers_for("verifier"),
    )
    assert_problem(response, 422, field="received_at")
    assert count_complaints(app) == before


# --- item 11: the receipt (Pasal 44(2)) -----------------------------------------------------


CODE = re.compile(rf"^ADU-[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}$")


def test_receipt_has_code_pin_time_in_wib_channel_and_description(client, frozen_at):
    payload = ComplaintPayloadFactory()
    receipt = file_complaint(client)
    assert CODE.match(receipt["tracking_code"]), receipt["tracking_code"]
    assert re.fullmatch(r"\d{6}", receipt["pin"])
    assert receipt["received_at"].endswith("+07:00")
    assert timedelta(0) <= parse(receipt["received_at"]) - frozen_at < timedelta(minutes=1)
    assert receipt["received_by"] == "Kanal web"
    assert receipt["channel"] == "web"
    assert receipt["description"] == payload["description"]
    assert receipt["status"] == "submitted"
    assert receipt["agency"] == "DISDUKCAPIL"


def code_number(code: str) -> int:
    """A tracking code read as the base-32 number it spells."""
    number = 0
    for ch in code.removeprefix("ADU-").replace("-", ""):
        number = number * 32 + CODE_ALPHABET.index(ch)
    return number


def test_tracking_codes_are_not_sequential(client):
    receipts = [file_complaint(client, privacy="anonymous", complainant=None) for _ in range(5)]
    codes = [r["tracking_code"] for r in receipts]
    assert len(set(codes)) == len(codes)
    assert all(CODE.match(code) for code in codes)
    # read as base-32 numbers, consecutive filings are far apart and unrelated to the row id
    numbers = [code_number(code) for code in codes]
    for receipt, number in zip(receipts, numbers, strict=True):
        assert number != receipt["id"]
    for a, b in zip(numbers, numbers[1:], strict=False):
        assert abs(a - b) > 1000


def test_a_tracking_code_that_clashes_is_drawn_again(client, app, monkeypatch):
    first = file_complaint(client)
    drawn = iter([first["tracking_code"], "ADU-KEMB-AR12"])
    monkeypatch.setattr(intake, "new_tracking_code", lambda: next(drawn))
    second = file_complaint(client)  # the code taken is drawn again before anything is written
    assert second["tracking_code"] == "ADU-KEMB-AR12"
    with app.app_context():
        codes = list(db.session.scalars(select(Complaint.tracking_code)))
    assert sorted(codes) == sorted([first["tracking_code"], "ADU-KEMB-AR12"])


def test_pin_is_shown_once(client, headers_for):
    receipt = file_complaint(client)
    body = client.get(f"{URL}/{receipt['id']}", headers=headers_for("verifier")).get_data(
        as_text=True
    )
    assert receipt["pin"] not in body


def test_idempotency_key_replays_the_first_receipt(client, app):
    payload = ComplaintPayloadFactory()
    headers = {"Idempotency-Key": "retry-1"}
    first = client.post(URL, json=payload, headers=headers)
    assert first.status_code == 201
    before = count_complaints(app)
    second = client.post(URL, json=payload, headers=headers)
    assert second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert second.get_json() == first.get_json()
    assert second.get_json()["pin"] == first.get_json()["pin"]
    assert count_complaints(app) == before
    with app.app_context():
        events = db.session.scalar(select(func.count()).select_from(ComplaintEvent))
    assert events == 1


@pytest.mark.postgres
def test_one_key_sent_at_once_from_many_connections_files_one_complaint(app, client, backend):
    client.post(URL, json=ComplaintPayloadFactory())  # the reference cache is filled
    payload = ComplaintPayloadFactory(title="Dikirim berkali-kali sekaligus")
    headers = {"Idempotency-Key": "race-1"}
    before = count_complaints(app)
    start = threading.Barrier(6)
    answers: list[tuple[int, dict]] = []

    def post() -> None:
        own = app.test_client()
        start.wait()
        response = own.post(URL, json=payload, headers=headers)
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [status for status, _ in answers] == [201] * 6
    # every caller holds the same receipt, PIN included, of the one complaint filed
    assert len({(body["tracking_code"], body["pin"]) for _, body in answers}) == 1
    assert count_complaints(app) == before + 1


def test_idempotency_key_with_another_body_is_refused(client, app):
    headers = {"Idempotency-Key": "retry-2"}
    assert client.post(URL, json=ComplaintPayloadFactory(), headers=headers).status_code == 201
    before = count_complaints(app)
    response = client.post(
        URL, json=ComplaintPayloadFactory(title="Lain sama sekali"), headers=headers
    )
    assert_problem(response, 422, code="idempotency_mismatch")
    assert count_complaints(app) == before


def test_without_idempotency_key_each_post_files_a_complaint(client, app):
    payload = ComplaintPayloadFactory()
    before = count_complaints(app)
    a = client.post(URL, json=payload).get_json()
    b = client.post(URL, json=payload).get_json()
    assert a["tracking_code"] != b["tracking_code"]
    assert count_complaints(app) == before + 2


def test_filing_deadline_is_the_later_of_calendar_and_working_days(client):
    """LEGAL.md: a deadline against the citizen never ends before the later reading.

    From Monday 7 September 2026, 30 calendar days end on 7 October and 30 working days on
    Monday 19 October (no holidays in between); days are dates in Cimahi (WIB).
    """
    at = [
        (datetime(2026, 10, 8, 2, 0, tzinfo=UTC), False),  # past the calendar-day reading
        (datetime(2026, 10, 19, 16, 30, tzinfo=UTC), False),  # 23:30 WIB on the last day
        (datetime(2026, 10, 19, 17, 30, tzinfo=UTC), True),  # 00:30 WIB on 20 October
    ]
    for now, late in at:
        with time_machine.travel(now, tick=False):
            receipt = file_complaint(client, service_date="2026-09-07")
        assert receipt["late_filing"] is late, now


def test_service_date_after_receipt_is_refused(client, app, frozen_at):
    before = count_complaints(app)
    tomorrow = (frozen_at.astimezone(WIB).date() + timedelta(days=1)).isoformat()
    assert_problem(
        client.post(URL, json=ComplaintPayloadFactory(service_date=tomorrow)),
        422,
        field="service_date",
    )
    assert count_complaints(app) == before


def test_backdating_more_than_30_days_is_refused(client, app, headers_for, frozen_at):
    before = count_complaints(app)
    long_ago = (frozen_at - timedelta(days=31)).isoformat()
    response = client.post(
        URL,
        json=ComplaintPayloadFactory(channel="letter", received_at=long_ago),
        headers=headers_for("verifier"),
    )
    assert_problem(response, 422, field="received_at")
    assert count_complaints(app) == before
