"""Survey invitations, responses and their answers (one row per element answered)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, now_utc


class SurveyInvitation(Base):
    """The one invitation of a closed complaint; `token_hash` only when it was e-mailed.

    The e-mailed link carries a random token; only its SHA-256 is kept, and it works once.
    """

    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), unique=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_used_at: Mapped[datetime | None]
    invited_at: Mapped[datetime] = mapped_column(default=now_utc)


class SurveyResponse(Base):
    """A complainant's answer to the survey: one per complaint, read with the instrument
    version it was given under. Agency and category are those of the complaint when answered."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        Index("ix_survey_responses_agency_answered", "agency_id", "answered_at"),
        Index("ix_survey_responses_category_answered", "category_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), unique=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("survey_invitations.id"))
    instrument_version: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    # how the complainant reached the survey: "link" (the e-mailed token) or "tracking"
    answered_by: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(default=now_utc)
    # the first day of the month of `answered_at` in the agency's zone: the trend's month
    answered_month: Mapped[date] = mapped_column(Date)

    answers: Mapped[list[SurveyAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="SurveyAnswer.element"
    )


class SurveyAnswer(Base):
    """One element's score (1-4) in a response."""

    __tablename__ = "survey_answers"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 4", name="score_range"),)

    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), primary_key=True
    )
    element: Mapped[str] = mapped_column(String(40), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
