"""Open311 GeoReport v2 under /open311/v2 (issue 15, items 1-5).

The documents are compared with the element structure of the spec's own examples
(wiki.open311.org/GeoReport_v2 and Service_Discovery), parsed by a real XML parser
(defusedxml); a real Open311 client from PyPI (`georeport`) reads a live server.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from defusedxml import ElementTree
from flask import Flask
from flask.testing import FlaskClient
from georeport import GeoReport
from sqlalchemy import select
from werkzeug.serving import make_server

from backend.agencies.models import Agency
from backend.app import create_app
from backend.auth import service as auth_service
from backend.complaints.models import Complaint
from backend.extensions import db
from backend.notifications.models import OutboxMessage
from backend.sla.models import SlaClock
from tests.api.test_access_matrix import act, headers_of, verify
from tests.conftest import DEFAULT_INSTANT, free_port, reset_schema
from tests.conftest import test_config as app_config
from tests.factories import file_complaint

BASE = "/open311/v2"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'
# the spec's examples, element by element (the order of the spec's first example)
DISCOVERY = ["changeset", "contact", "key_service", "endpoints"]
ENDPOINT = ["specification", "url", "changeset", "type", "formats"]
SERVICE = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
DEFINITION = ["service_code", "attributes"]
ATTRIBUTE = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]
CREATED = ["service_request_id", "service_notice", "account_id"]
REQUEST = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
ERROR = ["code", "description"]
SECRET = {
    "name": "Zulkarnaen Rahasiaputra",
    "email": "zulka.rahasia77@contoh.id",
    "phone": "089977731337",
    "address": "Jalan Kenanga Tersembunyi No. 77",
}


def xml_of(response: Any) -> Any:
    """The XML answer parsed, after checking its media type and its declaration."""
    assert response.headers["Content-Type"].startswith("text/xml"), response.headers
    assert response.data.startswith(DECLARATION)
    return ElementTree.fromstring(response.data)


def children(element: Any) -> list[str]:
    return [child.tag for child in element]


def new_client(app: Flask, *scopes: str) -> str:
    """An API client with `scopes`; its api_key."""
    with app.app_context():
        client, secret = auth_service.create_api_client(
            session=db.session, name="Aplikasi Warga", scopes=list(scopes), created_by_id=None
        )
        db.session.commit()
        return f"{client.client_id}:{secret}"


@pytest.fixture
def api_key(app: Flask) -> str:
    """The key of an API client that may file complaints."""
    return new_client(app, "complaints:create")


def form(key: str, **fields: Any) -> dict[str, Any]:
    """A POST requests body as the spec's example sends it, with `fields` changed."""
    body = {
        "api_key": key,
        "jurisdiction_id": "cimahikota.go.id",
        "service_code": "JALAN-DRAINASE",
        "lat": "-6.872100",
        "long": "107.542300",
        "address_string": "Jl. Baros No. 12",
        "email": SECRET["email"],
        "device_id": "tt222111",
        "account_id": "123456",
        "first_name": "Zulkarnaen",
        "last_name": "Rahasiaputra",
        "phone": SECRET["phone"],
        "description": "Lubang besar di jalan depan sekolah membahayakan pengendara motor.",
        "attribute[consent]": "true",
        "attribute[kecamatan]": "CMH-TGH",
        "attribute[kelurahan]": "Baros",
    }
    body.update(fields)
    return {key: value for key, value in body.items() if value is not None}


def post(client: FlaskClient, body: dict[str, Any], fmt: str = "json") -> Any:
    return client.post(
        f"{BASE}/requests.{fmt}",
        data=body,
        content_type="application/x-www-form-urlencoded; charset=utf-8",
    )


def errors_of(response: Any) -> list[str]:
    body = response.get_json()
    assert isinstance(body, list) and body, body
    assert all(set(e) == {"code", "description"} for e in body)
    assert all(e["code"] == response.status_code for e in body)
    return [e["description"] for e in body]


# -- 1. discovery --------------------------------------------------------------------------------


