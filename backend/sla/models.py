"""Calendars, SLA policies, clocks and escalations."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, now_utc


class ClockKind(StrEnum):
    """The legal clocks of UU 25/2009."""

    RESPONSE = "response"
    COMPLETION = "completion"
    # after the citizen completes the file (44(4)) the institution checks it again: the response
    # of 44(3) to the completed material, so that no open complaint waits without a deadline
    VERIFICATION = "verification"
    DECISION = "decision"
    DELIVERY = "delivery"


# the clocks that run against the institution (the citizen's completion clock is not one):
# breach reports, tallies and compliance figures count these
STAFF_CLOCKS = (ClockKind.RESPONSE, ClockKind.VERIFICATION, ClockKind.DECISION, ClockKind.DELIVERY)


class ClockState(StrEnum):
    """Where a clock is."""

    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    EXPIRED = "expired"


class Unit(StrEnum):
    """How a clock counts days."""

    CALENDAR_DAY = "calendar_day"
    WORKING_DAY = "working_day"


class Calendar(Base):
    """A regional working-day calendar; `version` rises with each overlay change."""

    __tablename__ = "calendars"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Jakarta")
    first_year: Mapped[int] = mapped_column(Integer)
    last_year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # offices that work through cuti bersama leave the GOVERNMENT category out
    include_cuti_bersama: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    @property
    def time_zone(self) -> str:
        """The zone its days are local to (IANA name)."""
        return self.timezone


class CalendarOverlay(Base):
    """An admin's change to the national calendar: a closure, a regional holiday, a moved day."""

    __tablename__ = "calendar_overlays"
    __table_args__ = (UniqueConstraint("calendar_code", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    calendar_code: Mapped[str] = mapped_column(ForeignKey("calendars.code"))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)


class SlaPolicy(Base):
    """A versioned set of clock rules for a category (or the default, category null)."""

    __tablename__ = "sla_policies"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer, default=1)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # {"response": {"days": 14, "unit": "calendar_day"}, ...}, warning and escalation steps
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_current: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)


