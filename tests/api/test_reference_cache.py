"""The per-process cache of reference data (issue 5, intake): fast, and never stale.

Intake reads categories, areas, routes, policies and calendars from a per-process cache that
is valid while the database's reference stamp is unchanged (`backend.db.reference`). A change
committed anywhere (another worker, the CLI, this request) must be seen by the next complaint.
"""

from __future__ import annotations

from contextlib import contextmanager

import psycopg
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from backend.agencies import service as agencies
from backend.agencies.models import Category, Kelurahan
from backend.complaints.models import Complaint
from backend.db import reference
from backend.extensions import db
from backend.sla.models import SlaClock
from backend.sla.policies import create_policy_version
from tests.factories import ComplaintPayloadFactory, file_complaint


@contextmanager
def statements(app):
    """Collect the SQL statements the app sends meanwhile: through SQLAlchemy, and those
    intake runs on the driver's connection itself (`engine.execute_on_driver`)."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    driver_execute = psycopg.Connection.execute

    def record_on_driver(self, query, *args, **kwargs):
        seen.append(query)
        return driver_execute(self, query, *args, **kwargs)

    psycopg.Connection.execute = record_on_driver
    try:
        yield seen
    finally:
        psycopg.Connection.execute = driver_execute
        event.remove(engine, "before_cursor_execute", record)


def other_worker(app) -> Session:
    """A session of its own on the same database, as another worker or the CLI would have."""
    with app.app_context():
        return Session(db.engine)


def test_a_route_changed_by_another_worker_is_used_by_the_next_complaint(app, client):
    assert file_complaint(client, category="ADMINDUK")["agency"] == "DISDUKCAPIL"  # cached now
    with other_worker(app) as session:
        agencies.set_route(session=session, category_code="ADMINDUK", agency_code="DPMPTSP")
        session.commit()
    assert file_complaint(client, category="ADMINDUK")["agency"] == "DPMPTSP"


def test_a_category_closed_or_opened_elsewhere_is_seen_at_once(app, client):
    file_complaint(client, category="ADMINDUK")
    with other_worker(app) as session:
        session.scalar(select(Category).where(Category.code == "ADMINDUK")).is_active = False
        session.commit()
    response = client.post("/api/v1/complaints", json=ComplaintPayloadFactory(category="ADMINDUK"))
    assert response.status_code == 422
    assert "category" in response.get_json()["errors"]
    with other_worker(app) as session:
        session.scalar(select(Category).where(Category.code == "ADMINDUK")).is_active = True
        session.commit()
    assert file_complaint(client, category="ADMINDUK")["agency"] == "DISDUKCAPIL"


def test_a_new_kelurahan_is_accepted_as_soon_as_it_is_committed(app, client):
    file_complaint(client, kecamatan="CMH-TGH", kelurahan="Baros")
    payload = ComplaintPayloadFactory(kecamatan="CMH-TGH", kelurahan="Kelurahan Baru")
    assert client.post("/api/v1/complaints", json=payload).status_code == 422
    with other_worker(app) as session:
        session.add(Kelurahan(kecamatan_code="CMH-TGH", name="Kelurahan Baru"))
        session.commit()
    assert client.post("/api/v1/complaints", json=payload).status_code == 201


def test_a_policy_changed_elsewhere_sets_the_next_clock(app, client):
    file_complaint(client, category="ADMINDUK")  # the statutory default, cached
    with other_worker(app) as session:
        create_policy_version(
            session=session,
            code="ADMINDUK-CEPAT",
            name="Adminduk: tanggapan 3 hari kerja",
            category_id=agencies.category_by_code(session=session, code="ADMINDUK").id,
            rules={"response": {"days": 3, "unit": "working_day"}},
            user_id=None,
        )
        session.commit()
    receipt = file_complaint(client, category="ADMINDUK")
    with app.app_context():
        clock = db.session.scalar(select(SlaClock).where(SlaClock.complaint_id == receipt["id"]))
        assert (clock.days, clock.unit) == (3, "working_day")
        assert clock.explanation["policy"] == "ADMINDUK-CEPAT v1"


def test_a_change_in_the_same_transaction_is_seen_by_it(app):
    with app.app_context():
        session = db.session
        assert agencies.route(
            session=session, category_id=_category_id(session), kecamatan_code=None
        )
        agencies.set_route(session=session, category_code="ADMINDUK", agency_code="DPMPTSP")
        routed = agencies.route(
            session=session, category_id=_category_id(session), kecamatan_code=None
        )
        assert routed is not None and routed.code == "DPMPTSP"
        session.rollback()
        routed = agencies.route(
            session=session, category_id=_category_id(session), kecamatan_code=None
        )
        assert routed is not None and routed.code == "DISDUKCAPIL"


def _category_id(session: Session) -> int:
    return agencies.category_by_code(session=session, code="ADMINDUK").id


def test_intake_reads_no_reference_table_once_cached(app, client):
    file_complaint(client)
    with statements(app) as seen:
        receipt = file_complaint(client)
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    touched = " ".join(reads).lower()
    for table in ("categories", "kelurahan", "routing_rules", "sla_policies", "calendars"):
        assert f"from {table}" not in touched, reads
    with app.app_context():
        complaint = db.session.get(Complaint, receipt["id"])
        # written with the complaint, not by a later UPDATE
        assert complaint.next_due_at is not None
        assert complaint.timeline_length == 1
        dialect = db.engine.dialect.name
    if dialect == "postgresql":
        # the id with the stamp, then one flush of inserts: no UPDATE follows the INSERTs
        assert not [s for s in seen if s.lstrip().upper().startswith("UPDATE")], seen


def test_an_emptied_database_caches_nothing_until_its_data_returns(app, client):
    with app.app_context():
        db.session.execute(reference.ReferenceStamp.__table__.delete())
        db.session.commit()
        assert reference.current_token(db.session) is None
        db.session.rollback()
    assert file_complaint(client)["agency"] == "DISDUKCAPIL"  # read from the tables
