"""The IKM report: per agency or category over a period, optionally month by month, with each
element's NRR (the weakest named) and, per agency, the SLA compliance of the same period."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.agencies.service import codes_by_id, names_by_id
from backend.auth.principal import Principal
from backend.reports import service as reports
from backend.reports.permissions import agency_scope
from backend.survey import ikm
from backend.survey.instrument import Instrument, current
from backend.survey.models import SurveyAnswer, SurveyResponse

# the key of the whole city's SLA compliance (agency codes are never empty)
ALL_AGENCIES = ""
# at most this many elements are named as pulling an index down
WEAKEST = 3


@dataclass(frozen=True)
class IkmQuery:
    """What getIkmReport was asked for."""

    group: str  # "agency" or "category"
    period_from: datetime | None = None
    period_to: datetime | None = None
    by_month: bool = False
    agency_id: int | None = None


def _decimal(value: Fraction | None, places: str) -> float | None:
    if value is None:
        return None
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal(places)))


def summary(
    scores: list[ikm.ElementScore], respondents: int, instrument: Instrument
) -> dict[str, Any]:
    """The index of one group (or month): IKM, band, each element's NRR and the weakest."""
    value = ikm.index(scores, instrument.weights)
    found = ikm.band(value) if value is not None else None
    names = {element.code: element for element in instrument.elements}
    mean = Fraction(value) / ikm.SCALE if value is not None else None
    weakest = sorted(
        (score for score in scores if score.nrr is not None and mean and score.nrr < mean),
        key=lambda score: (score.nrr, instrument.codes.index(score.element)),
    )[:WEAKEST]
    return {
        "respondents": respondents,
        "ikm": float(value) if value is not None else None,
        "band": found.letter if found else None,
        "quality_id": found.name_id if found else None,
        "quality_en": found.name_en if found else None,
        "elements": [
            {
                "element": score.element,
                "name_id": names[score.element].name_id,
                "name_en": names[score.element].name_en,
                "answered": score.answered,
                "nrr": _decimal(score.nrr, "0.01"),
                "weighted_nrr": _decimal(
                    ikm.weighted_nrr(score, instrument.weights[score.element]), "0.001"
                ),
            }
            for score in scores
        ],
        "weakest": [score.element for score in weakest],
    }


def ikm_report(
    *, session: Session, principal: Principal, query: IkmQuery, now: datetime
) -> dict[str, Any]:
    """IKM per agency or category over the period (answers given in it), the whole city's, and
    with `by_month` each group's months (the month of answering, in the agency's zone).

    An agency head sees their own agency only; the city-wide roles every agency or the one
    asked for.
    """
    agency_id = agency_scope(principal, query.agency_id)
    instrument = current()
    column = SurveyResponse.agency_id if query.group == "agency" else SurveyResponse.category_id
    where: list[Any] = []
    if agency_id is not None:
        where.append(SurveyResponse.agency_id == agency_id)
    if query.period_from is not None:
        where.append(SurveyResponse.answered_at >= query.period_from)
    if query.period_to is not None:
        where.append(SurveyResponse.answered_at < query.period_to)
    month = SurveyResponse.answered_month
    sums = session.execute(
        select(
            column,
            month,
            SurveyAnswer.element,
            func.sum(SurveyAnswer.score),
            func.count(SurveyAnswer.score),
        )
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(*where)
        .group_by(column, month, SurveyAnswer.element)
    ).all()
    counts = session.execute(
        select(column, month, func.count(SurveyResponse.id)).where(*where).group_by(column, month)
    ).all()
    # (group, month) -> element -> [total, answered]; folded up to groups and the city
    tallies: dict[tuple[int | None, date], dict[str, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0])
    )
    for group, answered_month, element, total, answered in sums:
        tallies[(group, answered_month)][element][0] += int(total)
        tallies[(group, answered_month)][element][1] += int(answered)
    respondents = {(group, answered_month): int(n) for group, answered_month, n in counts}

    def scores_of(keys: list[tuple[int | None, date]]) -> list[ikm.ElementScore]:
        return [
            ikm.ElementScore(
                code,
                sum(tallies[key][code][0] for key in keys if code in tallies[key]),
                sum(tallies[key][code][1] for key in keys if code in tallies[key]),
            )
            for code in instrument.codes
        ]

    category_codes, agency_codes = codes_by_id(session=session)
    category_names, agency_names = names_by_id(session=session)
    codes, names = (
        (agency_codes, agency_names)
        if query.group == "agency"
        else (category_codes, category_names)
    )
    compliance = _sla_compliance(session, principal, query, agency_id, now)

    def months_of(keys: list[tuple[int | None, date]]) -> list[dict[str, Any]]:
        by_month: dict[date, list[tuple[int | None, date]]] = defaultdict(list)
        for key in keys:
            by_month[key[1]].append(key)
        return [
            {
                "month": answered_month.strftime("%Y-%m"),
                **summary(scores_of(of_month), sum(respondents[k] for k in of_month), instrument),
            }
            for answered_month, of_month in sorted(by_month.items())
        ]

    groups = sorted({group for group, _month in respondents}, key=lambda g: names.get(g or 0, ""))
    rows = []
    for group in groups:
        keys = sorted(key for key in respondents if key[0] == group)
        row = {
            "code": codes.get(group) if group is not None else None,
            "name": names.get(group) if group is not None else None,
            **summary(scores_of(keys), sum(respondents[key] for key in keys), instrument),
            "sla_compliance_rate": compliance.get(codes.get(group or 0))
            if query.group == "agency"
            else None,
        }
        if query.by_month:
            row["months"] = months_of(keys)
        rows.append(row)
    everything = sorted(respondents)
    return {
        "group": query.group,
        "period_from": query.period_from,
        "period_to": query.period_to,
        "instrument_version": instrument.version,
        "weights": [
            {"element": code, "weight": float(instrument.weights[code])}
            for code in instrument.codes
        ],
        "rows": rows,
        "total": {
            **summary(scores_of(everything), sum(respondents.values()), instrument),
            "sla_compliance_rate": compliance.get(ALL_AGENCIES),
            **({"months": months_of(everything)} if query.by_month else {}),
        },
    }


def _sla_compliance(
    session: Session, principal: Principal, query: IkmQuery, agency_id: int | None, now: datetime
) -> dict[str | None, float | None]:
    """Per agency code (and `ALL_AGENCIES`): deadlines met on time out of those met or missed,
    over all clocks of the breach summary for the same period (the supervisor's dashboard's
    rule)."""
    if query.group != "agency":
        return {}
    judged: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
    for row in reports.breach_summary(
        session=session,
        principal=principal,
        now=now,
        period_from=query.period_from,
        period_to=query.period_to,
        agency_id=agency_id,
    ):
        for code in (row["agency"], ALL_AGENCIES):
            judged[code][0] += row["on_time"]
            judged[code][1] += row["on_time"] + row["breached"]
    return {code: round(on / of, 4) if of else None for code, (on, of) in judged.items()}