class SlaClock(Base):
    """One legal clock of one complaint; `next_action_at` is what the sweep looks at."""

    __tablename__ = "sla_clocks"
    __table_args__ = (
        UniqueConstraint("complaint_id", "kind", "cycle"),
        Index(
            "ix_sla_clocks_due",
            "next_action_at",
            postgresql_where=text("next_action_at IS NOT NULL"),
            sqlite_where=text("next_action_at IS NOT NULL"),
        ),
        # listBreaches (issue 5): breaches still open, longest overdue first = oldest deadline
        Index(
            "ix_sla_clocks_breach_open",
            "due_at",
            "id",
            # the filters, so that the walk is an index-only scan
            postgresql_include=["breached_at", "kind", "agency_id", "escalation_level", "state"],
            postgresql_where=text("breached_at IS NOT NULL AND stopped_at IS NULL"),
            sqlite_where=text("breached_at IS NOT NULL AND stopped_at IS NULL"),
        ),
        Index(
            "ix_sla_clocks_breach_open_agency",
            "agency_id",
            "due_at",
            "id",
            postgresql_where=text("breached_at IS NOT NULL AND stopped_at IS NULL"),
            sqlite_where=text("breached_at IS NOT NULL AND stopped_at IS NULL"),
        ),
        # the period filter of listBreaches
        Index(
            "ix_sla_clocks_breached_at",
            "breached_at",
            postgresql_where=text("breached_at IS NOT NULL"),
            sqlite_where=text("breached_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # looked up through uq_sla_clocks_complaint_id_kind_cycle, which leads with it
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    # the columns the breach tallies classify a clock by: their old values are loaded before a
    # change, so that `backend.sla.tallies` can take the old classification off
    agency_id: Mapped[int | None] = mapped_column(
        ForeignKey("agencies.id"), index=True, active_history=True
    )
    kind: Mapped[str] = mapped_column(String(20), active_history=True)
    cycle: Mapped[int] = mapped_column(Integer, default=1)
    unit: Mapped[str] = mapped_column(String(20))
    days: Mapped[int] = mapped_column(Integer)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id"))
    calendar_code: Mapped[str] = mapped_column(String(40))
    calendar_version: Mapped[int] = mapped_column(Integer, default=1)
    # the zone of its calendar (IANA name): its days, deadline and start day are local to it
    time_zone: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20), default=ClockState.RUNNING, active_history=True)
    started_at: Mapped[datetime] = mapped_column(active_history=True)
    due_at: Mapped[datetime]
    due_date: Mapped[date] = mapped_column(Date)
    deadline_version: Mapped[int] = mapped_column(Integer, default=1)
    paused_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None] = mapped_column(active_history=True)
    breached_at: Mapped[datetime | None] = mapped_column(active_history=True)
    next_action_at: Mapped[datetime | None]
    # highest escalation level fired for the current deadline version (0: none)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    # how many steps of the ladder are behind the clock for the current deadline version: a
    # column of its own, so that the sweep neither reads nor rewrites `explanation` (issue 5)
    steps_done: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # days (in `unit`) still left when the clock was paused
    remaining_days: Mapped[int | None] = mapped_column(Integer)
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # how long past its deadline a breached clock finished (stopped or expired), in seconds:
    # fixed once it stops, so listBreaches can read finished breaches off an index (issue 5);
    # kept by `backend.sla.hooks` on every insert and update, wherever the clock stops
    late_seconds: Mapped[float | None] = mapped_column(Float)

    def finished_late_seconds(self) -> float | None:
        """`late_seconds` as the clock's columns say it should be (None: not a finished breach)."""
        if self.breached_at is None or self.stopped_at is None or self.due_at is None:
            return None
        return (self.stopped_at - self.due_at).total_seconds()

    def _overdue_at(self, now: datetime) -> bool:
        return self.state == ClockState.RUNNING and self.due_at < now

    def _overdue_at_sql(cls: Any, now: datetime) -> ColumnElement[bool]:  # noqa: N805
        return and_(cls.state == ClockState.RUNNING, cls.due_at < now)

    #: The one "overdue" rule: a running clock whose deadline has passed at `now`. In Python
    #: and in SQL (`SlaClock.overdue_at(now)`).
    overdue_at = hybrid_method(_overdue_at, _overdue_at_sql)

    def _overdue(self) -> bool:
        return self._overdue_at(now_utc())

    def _overdue_sql(cls: Any) -> ColumnElement[bool]:  # noqa: N805
        return and_(cls.state == ClockState.RUNNING, cls.due_at < now_utc())

    #: Overdue now (see `overdue_at`); usable in queries as `SlaClock.overdue`.
    overdue = hybrid_property(_overdue, expr=_overdue_sql)


# listBreaches: finished breaches by their fixed lateness, longest first, ties by id; the
# filters included, so that the walk is an index-only scan (issue 5)
Index(
    "ix_sla_clocks_breach_late",
    SlaClock.late_seconds.desc(),
    SlaClock.id,
    postgresql_include=["breached_at", "kind", "agency_id", "escalation_level"],
    postgresql_where=text("late_seconds IS NOT NULL"),
    sqlite_where=text("late_seconds IS NOT NULL"),
)
Index(
    "ix_sla_clocks_breach_late_agency",
    SlaClock.agency_id,
    SlaClock.late_seconds.desc(),
    SlaClock.id,
    postgresql_where=text("late_seconds IS NOT NULL"),
    sqlite_where=text("late_seconds IS NOT NULL"),
)
# getBreachSummary: the clocks of a period's partial first and last days, classified live
Index(
    "ix_sla_clocks_started_at",
    SlaClock.started_at,
    # what the summary classifies a clock by: the partial days are index-only scans
    postgresql_include=["agency_id", "kind", "state", "breached_at", "stopped_at"],
)
# getBreachSummary: running clocks the sweep has not marked breached, by deadline: those past it
# (overdue, not yet swept) and those due in the next days (at risk); index-only scans
Index(
    "ix_sla_clocks_running_unbreached",
    SlaClock.due_at,
    postgresql_include=[
        "agency_id",
        "kind",
        "started_at",
        "policy_id",
        "calendar_code",
        "due_date",
    ],
    postgresql_where=text("state = 'running' AND breached_at IS NULL"),
    sqlite_where=text("state = 'running' AND breached_at IS NULL"),
)


