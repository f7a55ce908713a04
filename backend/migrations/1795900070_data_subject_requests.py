"""data_subject_requests, retention_runs, legal hold and erasure marks (issue 16, items 7-8)

Revision ID: 1795900070
Revises: 1795900050
Create Date: 2026-12-05 15:30:00
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import backend.db.types

# revision identifiers, used by Alembic.
revision: str = "1795900070"
down_revision: Union[str, Sequence[str], None] = "1795900050"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TIME = backend.db.types.UTCDateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "data_subject_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("requested_via", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("received_at", TIME, nullable=False),
        sa.Column("due_at", TIME, nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("refusal_ground", sa.String(length=30), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("processing_record", JSON, nullable=True),
        sa.Column("answered_at", TIME, nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["users.id"],
            name=op.f("fk_data_subject_requests_answered_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_data_subject_requests_complaint_id_complaints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_subject_requests")),
    )
    op.create_index(
        op.f("ix_data_subject_requests_complaint_id"),
        "data_subject_requests",
        ["complaint_id"],
        unique=False,
    )
    op.create_index(
        "ix_data_subject_requests_status_due",
        "data_subject_requests",
        ["status", "due_at"],
        unique=False,
    )
    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("finished_at", TIME, nullable=True),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("results", JSON, nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_runs")),
    )
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(
            sa.Column("legal_hold", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
        batch.add_column(sa.Column("legal_hold_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("complainant_identities") as batch:
        batch.add_column(sa.Column("erased_at", TIME, nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("complainant_identities") as batch:
        batch.drop_column("erased_at")
    with op.batch_alter_table("complaints") as batch:
        batch.drop_column("legal_hold_reason")
        batch.drop_column("legal_hold")
    op.drop_table("retention_runs")
    op.drop_index("ix_data_subject_requests_status_due", table_name="data_subject_requests")
    op.drop_index(
        op.f("ix_data_subject_requests_complaint_id"), table_name="data_subject_requests"
    )
    op.drop_table("data_subject_requests")
