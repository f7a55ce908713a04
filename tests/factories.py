"""Test data through factory-boy: plain factories for request bodies, SQLAlchemy factories for
rows the API has no way to make (an account minted without argon2, a backlog of clocks, a step
fired by another process). Complaints themselves are filed through the API (`file_complaint`),
the path every real complaint takes. Fake values are Indonesian (Faker's id_ID).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from faker import Faker
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.agencies.models import Agency
from backend.auth.models import ApiClient, User
from backend.extensions import db
from backend.sla.models import ClockState, SlaEscalation
from tests.conftest import DEMO_HASH

fake = Faker("id_ID")


# --- request bodies ------------------------------------------------------------------------------


class ComplainantFactory(factory.DictFactory):
    """The complainant of a createComplaint body: a person who gives a name and contacts."""

    kind = "person"
    name = factory.Faker("name", locale="id_ID")
    email = factory.Faker("email", locale="id_ID")
    phone = "081234567890"
    address = factory.LazyFunction(lambda: fake.address().replace("\n", ", "))


class ComplaintPayloadFactory(factory.DictFactory):
    """A complete, valid createComplaint body; keyword arguments replace fields
    (`complainant__name=...` one field of the complainant)."""

    report_type = "pengaduan"
    category = "ADMINDUK"
    title = "KTP-el belum jadi setelah tiga bulan"
    description = "Saya merekam KTP-el di Disdukcapil tetapi sampai sekarang belum dicetak."
    loss_description = "Tidak bisa membuka rekening bank."
    remedy_requested = "KTP-el segera dicetak."
    incident_place = "Kantor Disdukcapil Kota Cimahi"
    privacy = "private"
    complainant = factory.SubFactory(ComplainantFactory)
    consent = True
    kecamatan = "CMH-TGH"
    kelurahan = "Baros"


class TrackRequestFactory(factory.DictFactory):
    """A trackComplaint body for a receipt: `TrackRequestFactory(code=..., pin=...)`."""

    code = "ADU-0000-0000"
    pin = "000000"

    @classmethod
    def of(cls, receipt: dict[str, Any], **overrides: Any) -> dict[str, Any]:
        """The body that tracks the complaint of `receipt` (its code and PIN)."""
        return cls(**{"code": receipt["tracking_code"], "pin": receipt["pin"], **overrides})


class PolicyPayloadFactory(factory.DictFactory):
    """A createPolicyVersion body: the response clock in working days."""

    code = "adminduk"
    name = "Kebijakan Adminduk"
    category = "ADMINDUK"
    rules = factory.LazyAttribute(lambda o: {"response": {"days": o.days, "unit": o.unit}})

    class Params:
        days = 10
        unit = "working_day"


class OverlayEntryPayloadFactory(factory.DictFactory):
    """An addOverlayEntry body: a day off of the city's own."""

    day = "2026-06-02"
    kind = "regional_holiday"
    name = "Hari Jadi Kota Cimahi"


class ApiClientPayloadFactory(factory.DictFactory):
    """A createApiClient body."""

    name = "Aplikasi Warga"
    scopes = factory.LazyFunction(lambda: ["complaints:create", "complaints:track"])


# --- rows ----------------------------------------------------------------------------------------


class SessionFactory(factory.alchemy.SQLAlchemyModelFactory):
    """Rows added to the app's session and committed (inside an app context)."""

    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(SessionFactory):
    """An account with the demo password's hash (no argon2 round per test)."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"pengguna{n}@uji.cimahikota.go.id")
    password_hash = DEMO_HASH
    full_name = factory.Faker("name", locale="id_ID")
    role = "officer"
    agency_id = factory.LazyAttribute(lambda o: _agency_id(o.agency_code))

    class Params:
        agency_code: str | None = None


def _agency_id(code: str | None) -> int | None:
    """The id of the agency with `code` (the demo data's), or None."""
    if code is None:
        return None
    return db.session.scalar(select(Agency.id).where(Agency.code == code))


class ApiClientFactory(SessionFactory):
    """A third-party application with `scopes` granted (a list)."""

    class Meta:
        model = ApiClient
        exclude = ("granted",)

    client_id = factory.Sequence(lambda n: f"app_uji_{n}")
    secret_hash = DEMO_HASH
    name = "Aplikasi Uji"
    granted: list[str] = []
    scopes = factory.LazyAttribute(lambda o: {"granted": sorted(o.granted)})


class SlaEscalationFactory(SessionFactory):
    """An escalation step already fired for `clock` (another sweep's, say)."""

    class Meta:
        model = SlaEscalation
        exclude = ("clock",)

    clock: Any = None
    clock_id = factory.LazyAttribute(lambda o: o.clock.id)
    step = "agency_head"
    level = 1
    deadline_version = factory.LazyAttribute(lambda o: o.clock.deadline_version)
    due_at = factory.LazyAttribute(lambda o: o.clock.due_at)
    fired_at = factory.LazyAttribute(lambda o: o.clock.due_at)
    target_role = "agency_head"


class SlaClockRowFactory(factory.DictFactory):
    """The values of one running sla_clocks row of `base`'s complaint, agency and calendar, due
    at the end of `due_date` (`calendar`'s), one step of its ladder done: for a bulk insert of
    a backlog, `insert(SlaClock)` with `backlog(...)`."""

    class Params:
        base: Any = None
        calendar: Any = None

    complaint_id = factory.LazyAttribute(lambda o: o.base.complaint_id)
    agency_id = factory.LazyAttribute(lambda o: o.base.agency_id)
    kind = "decision"
    cycle = 1
    unit = "calendar_day"
    days = 14
    policy_id = None
    calendar_code = factory.LazyAttribute(lambda o: o.base.calendar_code)
    time_zone = factory.LazyAttribute(lambda o: o.base.time_zone)
    calendar_version = factory.LazyAttribute(lambda o: o.base.calendar_version)
    state = ClockState.RUNNING
    due_date = None
    due_at = factory.LazyAttribute(lambda o: o.calendar.end_of_day(o.due_date))
    started_at = factory.LazyAttribute(lambda o: o.due_at - timedelta(days=o.days))
    deadline_version = 1
    escalation_level = 0
    next_action_at = factory.LazyAttribute(lambda o: o.due_at + timedelta(seconds=1))
    steps_done = 1
    explanation = factory.LazyFunction(dict)

    @classmethod
    def backlog(cls, count: int, **fields: Any) -> list[dict[str, Any]]:
        """`count` such rows, cycles 1 to `count`."""
        return cls.build_batch(count, cycle=factory.Iterator(range(1, count + 1)), **fields)


# --- shortcuts -----------------------------------------------------------------------------------


def file_complaint(
    client: FlaskClient, headers: dict[str, str] | None = None, **overrides: Any
) -> dict[str, Any]:
    """File a complaint (ComplaintPayloadFactory's body with `overrides`); its receipt."""
    response = client.post(
        "/api/v1/complaints", json=ComplaintPayloadFactory(**overrides), headers=headers or {}
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


def mail_text(app: Any, message: Any) -> str:
    """An outbox message's body as its recipient reads it: the sealed values (a PIN, a survey
    link's token) filled in as the delivery job does, which the stored body never holds."""
    from backend.notifications.service import build_email

    return build_email(message, "aduan@contoh.id", app.config["OUTBOX_KEY"]).get_content()