class SlaEscalation(Base):
    """A step of the ladder that fired; unique per clock, step and deadline version."""

    __tablename__ = "sla_escalations"
    __table_args__ = (
        UniqueConstraint("clock_id", "step", "deadline_version"),
        # listBreaches?ombudsman=true (issue 5)
        Index(
            "ix_sla_escalations_ombudsman",
            "clock_id",
            postgresql_where=text("for_ombudsman"),
            sqlite_where=text("for_ombudsman"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("sla_clocks.id"), index=True)
    step: Mapped[str] = mapped_column(String(30))
    level: Mapped[int] = mapped_column(Integer)
    deadline_version: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime]
    fired_at: Mapped[datetime] = mapped_column(default=now_utc)
    target_role: Mapped[str] = mapped_column(String(20))
    target_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    # the inspectorate step is listed in the Ombudsman report
    for_ombudsman: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)


class JobStatus(StrEnum):
    """Where a background job is."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RecalculationJob(Base):
    """An admin's request to recount the running clocks' deadlines, done in the background.

    The scheduler works through the running clocks in id order, batch by batch, and keeps its
    place (`last_clock_id`) and progress here, so a restart goes on where it stopped.
    """

    __tablename__ = "recalculation_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    calendar_code: Mapped[str | None] = mapped_column(String(40))
    policy_code: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.QUEUED, index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=now_utc)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # the running clocks there were to look at when it started, and how far it got
    total: Mapped[int | None] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    last_clock_id: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


# the duration buckets of finished staff clocks (whole seconds from start to stop): bucket 0 is
# under a minute, bucket k (1..80) from DURATION_BOUNDS[k-1] up to DURATION_BOUNDS[k], each 19 to
# 21 % wider than the last, and bucket 81 the rest (above 4.1 years)
DURATION_BOUNDS: tuple[int, ...] = tuple(round(60 * 1.2**k) for k in range(81))
BUCKET_COLUMNS: tuple[str, ...] = tuple(
    f"finished_{k:02d}" for k in range(len(DURATION_BOUNDS) + 1)
)
# the time-independent classification of a clock: every clock, running, paused, breached
# (breached_at set, any state), running and breached, and stopped on time (breached_at unset)
COUNT_COLUMNS = ("clocks", "running", "paused", "breached", "running_breached", "on_time")


class TallyGrain(StrEnum):
    """How many start days a tally row covers."""

    DAY = "day"
    MONTH = "month"


class SlaClockTally(Base):
    """Staff clocks counted per grain, zone, local start day or month, agency and kind.

    Kept in the transaction of every clock change by `backend.sla.tallies`, so that the breach
    summary adds a few thousand rows instead of reading every clock (issue 5). `agency_key` is
    the clock's agency, 0 for none; `start_day` is the first day of the month on month rows.
    A key may have several rows, to be added up: requests only ever insert rows of changes, so
    that concurrent writers never wait on one another's row; the scheduler folds them.
    """

    __table__ = Table(
        "sla_clock_tallies",
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("grain", String(5), nullable=False),
        Column("time_zone", String(40), nullable=False),
        Column("start_day", Date, nullable=False),
        Column("agency_key", Integer, nullable=False),
        Column("kind", String(20), nullable=False),
        *(
            Column(name, Integer, nullable=False, server_default=text("0"))
            for name in (*COUNT_COLUMNS, *BUCKET_COLUMNS)
        ),
        Index("ix_sla_clock_tallies_key", "grain", "time_zone", "start_day", "agency_key", "kind"),
    )
