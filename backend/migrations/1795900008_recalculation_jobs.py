"""recalculation_jobs: recounting open clocks runs in the background, batch by batch

Revision ID: 1795900008
Revises: 1795900007
Create Date: 2026-12-05 14:00:00
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import backend.db.types

# revision identifiers, used by Alembic.
revision: str = "1795900008"
down_revision: Union[str, Sequence[str], None] = "1795900007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "recalculation_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar_code", sa.String(length=40), nullable=True),
        sa.Column("policy_code", sa.String(length=60), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", backend.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", backend.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", backend.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("last_clock_id", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_recalculation_jobs_requested_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recalculation_jobs")),
    )
    op.create_index(
        op.f("ix_recalculation_jobs_status"), "recalculation_jobs", ["status"], unique=False
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_recalculation_jobs_status"), table_name="recalculation_jobs")
    op.drop_table("recalculation_jobs")
