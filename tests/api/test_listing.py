"""listComplaints filters (issue 2, item 17): status, agency, category, channel, dates, text."""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest.mock import patch

import pytest

from tests.factories import file_complaint

URL = "/api/v1/complaints"


def act(client, headers, complaint_id, **body):
    etag = client.get(f"{URL}/{complaint_id}", headers=headers).headers["ETag"]
    response = client.post(
        f"{URL}/{complaint_id}/transitions", json=body, headers={**headers, "If-Match": etag}
    )
    assert response.status_code == 200, response.get_json()


def listing(client, headers, **query):
    response = client.get(URL, headers=headers, query_string=query)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"items", "pagination"}
    return body


def codes(body):
    return {item["tracking_code"] for item in body["items"]}


@pytest.fixture
def filed(client, headers_for, frozen_at):
    """Five complaints that differ in status, agency, category, channel and receipt time."""
    verifier = headers_for("verifier")
    made = {
        "ktp": file_complaint(
            client,
            title="KTP-el belum dicetak",
            description="Sudah tiga bulan menunggu pencetakan KTP-el.",
        ),
        "surat": file_complaint(
            client,
            verifier,
            category="SURAT-KELURAHAN",
            kecamatan="CMH-UTR",
            kelurahan="Cibabat",
            channel="walk_in",
            title="Surat pengantar ditahan",
            description="Petugas kelurahan meminta biaya untuk surat.",
            received_at=(frozen_at - timedelta(days=10)).isoformat(),
        ),
        "izin": file_complaint(
            client,
            verifier,
            category="PERIZINAN",
            channel="telephone",
            title="Izin usaha lambat",
            description="Permohonan NIB belum diproses sebulan.",
            received_at=(frozen_at - timedelta(days=20)).isoformat(),
        ),
        "sampah": file_complaint(
            client,
            category="SAMPAH",
            title="Sampah menumpuk di pasar",
            description="Sampah tidak diangkut selama seminggu.",
        ),
        "jalan": file_complaint(
            client,
            headers_for("citizen"),
            complainant=None,
            category="JALAN-DRAINASE",
            title="Jalan berlubang",
            description="Lubang besar di Jl. Amir Machmud dekat KTP.",
        ),
    }
    act(client, verifier, made["ktp"]["id"], action="verify")
    act(client, verifier, made["sampah"]["id"], action="request_info", reason="Kirim foto")
    return made


def test_envelope_and_pagination(client, headers_for, filed):
    body = listing(client, headers_for("verifier"), per_page=2, page=1)
    assert body["pagination"] == {
        "page": 1,
        "per_page": 2,
        "total": 5,
        "pages": 3,
        "total_exact": True,
    }
    assert len(body["items"]) == 2
    page3 = listing(client, headers_for("verifier"), per_page=2, page=3)
    assert len(page3["items"]) == 1
    page2 = listing(client, headers_for("verifier"), per_page=2, page=2)
    seen = codes(body) | codes(page2) | codes(page3)
    assert seen == {r["tracking_code"] for r in filed.values()}
    item = body["items"][0]
    assert {
        "id",
        "tracking_code",
        "title",
        "status",
        "category",
        "agency",
        "channel",
        "received_at",
    } <= set(item)


def test_newest_received_first(client, headers_for, filed):
    items = listing(client, headers_for("verifier"))["items"]
    received = [datetime.fromisoformat(i["received_at"]) for i in items]
    assert received == sorted(received, reverse=True)
    assert items[-1]["tracking_code"] == filed["izin"]["tracking_code"]


def test_status_filter_is_repeatable(client, headers_for, filed):
    verifier = headers_for("verifier")
    assert codes(listing(client, verifier, status="verified")) == {filed["ktp"]["tracking_code"]}
    both = client.get(f"{URL}?status=verified&status=incomplete", headers=verifier).get_json()
    assert codes(both) == {filed["ktp"]["tracking_code"], filed["sampah"]["tracking_code"]}
    assert len(listing(client, verifier, status="submitted")["items"]) == 3
    bad = client.get(f"{URL}?status=lost", headers=verifier)
    assert bad.status_code == 422


def test_agency_category_and_channel_filters(client, headers_for, filed):
    verifier = headers_for("verifier")
    assert codes(listing(client, verifier, agency="KEC-UTR")) == {filed["surat"]["tracking_code"]}
    assert codes(listing(client, verifier, category="PERIZINAN")) == {
        filed["izin"]["tracking_code"]
    }
    assert codes(listing(client, verifier, channel="telephone")) == {filed["izin"]["tracking_code"]}
    assert codes(listing(client, verifier, channel="walk_in")) == {filed["surat"]["tracking_code"]}
    assert len(listing(client, verifier, channel="web")["items"]) == 3
    combined = listing(client, verifier, channel="web", status="submitted")
    assert codes(combined) == {filed["jalan"]["tracking_code"]}
    assert client.get(URL, headers=verifier, query_string={"agency": "NOPE"}).status_code == 422


