"""Answering the survey: by the e-mailed link's token or as the holder of code and PIN.

Plain functions taking the session; they never commit. One response per complaint: the
invitation row is locked before the response is looked for, so of two answers sent at once the
second waits and is refused (409), and the unique key on `complaint_id` backs that up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.complaints.models import Complaint
from backend.errors import Conflict, NotFound
from backend.localtime import local_date
from backend.sla.calendars import zone_of_agency
from backend.survey.instrument import INSTRUMENTS, current
from backend.survey.invitations import token_hash
from backend.survey.models import SurveyAnswer, SurveyInvitation, SurveyResponse


@dataclass(frozen=True)
class InvitationState:
    """What the survey page needs to know: whose survey, and whether it is still open."""

    tracking_code: str
    answered: bool
    answered_at: datetime | None
    instrument_version: int


def _locked_invitation(session: Session, **where: Any) -> SurveyInvitation | None:
    query = select(SurveyInvitation).filter_by(**where)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalar(query)


def _response_of(session: Session, complaint_id: int) -> SurveyResponse | None:
    return session.scalar(select(SurveyResponse).where(SurveyResponse.complaint_id == complaint_id))


def _state(session: Session, invitation: SurveyInvitation) -> InvitationState:
    complaint = session.get_one(Complaint, invitation.complaint_id)
    response = _response_of(session, complaint.id)
    return InvitationState(
        tracking_code=complaint.tracking_code,
        answered=response is not None,
        answered_at=response.answered_at if response else None,
        instrument_version=response.instrument_version if response else current().version,
    )


def _invitation_by_token(session: Session, token: str, *, lock: bool) -> SurveyInvitation:
    where = {"token_hash": token_hash(token)}
    invitation = (
        _locked_invitation(session, **where)
        if lock
        else session.scalar(select(SurveyInvitation).filter_by(**where))
    )
    if invitation is None:
        raise NotFound("survey_link_invalid")
    return invitation


def state_by_token(*, session: Session, token: str) -> InvitationState:
    """The survey a link leads to (404 for a token nobody was sent)."""
    return _state(session, _invitation_by_token(session, token, lock=False))


def state_of_complaint(*, session: Session, complaint_id: int) -> InvitationState:
    """The survey of a tracked complaint (409 while the complaint is not closed)."""
    invitation = session.scalar(select(SurveyInvitation).filter_by(complaint_id=complaint_id))
    if invitation is None:
        raise Conflict("survey_not_open")
    return _state(session, invitation)


def answer_by_token(
    *,
    session: Session,
    token: str,
    instrument_version: int,
    answers: dict[str, int],
    comment: str | None,
    at: datetime,
) -> SurveyResponse:
    """Answer with the e-mailed link; the token works once."""
    invitation = _invitation_by_token(session, token, lock=True)
    response = _answer(
        session=session,
        invitation=invitation,
        instrument_version=instrument_version,
        answers=answers,
        comment=comment,
        answered_by="link",
        at=at,
    )
    invitation.token_used_at = at
    return response


def answer_by_tracking(
    *,
    session: Session,
    complaint_id: int,
    instrument_version: int,
    answers: dict[str, int],
    comment: str | None,
    at: datetime,
) -> SurveyResponse:
    """Answer as the holder of the complaint's code and PIN (anonymous complaints too)."""
    invitation = _locked_invitation(session, complaint_id=complaint_id)
    if invitation is None:
        raise Conflict("survey_not_open")
    return _answer(
        session=session,
        invitation=invitation,
        instrument_version=instrument_version,
        answers=answers,
        comment=comment,
        answered_by="tracking",
        at=at,
    )


def _answer(
    *,
    session: Session,
    invitation: SurveyInvitation,
    instrument_version: int,
    answers: dict[str, int],
    comment: str | None,
    answered_by: str,
    at: datetime,
) -> SurveyResponse:
    if _response_of(session, invitation.complaint_id) is not None:
        raise Conflict("survey_already_answered")
    instrument = INSTRUMENTS[instrument_version]
    complaint = session.get_one(Complaint, invitation.complaint_id)
    zone = zone_of_agency(session=session, agency_id=complaint.agency_id)
    response = SurveyResponse(
        complaint_id=complaint.id,
        invitation_id=invitation.id,
        instrument_version=instrument.version,
        agency_id=complaint.agency_id,
        category_id=complaint.category_id,
        answered_by=answered_by,
        comment=(comment or "").strip() or None,
        answered_at=at,
        answered_month=local_date(at, zone).replace(day=1),
        answers=[
            SurveyAnswer(element=code, score=answers[code])
            for code in instrument.codes
            if code in answers
        ],
    )
    session.add(response)
    session.flush()
    return response