def test_discovery_in_both_formats_as_the_spec_s_example(client):
    as_json = client.get(f"{BASE}/discovery.json")
    assert as_json.status_code == 200
    assert as_json.headers["Content-Type"].startswith("application/json")
    body = as_json.get_json()
    assert list(body) == DISCOVERY
    (endpoint,) = body["endpoints"]
    assert endpoint["url"] == "http://localhost/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    with client.application.app_context():
        team = db.session.scalar(select(Agency).where(Agency.is_complaint_team.is_(True)))
        assert team is not None and body["contact"] == f"{team.name}, {team.email}"

    root = xml_of(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert children(root) == DISCOVERY
    endpoints = root.find("endpoints")
    assert children(endpoints) == ["endpoint"]
    assert children(endpoints[0]) == ENDPOINT
    assert [f.text for f in endpoints[0].find("formats")] == ["text/xml", "application/json"]


def test_an_unknown_format_or_path_is_the_spec_s_404(client):
    response = client.get(f"{BASE}/services.html")
    assert response.status_code == 404
    root = xml_of(response)
    assert root.tag == "errors" and children(root[0]) == ERROR
    assert root[0].findtext("code") == "404"
    missing = client.get(f"{BASE}/nothing.json")
    assert missing.status_code == 404 and errors_of(missing)


# -- 2. services -----------------------------------------------------------------------------------


def test_services_are_the_categories_in_both_formats(client):
    as_json = client.get(f"{BASE}/services.json")
    assert as_json.headers["Content-Type"].startswith("application/json")
    services = {s["service_code"]: s for s in as_json.get_json()}
    assert all(list(s) == SERVICE for s in services.values())
    adminduk = services["ADMINDUK"]
    assert adminduk["service_name"] == "Administrasi kependudukan (KTP-el, KK, akta)"
    assert adminduk["metadata"] is True and adminduk["type"] == "realtime"
    assert adminduk["group"] == "Disdukcapil" or adminduk["group"]
    # routed by kecamatan only: the kecamatan handles it
    assert services["SURAT-KELURAHAN"]["group"] == "Kecamatan"
    assert "drainase" in services["JALAN-DRAINASE"]["keywords"]

    root = xml_of(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert set(children(root)) == {"service"}
    assert all(children(service) == SERVICE for service in root)
    assert {s.findtext("service_code") for s in root} == set(services)
    assert {s.findtext("metadata") for s in root} == {"true"}


def test_a_service_definition_offers_the_areas_of_the_reference_data(client):
    body = client.get(f"{BASE}/services/SURAT-KELURAHAN.json").get_json()
    assert list(body) == DEFINITION
    attributes = {a["code"]: a for a in body["attributes"]}
    assert all(list(a) == ATTRIBUTE for a in attributes.values())
    assert [a["order"] for a in body["attributes"]] == list(range(1, len(attributes) + 1))
    kecamatan = attributes["kecamatan"]
    assert kecamatan["datatype"] == "singlevaluelist" and kecamatan["required"] is True
    assert {v["key"] for v in kecamatan["values"]} == {"CMH-UTR", "CMH-TGH", "CMH-SLT"}
    assert {"key": "Baros", "name": "Baros (Cimahi Tengah)"} in attributes["kelurahan"]["values"]
    assert attributes["consent"]["required"] is True
    assert {v["key"] for v in attributes["privacy"]["values"]} >= {"private", "public"}
    # a category with one agency for the whole city does not need the kecamatan
    general = client.get(f"{BASE}/services/ADMINDUK.json").get_json()
    assert {a["code"]: a["required"] for a in general["attributes"]}["kecamatan"] is False

    root = xml_of(client.get(f"{BASE}/services/SURAT-KELURAHAN.xml"))
    assert root.tag == "service_definition" and children(root) == DEFINITION
    for attribute in root.find("attributes"):
        assert attribute.tag == "attribute" and children(attribute) == ATTRIBUTE
    values = root.find("attributes")[3].find("values")
    assert [children(v) for v in values] == [["key", "name"]] * 3


def test_an_unknown_service_is_a_404_error_list(client):
    response = client.get(f"{BASE}/services/TIDAK-ADA.json")
    assert response.status_code == 404
    assert errors_of(response) == ["service_code 'TIDAK-ADA' not found"]
    root = xml_of(client.get(f"{BASE}/services/TIDAK-ADA.xml"))
    assert children(root) == ["error"] and root[0].findtext("code") == "404"


# -- 3. POST requests ------------------------------------------------------------------------------


def test_a_form_encoded_request_files_a_private_complaint_through_intake(app, client, api_key):
    response = post(client, form(api_key))
    assert response.status_code == 200, response.get_json()
    (created,) = response.get_json()
    assert list(created) == CREATED
    assert created["account_id"] == "123456"
    code = created["service_request_id"]
    assert code.startswith("ADU-")
    notice = created["service_notice"]
    assert "PIN" in notice and "16-12-2026 23.59 WIB" in notice  # 14 days, end of the day
    with app.app_context():
        complaint = db.session.scalar(select(Complaint).where(Complaint.tracking_code == code))
        assert complaint is not None
        assert complaint.channel == "api"
        assert complaint.privacy == "private"
        assert complaint.api_client_id is not None and complaint.citizen_id is None
        assert complaint.identity.name == "Zulkarnaen Rahasiaputra"
        assert complaint.kecamatan_code == "CMH-TGH" and str(complaint.latitude) == "-6.872100"
        assert complaint.title.startswith("Lubang besar di jalan")
        assert complaint.late_filing is False
        clock = db.session.scalar(select(SlaClock).where(SlaClock.complaint_id == complaint.id))
        assert clock is not None and clock.kind == "response"
        mail = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.recipient == SECRET["email"])
        )
        assert mail is not None and code in mail.subject
        assert complaint.agency_id is not None
    # the request is private: nobody reads it through Open311
    assert client.get(f"{BASE}/requests/{code}.json").status_code == 404


