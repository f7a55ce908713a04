"""The public scorecard (issue 16, item 4): per agency or the whole city, month by month, the
figures of the supervisors' reports, from data at least a day old, small counts suppressed.

Nothing here is new arithmetic: compliance and breaches are the breach summary's
(`service.breach_summary`), the median time to decision its duration histogram
(`tally_reads`), the IKM and its band the IKM report's (`backend.survey.report`). They are read
as a city-wide reader would (`READER`), and only totals leave this module.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth.principal import Principal
from backend.auth.roles import Role
from backend.complaints.models import Complaint
from backend.localtime import local_date, start_of_day, zone
from backend.reports import service
from backend.sla import tally_reads
from backend.sla.models import BUCKET_COLUMNS, STAFF_CLOCKS, ClockKind
from backend.survey.report import IkmQuery, ikm_report

# the scorecard's zone: the city's (WIB)
ZONE = zone("Asia/Jakarta")
# a count below this is not shown (null with a flag): a handful of cases can name a person
SMALL = 5
# how the reports are read for the public: city-wide, read-only; only totals are returned
READER = Principal(kind="user", role=Role.SUPERVISOR, label="scorecard")


@dataclass(frozen=True)
class ScorecardQuery:
    """What getPublicScorecard was asked for."""

    agency_id: int | None = None
    agency_code: str | None = None
    months: int = 12


def as_of(now: datetime) -> datetime:
    """The end of yesterday in WIB: the scorecard reads nothing newer (as a UTC instant)."""
    return start_of_day(local_date(now, ZONE), ZONE)


def _months(cutoff: datetime, count: int) -> list[tuple[date, datetime, datetime]]:
    """The `count` months up to the one holding the last day read, oldest first, each with
    its start and its end (the cutoff for the last one)."""
    last = local_date(cutoff - timedelta(seconds=1), ZONE).replace(day=1)
    months = []
    year, month = last.year, last.month
    for _ in range(count):
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        months.append((first, start_of_day(first, ZONE), start_of_day(following, ZONE)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return [(first, begin, min(end, cutoff)) for first, begin, end in reversed(months)]


def _count(value: int) -> dict[str, Any]:
    """A count as shown: under `SMALL` (but not none) suppressed."""
    if 0 < value < SMALL:
        return {"value": None, "suppressed": True}
    return {"value": value, "suppressed": False}


def _rate(on_time: int, judged: int) -> dict[str, Any]:
    """A share of `judged` deadlines: suppressed when fewer than `SMALL` were judged."""
    if judged == 0:
        return {"value": None, "suppressed": False, "judged": 0}
    if judged < SMALL:
        return {"value": None, "suppressed": True, "judged": None}
    return {"value": round(on_time / judged, 4), "suppressed": False, "judged": judged}


def scorecard(*, session: Session, query: ScorecardQuery, now: datetime) -> dict[str, Any]:
    """The scorecard: one row per month, oldest first, and the instant it is as of."""
    cutoff = as_of(now)
    months = _months(cutoff, query.months)
    received = _received(session, query.agency_id, months[0][1], cutoff)
    ikm = ikm_report(
        session=session,
        principal=READER,
        query=IkmQuery(
            group="agency",
            period_from=months[0][1],
            period_to=cutoff,
            by_month=True,
            agency_id=query.agency_id,
        ),
        now=cutoff,
    )
    ikm_months = {row["month"]: row for row in ikm["total"].get("months", [])}
    rows = []
    for first, begin, end in months:
        key = first.strftime("%Y-%m")
        judged: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for row in service.breach_summary(
            session=session,
            principal=READER,
            now=cutoff,
            period_from=begin,
            period_to=end,
            agency_id=query.agency_id,
        ):
            judged[row["clock"]][0] += row["on_time"]
            judged[row["clock"]][1] += row["on_time"] + row["breached"]
        histogram = [0] * len(BUCKET_COLUMNS)
        tallies = tally_reads.read(
            session=session, period_from=begin, period_to=end, agency_id=query.agency_id
        )
        for (_agency, kind), counts in tallies.items():
            if kind == ClockKind.DECISION:
                histogram = [a + counts[n] for a, n in zip(histogram, BUCKET_COLUMNS, strict=True)]
        decided = sum(histogram)
        survey = ikm_months.get(key, {})
        respondents = int(survey.get("respondents") or 0)
        small_survey = 0 < respondents < SMALL
        rows.append(
            {
                "month": key,
                "received": _count(received.get(first, 0)),
                "compliance": {str(kind): _rate(*judged[str(kind)]) for kind in STAFF_CLOCKS},
                "breaches": _count(
                    sum(judged[str(kind)][1] - judged[str(kind)][0] for kind in STAFF_CLOCKS)
                ),
                "decided": _count(decided),
                "median_decision_days": {
                    "value": None
                    if decided < SMALL
                    else round((tally_reads.quantile(histogram, 0.5) or 0) / 86400, 1),
                    "suppressed": 0 < decided < SMALL,
                },
                "ikm": {
                    "value": None if small_survey else survey.get("ikm"),
                    "band": None if small_survey else survey.get("band"),
                    "quality_id": None if small_survey else survey.get("quality_id"),
                    "quality_en": None if small_survey else survey.get("quality_en"),
                    "respondents": None if small_survey else respondents,
                    "suppressed": small_survey,
                },
            }
        )
    return {
        "agency": query.agency_code,
        "as_of": cutoff,
        "timezone": "WIB",
        "suppressed_below": SMALL,
        "months": rows,
    }


def _received(
    session: Session, agency_id: int | None, begin: datetime, cutoff: datetime
) -> dict[date, int]:
    """Verified complaints received per local month (verified by the cutoff); counts only."""
    where: list[Any] = [
        Complaint.received_at >= begin,
        Complaint.received_at < cutoff,
        Complaint.verified_at.is_not(None),
        Complaint.verified_at < cutoff,
    ]
    if agency_id is not None:
        where.append(Complaint.agency_id == agency_id)
    found: dict[date, int] = defaultdict(int)
    for (received_at,) in session.execute(select(Complaint.received_at).where(*where)):
        found[local_date(received_at, ZONE).replace(day=1)] += 1
    return found


CSV_COLUMNS = (
    "month",
    "received",
    *(f"compliance_{kind}" for kind in STAFF_CLOCKS),
    "breaches",
    "decided",
    "median_decision_days",
    "ikm",
    "ikm_band",
    "ikm_respondents",
)


def csv_rows(card: dict[str, Any]) -> list[list[Any]]:
    """The scorecard as spreadsheet rows; a suppressed cell reads "<5"."""

    def cell(value: dict[str, Any]) -> Any:
        return (
            f"<{SMALL}"
            if value["suppressed"]
            else ("" if value["value"] is None else value["value"])
        )

    rows: list[list[Any]] = [list(CSV_COLUMNS)]
    for row in card["months"]:
        ikm = row["ikm"]
        rows.append(
            [
                row["month"],
                cell(row["received"]),
                *(cell(row["compliance"][str(kind)]) for kind in STAFF_CLOCKS),
                cell(row["breaches"]),
                cell(row["decided"]),
                cell(row["median_decision_days"]),
                cell(ikm),
                f"<{SMALL}" if ikm["suppressed"] else (ikm["band"] or ""),
                f"<{SMALL}" if ikm["suppressed"] else (ikm["respondents"] or 0),
            ]
        )
    return rows
