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


def pdf_document(info: str = "<< /Producer (Aduan) >>", xmp: str | None = None) -> bytes:
    """A valid one-page PDF (a cross-reference table that lists every object) with the
    document information dictionary `info` and, given `xmp`, an XMP metadata stream."""
    metadata = "/Metadata 5 0 R" if xmp is not None else ""
    objects = [
        f"<< /Type /Catalog /Pages 2 0 R {metadata} >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] {metadata} >>",
        info,
    ]
    if xmp is not None:
        objects.append(
            f"<< /Type /Metadata /Subtype /XML /Length {len(xmp.encode())} >>\n"
            f"stream\n{xmp}\nendstream"
        )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 4 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