def test_a_request_filed_late_is_flagged_and_the_answer_can_be_xml(app, client, api_key):
    late = (DEFAULT_INSTANT - timedelta(days=60)).date().isoformat()
    body = form(api_key, **{"attribute[service_date]": late, "attribute[privacy]": "public"})
    response = post(client, body, fmt="xml")
    assert response.status_code == 200
    root = xml_of(response)
    assert root.tag == "service_requests" and children(root) == ["request"]
    assert children(root[0]) == CREATED
    assert "Pasal 42 ayat 2" in root[0].findtext("service_notice")
    with app.app_context():
        complaint = db.session.scalar(
            select(Complaint).where(
                Complaint.tracking_code == root[0].findtext("service_request_id")
            )
        )
        assert complaint.late_filing is True and complaint.privacy == "public"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"service_code": None}, "service_code"),
        ({"lat": "utara"}, "lat"),
        ({"lat": "95.5"}, "lat"),
        ({"long": None}, "lat and long"),
        ({"attribute[consent]": None}, "attribute[consent]"),
        ({"first_name": None, "last_name": None}, "first_name"),
        ({"attribute[kelurahan]": "Cibabat"}, "attribute[kelurahan]"),
        ({"description": "pendek"}, "description"),
    ],
)
def test_a_bad_request_is_a_400_error_list_naming_the_field(app, client, api_key, change, field):
    response = post(client, form(api_key, **change))
    assert response.status_code == 400
    assert any(text.startswith(field) for text in errors_of(response)), errors_of(response)
    with app.app_context():
        assert db.session.scalar(select(Complaint.id)) is None


def test_an_unknown_service_code_is_a_404(client, api_key):
    response = post(client, form(api_key, service_code="TIDAK-ADA"))
    assert response.status_code == 404
    assert errors_of(response) == ["service_code 'TIDAK-ADA' not found"]


def test_a_wrong_api_key_is_403_in_the_spec_s_format(app, client, api_key):
    client_id, _, _secret = api_key.partition(":")
    for key in (f"{client_id}:salah", "tanpa-titik-dua", ""):
        response = post(client, form(api_key, api_key=key))
        assert response.status_code == 403, key
        assert errors_of(response) == ["Invalid api_key: no active API client has it."]
    as_xml = post(client, form(api_key, api_key="salah"), fmt="xml")
    root = xml_of(as_xml)
    assert as_xml.status_code == 403 and root[0].findtext("code") == "403"
    missing = post(client, form(api_key, api_key=None))
    assert missing.status_code == 400 and errors_of(missing)[0].startswith("api_key")
    with app.app_context():
        assert db.session.scalar(select(Complaint.id)) is None


def test_a_client_without_the_create_scope_is_403(app, client):
    reader = new_client(app, "complaints:read_public")
    response = post(client, form(reader))
    assert response.status_code == 403
    assert "complaints:create" in errors_of(response)[0]


# -- 4. GET requests -------------------------------------------------------------------------------


def filed(client: FlaskClient, *, verified: bool = True, **overrides: Any) -> str:
    """A complaint carrying the planted identity, verified; its tracking code."""
    complainant = None if overrides.get("privacy") == "anonymous" else {"kind": "person", **SECRET}
    receipt = file_complaint(client, complainant=complainant, **overrides)
    if verified:
        verify(client, receipt["id"])
    return receipt["tracking_code"]


@pytest.fixture
def published(client: FlaskClient) -> dict[str, str]:
    """Complaints of every privacy, with the planted identity; the public ones verified."""
    return {
        "public": filed(client, privacy="public", latitude="-6.8721", longitude="107.5423"),
        "public_road": filed(client, privacy="public", category="JALAN-DRAINASE"),
        "unverified": filed(client, privacy="public", verified=False),
        "private": filed(client, privacy="private"),
        "anonymous": filed(client, privacy="anonymous"),
        "confidential": filed(client, privacy="confidential_identity"),
    }


