"""Each refused field is told in Indonesian and English, named by its form label, saying how to
fix it (issue 14, item 2): `messages` beside the machine-readable `errors` of a problem."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import func, select

from backend.auth.schemas import RegisterSchema
from backend.complaints.models import Complaint
from backend.complaints.schemas import ComplaintCreateSchema, TrackSchema, TransitionSchema
from backend.extensions import db
from backend.field_messages import FIELD_LABEL_KEYS, catalogue, field_label
from backend.web import field_errors
from tests.factories import ComplaintPayloadFactory, file_complaint

URL = "/api/v1/complaints"
EN = {"Accept-Language": "en"}


def count_complaints(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Complaint))


def refused(response: Any, code: str = "validation_failed") -> dict[str, Any]:
    """The 422 problem of `response`: every field of `errors` has its message in id and en."""
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code
    flat = set(flatten(body["errors"]))
    assert flat == set(body["messages"]), body
    for message in body["messages"].values():
        assert set(message) == {"id", "en"}
        assert message["id"] != message["en"]
    return body


def flatten(errors: dict[str, Any], prefix: str = "") -> list[str]:
    paths = []
    for key, value in errors.items():
        path = f"{prefix}.{key}" if prefix else key
        paths += flatten(value, path) if isinstance(value, dict) else [path]
    return paths


def test_a_too_short_title_is_told_in_both_languages_with_its_label(app, client):
    before = count_complaints(app)
    response = client.post(URL, json=ComplaintPayloadFactory(title="KT"))
    body = refused(response)
    # the machine-readable errors stay marshmallow's
    assert body["errors"] == {"title": ["Length must be between 3 and 200."]}
    assert body["messages"]["title"] == {
        "id": "“Judul singkat” harus 3 sampai 200 karakter.",
        "en": "“Short title” must be 3 to 200 characters.",
    }
    assert body["title"] == "Data tidak valid"
    assert count_complaints(app) == before


def test_both_languages_come_whatever_the_caller_asked(client):
    indonesian = refused(client.post(URL, json=ComplaintPayloadFactory(title="KT")))
    english = refused(client.post(URL, json=ComplaintPayloadFactory(title="KT"), headers=EN))
    assert english["title"] == "Invalid data"
    assert english["messages"] == indonesian["messages"]


@pytest.mark.parametrize(
    ("change", "path", "indonesian", "english"),
    [
        pytest.param(
            {"description": "x" * 10_001},
            "description",
            "“Apa yang terjadi?” harus 10 sampai 10.000 karakter.",
            "“What happened?” must be 10 to 10,000 characters.",
            id="length",
        ),
        pytest.param(
            {"incident_place": "x" * 301},
            "incident_place",
            "“Tempat kejadian” paling banyak 300 karakter; persingkat isinya.",
            "“Place” must be at most 300 characters; shorten it.",
            id="length-max",
        ),
        pytest.param(
            {"latitude": "91"},
            "latitude",
            "“Lintang” harus antara -90 dan 90.",
            "“Latitude” must be between -90 and 90.",
            id="range",
        ),
        pytest.param(
            {"privacy": "secret"},
            "privacy",
            "Pilih salah satu untuk “Siapa yang boleh melihat pengaduan Anda?”: public, private, "
            "confidential_identity, anonymous.",
            "Choose one of these for “Who may see your complaint?”: public, private, "
            "confidential_identity, anonymous.",
            id="one-of",
        ),
        pytest.param(
            {"complainant": {"name": "Siti Aminah", "email": "siti-at-contoh"}},
            "complainant.email",
            "“Surel” harus alamat surel yang benar, misalnya nama@contoh.id.",
            "“E-mail” must be a valid e-mail address, e.g. name@example.id.",
            id="email",
        ),
        pytest.param(
            {"category": None},
            "category",
            "“Kategori layanan” tidak boleh kosong; isi atau hapus kolom ini.",
            "“Service category” cannot be empty; fill it in or leave the field out.",
            id="null",
        ),
        pytest.param(
            {"consent": "barangkali"},
            "consent",
            "“Saya menyatakan isi pengaduan ini benar” harus ya atau tidak (true atau false).",
            "“I declare this complaint is true” must be yes or no (true or false).",
            id="invalid-boolean",
        ),
        pytest.param(
            {"longitude": "timur"},
            "longitude",
            "“Bujur” harus angka, misalnya 12.50 (titik sebagai pemisah desimal).",
            "“Longitude” must be a number, e.g. 12.50 (a dot before the decimals).",
            id="invalid-number",
        ),
        pytest.param(
            {"incident_at": "2026-11-28T14:30:00"},
            "incident_at",
            "“Waktu kejadian” harus tanggal dan jam dengan zona waktunya, misalnya "
            "2026-11-28T14:30:00+07:00.",
            "“Time of the incident” must be a date and time with its time zone, e.g. "
            "2026-11-28T14:30:00+07:00.",
            id="invalid-datetime",
        ),
        pytest.param(
            {"service_date": "3000-01-01"},
            "service_date",
            "“Tanggal menerima pelayanan” harus di antara tahun 1900 dan 2100.",
            "“Date you received the service” must fall between the years 1900 and 2100.",
            id="out-of-range-year",
        ),
        pytest.param(
            {"nickname": "Siti"},
            "nickname",
            "“nickname” tidak dikenal; hapus kolom ini.",
            "“nickname” is not a known field; leave it out.",
            id="unknown-field",
        ),
    ],
)
def test_each_kind_of_validator_is_told_from_its_parameters(
    app, client, change, path, indonesian, english
):
    before = count_complaints(app)
    body = refused(client.post(URL, json={**ComplaintPayloadFactory(), **change}))
    assert body["messages"][path] == {"id": indonesian, "en": english}
    assert count_complaints(app) == before


def test_a_missing_required_field_is_named(client):
    payload = ComplaintPayloadFactory()
    del payload["description"]
    body = refused(client.post(URL, json=payload))
    assert body["messages"]["description"] == {
        "id": "Isi “Apa yang terjadi?”; kolom ini wajib.",
        "en": "Fill in “What happened?”; it is required.",
    }


def test_a_pattern_says_what_the_pin_looks_like_and_an_integer_is_asked_for(client, headers_for):
    body = refused(client.post("/api/v1/track", json={"code": "ADU-0000-0000", "pin": "12a"}))
    assert body["messages"]["pin"] == {
        "id": "“PIN” terdiri atas 6 angka, seperti pada tanda terima.",
        "en": "“PIN” is 6 digits, as on the receipt.",
    }
    receipt = file_complaint(client)
    verifier = headers_for("verifier")
    etag = client.get(f"{URL}/{receipt['id']}", headers=verifier).headers["ETag"]
    response = client.post(
        f"{URL}/{receipt['id']}/transitions",
        json={"action": "assign", "officer_id": "Budi"},
        headers={**verifier, "If-Match": etag},
    )
    assert refused(response)["messages"]["officer_id"] == {
        "id": "“Petugas” harus bilangan bulat, misalnya 12.",
        "en": "“Officer” must be a whole number, e.g. 12.",
    }


def test_an_equal_validator_names_the_value_expected(client):
    response = client.post(
        "/api/v1/auth/token",
        json={"grant_type": "password", "client_id": "x", "client_secret": "y"},
    )
    body = refused(response)
    assert "client_credentials" in body["messages"]["grant_type"]["id"]
    assert "client_credentials" in body["messages"]["grant_type"]["en"]


def test_a_body_that_is_not_an_object_is_told(client):
    body = refused(client.post(URL, json=["a", "list"]))
    assert body["messages"]["_schema"] == {
        "id": "Isi permintaan harus berupa objek JSON dengan kolom-kolomnya.",
        "en": "The request body must be a JSON object with its fields.",
    }


def test_a_receipt_older_than_30_days_says_the_limit_and_the_earliest_time(
    app, client, headers_for, frozen_at
):
    """Frozen at 2 December 2026, 10.00 WIB: the earliest receipt staff may record is 30 days
    before, 2 November 2026, 10.00 WIB; the message says so, and that time is accepted."""
    verifier = headers_for("verifier")
    before = count_complaints(app)
    late = (frozen_at - timedelta(days=31)).isoformat()
    earliest = "2026-11-02T10:00:00+07:00"
    with time_machine.travel(frozen_at, tick=False):
        response = client.post(
            URL, json=ComplaintPayloadFactory(channel="walk_in", received_at=late), headers=verifier
        )
        # what the message says to enter is accepted
        receipt = file_complaint(client, verifier, channel="walk_in", received_at=earliest)
    body = refused(response)
    assert body["messages"]["received_at"] == {
        "id": "“Diterima pada (waktu setempat)” paling lama 30 hari yang lalu. Isi 2 November "
        "2026 pukul 10.00 WIB atau sesudahnya; pengaduan yang diterima lebih dari 30 hari lalu "
        "tidak dapat dicatat.",
        "en": "“Received at (local time)” may be at most 30 days ago. Enter 2 November 2026, "
        "10:00 WIB or later; a complaint received more than 30 days ago cannot be recorded.",
    }
    assert count_complaints(app) == before + 1  # the accepted one only
    assert receipt["received_at"] == earliest


def test_a_receipt_in_the_future_says_the_latest_time(client, headers_for, frozen_at):
    future = (frozen_at + timedelta(hours=2)).isoformat()
    with time_machine.travel(frozen_at, tick=False):
        response = client.post(
            URL,
            json=ComplaintPayloadFactory(channel="walk_in", received_at=future),
            headers=headers_for("verifier"),
        )
    assert refused(response)["messages"]["received_at"]["id"] == (
        "“Diterima pada (waktu setempat)” tidak boleh di masa depan. Isi 2 Desember 2026 pukul "
        "10.00 WIB atau sebelumnya."
    )


def test_a_missing_name_keeps_its_nested_error_and_gets_a_message(app, client):
    before = count_complaints(app)
    payload = ComplaintPayloadFactory(complainant={"kind": "person", "email": "siti@contoh.id"})
    body = refused(client.post(URL, json=payload))
    assert set(body["errors"]["complainant"]) == {"name"}
    assert body["messages"]["complainant.name"] == {
        "id": "Isi “Nama lengkap”, atau pilih Anonim jika Anda tidak ingin memberikan nama.",
        "en": "Fill in “Full name”, or choose Anonymous if you do not want to give a name.",
    }
    assert count_complaints(app) == before


def test_an_unknown_category_code_is_told(client):
    body = refused(client.post(URL, json=ComplaintPayloadFactory(category="NOPE")))
    assert body["messages"]["category"] == {
        "id": "“Kategori layanan”: kode NOPE tidak dikenal; pilih dari daftar.",
        "en": "“Service category”: the code NOPE is unknown; choose one from the list.",
    }


def test_an_action_without_its_reason_names_the_reason_field(client, headers_for):
    receipt = file_complaint(client)
    verifier = headers_for("verifier")
    url = f"{URL}/{receipt['id']}"
    etag = client.get(url, headers=verifier).headers["ETag"]
    response = client.post(
        f"{url}/transitions",
        json={"action": "reject", "resolution_code": "duplicate"},
        headers={**verifier, "If-Match": etag},
    )
    body = refused(response, code="reason_required")
    assert body["errors"] == {"reason": ["Fill in “Reason / note”; it is required."]}
    assert body["messages"]["reason"] == {
        "id": "Isi “Alasan / catatan”; kolom ini wajib.",
        "en": "Fill in “Reason / note”; it is required.",
    }
    after = client.get(url, headers=verifier)
    assert after.get_json()["status"] == "submitted"
    assert after.headers["ETag"] == etag


@pytest.mark.parametrize(
    "schema", [ComplaintCreateSchema, TransitionSchema, RegisterSchema, TrackSchema]
)
def test_every_field_a_person_fills_in_has_a_label_in_both_languages(schema):
    for name, field in schema().load_fields.items():
        path = field.data_key or name
        for lang in ("id", "en"):
            assert field_label(path, lang) != path, (schema.__name__, path, lang)


def test_the_label_table_names_keys_of_both_catalogues():
    for lang in ("id", "en"):
        missing = sorted(set(FIELD_LABEL_KEYS.values()) - set(catalogue(lang)))
        assert not missing, (lang, missing)


def test_every_message_the_code_can_choose_is_in_both_catalogues():
    keys = {key for _, key in field_errors._TYPE_KEYS} | set(field_errors._FIELD_KEYS.values())
    keys |= {"length_between", "length_min", "length_max", "length_equal", "range_between"}
    keys |= {"range_min", "range_max", "one_of", "pattern", "equal", "unknown", "unstorable"}
    keys |= {"body", "invalid"}
    for lang in ("id", "en"):
        missing = sorted(k for k in keys if f"field_error.{k}" not in catalogue(lang))
        assert not missing, (lang, missing)
