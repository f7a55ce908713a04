"""Payloads and shortcuts for tests (Faker in Indonesian)."""

from __future__ import annotations

from typing import Any

from faker import Faker
from flask.testing import FlaskClient

fake = Faker("id_ID")


def complaint_payload(**overrides: Any) -> dict[str, Any]:
    """A complete, valid createComplaint body."""
    body: dict[str, Any] = {
        "report_type": "pengaduan",
        "category": "ADMINDUK",
        "title": "KTP-el belum jadi setelah tiga bulan",
        "description": "Saya merekam KTP-el di Disdukcapil tetapi sampai sekarang belum dicetak.",
        "loss_description": "Tidak bisa membuka rekening bank.",
        "remedy_requested": "KTP-el segera dicetak.",
        "incident_place": "Kantor Disdukcapil Kota Cimahi",
        "privacy": "private",
        "complainant": {
            "kind": "person",
            "name": fake.name(),
            "email": fake.email(),
            "phone": "081234567890",
            "address": fake.address().replace("\n", ", "),
        },
        "consent": True,
        "kecamatan": "CMH-TGH",
        "kelurahan": "Baros",
    }
    body.update(overrides)
    return body


def file_complaint(
    client: FlaskClient, headers: dict[str, str] | None = None, **overrides: Any
) -> dict[str, Any]:
    """File a complaint and return its receipt."""
    response = client.post(
        "/api/v1/complaints", json=complaint_payload(**overrides), headers=headers or {}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()