def test_received_date_range(client, headers_for, filed, frozen_at):
    verifier = headers_for("verifier")
    older = listing(client, verifier, received_to=(frozen_at - timedelta(days=5)).isoformat())
    assert codes(older) == {filed["surat"]["tracking_code"], filed["izin"]["tracking_code"]}
    window = listing(
        client,
        verifier,
        received_from=(frozen_at - timedelta(days=15)).isoformat(),
        received_to=(frozen_at - timedelta(days=5)).isoformat(),
    )
    assert codes(window) == {filed["surat"]["tracking_code"]}
    recent = listing(client, verifier, received_from=(frozen_at - timedelta(days=1)).isoformat())
    assert len(recent["items"]) == 3


def test_text_search_in_title_and_description(client, headers_for, filed):
    verifier = headers_for("verifier")
    assert codes(listing(client, verifier, q="berlubang")) == {filed["jalan"]["tracking_code"]}
    # description, case-insensitive
    assert codes(listing(client, verifier, q="nib BELUM")) == {filed["izin"]["tracking_code"]}
    # "KTP" is in one title and another description
    assert codes(listing(client, verifier, q="ktp")) == {
        filed["ktp"]["tracking_code"],
        filed["jalan"]["tracking_code"],
    }
    assert listing(client, verifier, q="tidak ada yang cocok")["items"] == []


def test_search_by_exact_tracking_code(client, headers_for, filed):
    verifier = headers_for("verifier")
    code = filed["sampah"]["tracking_code"]
    assert codes(listing(client, verifier, q=code)) == {code}
    assert codes(listing(client, verifier, q=code.lower())) == {code}


def test_filters_stay_inside_the_callers_scope(client, headers_for, filed):
    officer = headers_for("officer")
    # Disdukcapil sees only its verified complaint, whatever the filters ask for
    assert codes(listing(client, officer)) == {filed["ktp"]["tracking_code"]}
    assert listing(client, officer, agency="KEC-UTR")["items"] == []
    assert listing(client, officer, q=filed["izin"]["tracking_code"])["items"] == []
    citizen = headers_for("citizen")
    assert codes(listing(client, citizen)) == {filed["jalan"]["tracking_code"]}
    assert listing(client, citizen, category="ADMINDUK")["items"] == []


def test_report_type_and_kecamatan_filters(client, headers_for, filed):
    verifier = headers_for("verifier")
    extra = file_complaint(client, report_type="aspirasi", title="Usul taman baca")
    assert codes(listing(client, verifier, report_type="aspirasi")) == {extra["tracking_code"]}
    assert codes(listing(client, verifier, kecamatan="CMH-UTR")) == {
        filed["surat"]["tracking_code"]
    }


def test_wildcards_in_the_search_text_are_literal(client, headers_for, filed):
    verifier = headers_for("verifier")
    assert listing(client, verifier, q="%")["items"] == []
    assert listing(client, verifier, q="_")["items"] == []
    percent = file_complaint(client, title="Diskon 50% PBB tidak diberikan")
    assert codes(listing(client, verifier, q="50%")) == {percent["tracking_code"]}


def test_search_by_code_as_typed_by_a_person(client, headers_for, filed):
    code = filed["ktp"]["tracking_code"]
    typed = code.removeprefix("ADU-").replace("-", " ").lower()
    assert codes(listing(client, headers_for("verifier"), q=typed)) == {code}


def test_oldest_first_when_asked(client, headers_for, filed):
    items = listing(client, headers_for("verifier"), sort="received_at")["items"]
    received = [datetime.fromisoformat(i["received_at"]) for i in items]
    assert received == sorted(received)
    assert items[0]["tracking_code"] == filed["izin"]["tracking_code"]


def test_the_count_stops_ten_pages_ahead_and_says_so(client, headers_for, filed):
    # five complaints, one a page: page 1 counts up to ten pages, so exactly
    exact = listing(client, headers_for("verifier"), per_page=1, page=1)["pagination"]
    assert (exact["total"], exact["total_exact"]) == (5, True)
    with patch("backend.db.pagination.PAGES_AHEAD", 2):
        floor = listing(client, headers_for("verifier"), per_page=1, page=1)["pagination"]
        assert (floor["total"], floor["pages"], floor["total_exact"]) == (2, 2, False)
        # a later page counts further ahead
        later = listing(client, headers_for("verifier"), per_page=1, page=3)["pagination"]
        assert (later["total"], later["total_exact"]) == (4, False)
        last = listing(client, headers_for("verifier"), per_page=1, page=4)["pagination"]
        assert (last["total"], last["total_exact"]) == (5, True)


def test_deadline_sort_and_overdue_follow_the_clocks(client, headers_for, filed, session):
    from sqlalchemy import select

    from backend.complaints.models import Complaint
    from backend.sla.models import ClockState, SlaClock

    # complaints.next_due_at is the earliest running deadline, kept in step by every flush
    for complaint in session.scalars(select(Complaint)):
        running = session.scalars(
            select(SlaClock.due_at).where(
                SlaClock.complaint_id == complaint.id, SlaClock.state == ClockState.RUNNING
            )
        ).all()
        assert complaint.next_due_at == (min(running) if running else None)
