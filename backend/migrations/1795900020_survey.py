"""survey: invitations, responses and answers of the satisfaction survey (PermenPANRB 14/2017)

Revision ID: 1795900020
Revises: 1795900009
Create Date: 2026-12-05 19:00:00
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import backend.db.types

# revision identifiers, used by Alembic.
revision: str = "1795900020"
down_revision: Union[str, Sequence[str], None] = "1795900009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "survey_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("token_used_at", backend.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("invited_at", backend.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_survey_invitations_complaint_id_complaints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invitations")),
        sa.UniqueConstraint("complaint_id", name=op.f("uq_survey_invitations_complaint_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_survey_invitations_token_hash")),
    )
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("instrument_version", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("answered_by", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", backend.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_month", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_survey_responses_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_survey_responses_category_id_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_survey_responses_complaint_id_complaints"),
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["survey_invitations.id"],
            name=op.f("fk_survey_responses_invitation_id_survey_invitations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint("complaint_id", name=op.f("uq_survey_responses_complaint_id")),
    )
    op.create_index(
        "ix_survey_responses_agency_answered",
        "survey_responses",
        ["agency_id", "answered_at"],
        unique=False,
    )
    op.create_index(
        "ix_survey_responses_category_answered",
        "survey_responses",
        ["category_id", "answered_at"],
        unique=False,
    )
    op.create_table(
        "survey_answers",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("element", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "score BETWEEN 1 AND 4", name=op.f("ck_survey_answers_score_range")
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["survey_responses.id"],
            name=op.f("fk_survey_answers_response_id_survey_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "element", name=op.f("pk_survey_answers")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("survey_answers")
    op.drop_index("ix_survey_responses_category_answered", table_name="survey_responses")
    op.drop_index("ix_survey_responses_agency_answered", table_name="survey_responses")
    op.drop_table("survey_responses")
    op.drop_table("survey_invitations")