def listed(client: FlaskClient, query: str = "", fmt: str = "json") -> list[str]:
    response = client.get(f"{BASE}/requests.{fmt}?{query}")
    assert response.status_code == 200, response.data
    return [r["service_request_id"] for r in response.get_json()]


def test_requests_are_the_verified_public_complaints_only(client, published):
    assert sorted(listed(client)) == sorted([published["public"], published["public_road"]])
    for hidden in ("unverified", "private", "anonymous", "confidential"):
        response = client.get(f"{BASE}/requests/{published[hidden]}.json")
        assert response.status_code == 404, hidden
    everything = ",".join(published.values())
    assert sorted(listed(client, f"service_request_id={everything}")) == sorted(
        [published["public"], published["public_road"]]
    )


def test_requests_in_the_spec_s_fields_with_the_running_deadline(client, published):
    (request,) = client.get(f"{BASE}/requests/{published['public']}.json").get_json()
    assert list(request) == REQUEST
    assert request["status"] == "open"
    assert request["status_notes"] == "Terverifikasi / Verified"
    assert request["service_code"] == "ADMINDUK"
    assert request["service_name"] == "Administrasi kependudukan (KTP-el, KK, akta)"
    assert request["agency_responsible"].startswith("Dinas Kependudukan")
    assert request["requested_datetime"] == "2026-12-02T10:00:00+07:00"
    # verified today: the decision clock (60 days, Pasal 50(1)) runs to the end of 31 Jan
    assert request["expected_datetime"] == "2027-01-31T23:59:59+07:00"
    assert "keputusan (Pasal 50 ayat 1)" in request["service_notice"]
    assert request["address"] == "Kel. Baros, Kec. Cimahi Tengah"
    assert (request["lat"], request["long"]) == (-6.8721, 107.5423)
    assert request["media_url"] is None

    root = xml_of(client.get(f"{BASE}/requests/{published['public']}.xml"))
    assert root.tag == "service_requests" and children(root) == ["request"]
    assert children(root[0]) == REQUEST
    assert root[0].findtext("lat") == "-6.8721"
    assert root[0].findtext("media_url") == ""


def test_requests_filter_by_code_status_and_dates(client, published):
    assert listed(client, "service_code=JALAN-DRAINASE") == [published["public_road"]]
    assert len(listed(client, "service_code=JALAN-DRAINASE,ADMINDUK")) == 2
    assert len(listed(client, "status=open")) == 2
    assert listed(client, "status=closed") == []
    verifier = headers_of(client.application, "verifier")
    road = _id_of(client, published["public_road"])
    rejected = act(client, road, verifier, "reject", reason="Bukan kewenangan pemerintah kota")
    assert rejected.status_code == 200, rejected.get_json()
    assert listed(client, "status=closed") == [published["public_road"]]
    assert listed(client, "status=open") == [published["public"]]
    assert listed(client, "start_date=2026-12-03T00:00:00Z") == []
    assert len(listed(client, "start_date=2026-12-01T00:00:00Z&end_date=2026-12-03T00:00:00Z")) == 2
    bad = client.get(f"{BASE}/requests.json?status=selesai")
    assert bad.status_code == 400 and errors_of(bad)[0].startswith("status")
    naive = client.get(f"{BASE}/requests.json?start_date=2026-12-01T00:00:00")
    assert naive.status_code == 400 and errors_of(naive)[0].startswith("start_date")


def _id_of(client: FlaskClient, code: str) -> int:
    with client.application.app_context():
        return db.session.scalar(select(Complaint.id).where(Complaint.tracking_code == code))


def test_requests_default_to_90_days_and_page_past_them_as_an_extension(
    client, frozen_clock, published
):
    frozen_clock.move_to(DEFAULT_INSTANT - timedelta(days=120))
    old = filed(client, privacy="public")
    frozen_clock.move_to(DEFAULT_INSTANT + timedelta(minutes=1))
    recent = sorted([published["public"], published["public_road"]])
    assert sorted(listed(client)) == recent  # the spec's default: the last 90 days
    since = "start_date=2026-07-01T00:00:00%2B07:00&end_date=2026-12-31T00:00:00Z"
    assert old in listed(client, since)  # a longer span is served (extension)

    first = client.get(f"{BASE}/requests.json?{since}&page_size=2")
    assert [r["service_request_id"] for r in first.get_json()] == [
        published["public_road"],
        published["public"],
    ]  # newest first
    assert first.headers["Link"] == (
        f"<http://localhost{BASE}/requests.json?start_date=2026-07-01T00:00:00%2B07:00"
        f'&end_date=2026-12-31T00:00:00Z&page_size=2&page=2>; rel="next"'
    )
    second = client.get(f"{BASE}/requests.json?{since}&page_size=2&page=2")
    assert [r["service_request_id"] for r in second.get_json()] == [old]
    assert 'rel="next"' not in second.headers["Link"] and 'rel="prev"' in second.headers["Link"]
    too_big = client.get(f"{BASE}/requests.json?page_size=1001")
    assert too_big.status_code == 400 and errors_of(too_big)[0].startswith("page_size")


