"""Attachments (issue 2, item 15): checked by content, stored outside the web root, safe headers,
images without EXIF."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select

from backend.complaints.models import Attachment
from backend.complaints.storage import LocalStore
from backend.extensions import db
from tests.factories import file_complaint, pdf_document

URL = "/api/v1/complaints"
PDF = pdf_document()
# every test on the local folder and on the S3-compatible store (tests/storage_server.py)
pytestmark = pytest.mark.usefixtures("evidence_store")


def gps_jpeg() -> bytes:
    """A JPEG whose EXIF says where it was taken (camera make and a GPS position)."""
    image = Image.new("RGB", (32, 24), "blue")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "KameraRahasia"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "S",
        ExifTags.GPS.GPSLatitude: (6.0, 52.0, 30.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (107.0, 32.0, 10.0),
    }
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def upload(client, headers, complaint_id, content, name, visibility=None):
    data = {"file": (io.BytesIO(content), name)}
    if visibility:
        data["visibility"] = visibility
    return client.post(
        f"{URL}/{complaint_id}/attachments",
        data=data,
        headers=headers,
        content_type="multipart/form-data",
    )


def count_attachments(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Attachment))


def problem(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type.startswith("application/problem+json")
    assert response.get_json()["code"] == code


def test_the_gps_test_image_really_has_gps():
    exif = Image.open(io.BytesIO(gps_jpeg())).getexif()
    assert exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert exif[ExifTags.Base.Make] == "KameraRahasia"


def test_jpeg_loses_its_exif_and_is_served_safely(client, app, headers_for):
    citizen = headers_for("citizen")
    receipt = file_complaint(client, citizen, complainant=None)
    response = upload(client, citizen, receipt["id"], gps_jpeg(), "foto_loket.jpg")
    assert response.status_code == 201, response.get_json()
    meta = response.get_json()
    assert meta["content_type"] == "image/jpeg"
    assert meta["filename"] == "foto_loket.jpg"

    download = client.get(
        f"{URL}/{receipt['id']}/attachments/{meta['id']}/content", headers=headers_for("verifier")
    )
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "foto_loket.jpg" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    csp = download.headers["Content-Security-Policy"]
    assert "sandbox" in csp
    assert "default-src 'none'" in csp
    assert download.mimetype == "image/jpeg"

    data = download.get_data()
    assert b"KameraRahasia" not in data
    served = Image.open(io.BytesIO(data))
    assert served.size == (32, 24)
    assert dict(served.getexif()) == {}
    assert "exif" not in served.info


def test_files_are_stored_outside_the_web_root(client, app, headers_for, evidence_store):
    citizen = headers_for("citizen")
    receipt = file_complaint(client, citizen, complainant=None)
    meta = upload(client, citizen, receipt["id"], PDF, "surat.pdf").get_json()
    with app.app_context():
        stored = db.session.get(Attachment, meta["id"])
        key, digest = stored.storage_key, stored.sha256
    kept = evidence_store.read(key)
    # the document as rewritten without its metadata: what the row records
    assert kept.startswith(b"%PDF")
    assert hashlib.sha256(kept).hexdigest() == digest
    assert "surat" not in key
    if isinstance(evidence_store, LocalStore):
        upload_dir = Path(app.config["UPLOAD_DIR"]).resolve()
        assert (upload_dir / key).read_bytes() == kept
        if app.static_folder:
            assert not upload_dir.is_relative_to(Path(app.static_folder).resolve())
    # nothing serves the stored key or the name as a static file
    assert client.get(f"/{key}").status_code in (401, 404)
    assert client.get("/uploads/" + key).status_code in (401, 404)


def test_type_is_checked_by_content_not_by_name(client, app, headers_for):
    citizen = headers_for("citizen")
    receipt = file_complaint(client, citizen, complainant=None)
    before = count_attachments(app)
    problem(
        upload(client, citizen, receipt["id"], b"just some text, honest\n" * 20, "foto.jpg"),
        415,
        "unsupported_media_type",
    )
    problem(
        upload(
            client, citizen, receipt["id"], b"<html><script>alert(1)</script></html>", "bukti.pdf"
        ),
        415,
        "unsupported_media_type",
    )
    problem(
        upload(client, citizen, receipt["id"], b"MZ\x90\x00" + b"\x00" * 200, "scan.png"),
        415,
        "unsupported_media_type",
    )
    assert count_attachments(app) == before


def test_a_pdf_named_txt_is_stored_as_a_pdf(client, headers_for):
    citizen = headers_for("citizen")
    receipt = file_complaint(client, citizen, complainant=None)
    meta = upload(client, citizen, receipt["id"], PDF, "../../etc/surat.txt").get_json()
    assert meta["content_type"] == "application/pdf"
    assert "/" not in meta["filename"]
    assert ".." not in meta["filename"]


def test_too_large_is_refused(client, app, headers_for):
    citizen = headers_for("citizen")
    receipt = file_complaint(client, citizen, complainant=None)
    before = count_attachments(app)
    big = PDF + b"0" * (5 * 1024 * 1024)
    problem(upload(client, citizen, receipt["id"], big, "besar.pdf"), 413, "payload_too_large")
    assert count_attachments(app) == before


def test_empty_file_is_refused(client, headers_for):
    citizen = headers_for("citizen")
    receipt = file_complaint(client, citizen, complainant=None)
    response = upload(client, citizen, receipt["id"], b"", "kosong.pdf")
    assert response.status_code == 422


def test_upload_is_recorded_in_the_timeline(client, headers_for):
    citizen = headers_for("citizen")
    receipt = file_complaint(client, citizen, complainant=None)
    meta = upload(client, citizen, receipt["id"], PDF, "surat.pdf").get_json()
    timeline = client.get(f"{URL}/{receipt['id']}/events", headers=citizen).get_json()
    assert timeline[-1]["kind"] == "attachment"
    assert timeline[-1]["data"]["attachment_id"] == meta["id"]


def test_internal_evidence_is_hidden_from_the_citizen(client, headers_for):
    citizen = headers_for("citizen")
    receipt = file_complaint(client, citizen, complainant=None)
    meta = upload(
        client, headers_for("verifier"), receipt["id"], PDF, "memo.pdf", visibility="internal"
    ).get_json()
    listed = client.get(f"{URL}/{receipt['id']}/attachments", headers=citizen).get_json()
    assert listed == []
    assert (
        client.get(
            f"{URL}/{receipt['id']}/attachments/{meta['id']}/content", headers=citizen
        ).status_code
        == 404
    )
    response = upload(client, citizen, receipt["id"], PDF, "x.pdf", visibility="internal")
    assert response.status_code == 403


def test_strangers_cannot_upload_or_download(client, headers_for):
    receipt = file_complaint(client)
    meta = upload(client, headers_for("verifier"), receipt["id"], PDF, "surat.pdf").get_json()
    assert upload(client, headers_for("citizen"), receipt["id"], PDF, "x.pdf").status_code == 404
    assert (
        client.get(
            f"{URL}/{receipt['id']}/attachments/{meta['id']}/content",
            headers=headers_for("citizen"),
        ).status_code
        == 404
    )
    assert client.get(f"{URL}/{receipt['id']}/attachments/{meta['id']}/content").status_code == 401


@pytest.mark.parametrize(
    ("fmt", "name", "mime"), [("PNG", "peta.png", "image/png"), ("WEBP", "foto.webp", "image/webp")]
)
def test_png_and_webp_lose_their_exif_too(client, headers_for, fmt, name, mime):
    image = Image.new("RGB", (20, 10), "green")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "KameraRahasia"
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "S",
        ExifTags.GPS.GPSLatitude: (6.0, 52.0, 30.0),
    }
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif)
    assert b"KameraRahasia" in out.getvalue()
    citizen = headers_for("citizen")
    receipt = file_complaint(client, citizen, complainant=None)
    meta = upload(client, citizen, receipt["id"], out.getvalue(), name).get_json()
    assert meta["content_type"] == mime
    data = client.get(
        f"{URL}/{receipt['id']}/attachments/{meta['id']}/content", headers=citizen
    ).get_data()
    assert b"KameraRahasia" not in data
    served = Image.open(io.BytesIO(data))
    assert dict(served.getexif()) == {}
    # the orientation was applied to the pixels before it was dropped
    assert served.size == (10, 20)


def test_a_body_above_the_request_limit_is_a_413_problem(client, app, headers_for):
    citizen = headers_for("citizen")
    receipt = file_complaint(client, citizen, complainant=None)
    huge = PDF + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = upload(client, citizen, receipt["id"], huge, "besar.pdf")
    problem(response, 413, "payload_too_large")


def test_at_most_twenty_files_per_complaint(client, app, headers_for):
    citizen = headers_for("citizen")
    receipt = file_complaint(client, citizen, complainant=None)
    for n in range(20):
        assert upload(client, citizen, receipt["id"], PDF, f"s{n}.pdf").status_code == 201
    response = upload(client, citizen, receipt["id"], PDF, "s21.pdf")
    assert response.status_code == 422
    assert count_attachments(app) == 20
