"""listAgencyOfficers: who a complaint can be assigned to, names and roles only."""

from __future__ import annotations

from sqlalchemy import select

from backend.agencies.models import Agency
from backend.extensions import db

URL = "/api/v1/agencies/{}/officers"


def _agency_id(app, code):
    with app.app_context():
        return db.session.scalar(select(Agency.id).where(Agency.code == code))


def test_the_agency_head_lists_their_own_officers_without_contact_details(app, client, headers_for):
    disdukcapil = _agency_id(app, "DISDUKCAPIL")
    response = client.get(URL.format(disdukcapil), headers=headers_for("agency_head"))
    assert response.status_code == 200
    officers = response.get_json()
    assert len(officers) >= 2
    assert {o["role"] for o in officers} <= {"officer", "agency_head"}
    assert all(set(o) == {"id", "full_name", "role"} for o in officers)
    assert "@" not in response.get_data(as_text=True)
    assert "0812" not in response.get_data(as_text=True)
    assert [o["full_name"] for o in officers] == sorted(o["full_name"] for o in officers)


def test_verifier_and_admin_list_any_agency(app, client, headers_for):
    for code in ("DISDUKCAPIL", "DPMPTSP"):
        agency = _agency_id(app, code)
        for role in ("verifier", "admin"):
            response = client.get(URL.format(agency), headers=headers_for(role))
            assert response.status_code == 200, (code, role)
    assert client.get(URL.format(2147483647), headers=headers_for("verifier")).status_code == 404


def test_other_roles_and_another_agencys_head_are_refused(app, client, headers_for):
    other = _agency_id(app, "DPMPTSP")
    own = _agency_id(app, "DISDUKCAPIL")
    assert client.get(URL.format(other), headers=headers_for("agency_head")).status_code in (
        403,
        404,
    )
    for role in ("officer", "supervisor", "citizen"):
        assert client.get(URL.format(own), headers=headers_for(role)).status_code == 403, role
    assert client.get(URL.format(own)).status_code == 401


def test_an_inactive_officer_is_not_offered(app, client, headers_for):
    own = _agency_id(app, "DISDUKCAPIL")
    admin = headers_for("admin")
    officers = client.get(URL.format(own), headers=admin).get_json()
    officer = next(o for o in officers if o["role"] == "officer")
    assert (
        client.patch(
            f"/api/v1/users/{officer['id']}", json={"is_active": False}, headers=admin
        ).status_code
        == 200
    )
    remaining = client.get(URL.format(own), headers=admin).get_json()
    assert officer["id"] not in {o["id"] for o in remaining}