def test_no_personal_data_in_any_answer(app, client, api_key, published):
    planted = [value.lower().encode() for value in SECRET.values()]
    planted.append(b"zulkarnaen")
    post(client, form(api_key, **{"attribute[privacy]": "public"}))
    codes = ",".join(published.values())
    for fmt in ("json", "xml"):
        answers = [
            client.get(f"{BASE}/requests.{fmt}"),
            client.get(f"{BASE}/requests.{fmt}?service_request_id={codes}"),
            client.get(f"{BASE}/requests.{fmt}?status=open,closed"),
            *(client.get(f"{BASE}/requests/{code}.{fmt}") for code in published.values()),
            client.get(f"{BASE}/services.{fmt}"),
            client.get(f"{BASE}/discovery.{fmt}"),
        ]
        for response in answers:
            raw = (response.get_data() + str(response.headers).encode()).lower()
            assert not [value for value in planted if value in raw], response.request.url
    with app.app_context():
        assert db.session.scalar(select(Complaint.id).where(Complaint.channel == "api"))


# -- 5. a real Open311 client on a live server ----------------------------------------------------


@pytest.fixture
def live(app: Flask) -> Iterator[str]:
    """The app served by werkzeug in a thread; its GeoReport v2 endpoint."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}{BASE}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_real_open311_client_reads_what_it_filed(live, client, api_key, fmt):
    # georeport reads and does not file: a form-encoded POST, as any client sends it
    filed_as = requests.post(
        f"{live}/requests.{fmt}",
        data=form(api_key, **{"attribute[privacy]": "public"}),
        timeout=10,
    )
    assert filed_as.status_code == 200, filed_as.text
    georeport = GeoReport(live, jurisdiction="cimahikota.go.id", output_format=fmt)
    services = georeport.get_service_list()
    assert "JALAN-DRAINASE" in {s["service_code"] for s in services}
    definition = georeport.get_service_definition("SURAT-KELURAHAN")
    assert definition["service_code"] == "SURAT-KELURAHAN"

    # a public request shows once the verifier has screened it
    assert requests.get(f"{live}/requests.json", timeout=10).json() == []
    with client.application.app_context():
        tracking = db.session.scalar(select(Complaint.tracking_code))
    verify(client, _id_of(client, tracking))
    listed_requests = georeport.get_service_requests(service_code="JALAN-DRAINASE", status="open")
    request = listed_requests[0] if fmt == "json" else listed_requests
    assert request["service_request_id"] == tracking
    one = georeport.get_service_request(tracking)
    assert one["service_request_id"] == tracking
    assert one["status"] == "open"
    assert one["agency_responsible"].startswith("Dinas Pekerjaan Umum")


def test_filing_is_rate_limited_like_create_complaint_with_the_spec_s_error(monkeypatch, tmp_path):
    monkeypatch.setenv("ADUAN_RATE_LIMITS", "createComplaint=2/minute")
    limited = create_app(app_config("sqlite", tmp_path, RATELIMIT_ENABLED=True))
    reset_schema(limited)
    web = limited.test_client()
    # key guessing counts too: the limit comes before the key is checked
    statuses = [post(web, form("app_0:salah")).status_code for _ in range(3)]
    assert statuses == [403, 403, 429]
    refused = post(web, form("app_0:salah"), fmt="xml")
    assert refused.status_code == 429
    assert xml_of(refused)[0].findtext("code") == "429"
    assert web.get(f"{BASE}/services.json").status_code == 200  # reading is not limited


def test_text_xml_cannot_carry_is_left_out_and_the_xml_still_parses(client):
    code = filed(
        client,
        privacy="public",
        description="Antrean <KTP> & KK\x0b tidak jelas \u00e9 sejak pagi hari.",
    )
    root = xml_of(client.get(f"{BASE}/requests/{code}.xml"))
    assert root[0].findtext("description") == "Antrean <KTP> & KK tidak jelas é sejak pagi hari."
