"""sla_clocks.version dropped: every writer of a clock holds its lock before it reads it

A transition locks the complaint's open clocks (SELECT ... FOR UPDATE) before it reads them,
the sweep and the recalculation skip locked ones, and on SQLite a writing transaction holds the
database's write lock from its first read; the version check added nothing, and SQLAlchemy
writes versioned rows one UPDATE at a time (the sweep made one round trip per clock).

Revision ID: 1795900009
Revises: 1795900008
Create Date: 2026-12-05 16:00:00
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "1795900009"
down_revision: Union[str, Sequence[str], None] = "1795900008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("sla_clocks") as batch:
        batch.drop_column("version")


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("sla_clocks") as batch:
        batch.add_column(
            sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )
