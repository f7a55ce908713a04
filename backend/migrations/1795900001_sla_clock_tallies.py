"""sla clock tallies: staff clocks counted per start day and month, for getBreachSummary

Revision ID: 1795900001
Revises: 1795856309
Create Date: 2026-11-28 09:45:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from backend.sla.models import BUCKET_COLUMNS, COUNT_COLUMNS

# revision identifiers, used by Alembic.
revision: str = "1795900001"
down_revision: Union[str, Sequence[str], None] = "1795856309"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Create the tallies and the summary's indexes (1795900005 counts the clocks there are)."""
    op.create_table(
        "sla_clock_tallies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grain", sa.String(length=5), nullable=False),
        sa.Column("start_day", sa.Date(), nullable=False),
        sa.Column("agency_key", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        *(
            sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False)
            for name in (*COUNT_COLUMNS, *BUCKET_COLUMNS)
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_clock_tallies")),
    )
    op.create_index(
        "ix_sla_clock_tallies_key",
        "sla_clock_tallies",
        ["grain", "start_day", "agency_key", "kind"],
        unique=False,
    )
    op.create_index(
        "ix_sla_clocks_started_at",
        "sla_clocks",
        ["started_at"],
        unique=False,
        postgresql_include=["agency_id", "kind", "state", "breached_at", "stopped_at"],
    )
    op.create_index(
        "ix_sla_clocks_running_unbreached",
        "sla_clocks",
        ["due_at"],
        unique=False,
        postgresql_include=[
            "agency_id",
            "kind",
            "started_at",
            "policy_id",
            "calendar_code",
            "due_date",
        ],
        postgresql_where=sa.text("state = 'running' AND breached_at IS NULL"),
        sqlite_where=sa.text("state = 'running' AND breached_at IS NULL"),
    )


def downgrade() -> None:
    """Drop the tallies and the summary's indexes (a name is all DROP INDEX needs)."""
    op.drop_index("ix_sla_clocks_running_unbreached", table_name="sla_clocks")
    op.drop_index("ix_sla_clocks_started_at", table_name="sla_clocks")
    op.drop_table("sla_clock_tallies")
