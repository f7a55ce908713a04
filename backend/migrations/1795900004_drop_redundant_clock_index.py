"""drop ix_sla_clocks_complaint_id: the unique (complaint_id, kind, cycle) index leads with it

Revision ID: 1795900004
Revises: 1795900003
Create Date: 2026-11-28 15:25:00

Every clock written paid for both indexes (issue 5: intake); lookups by complaint use the
unique index as well.
"""

from typing import Sequence, Union

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "1795900004"
down_revision: Union[str, Sequence[str], None] = "1795900003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.drop_index("ix_sla_clocks_complaint_id", table_name="sla_clocks")


def downgrade() -> None:
    """Downgrade schema."""
    op.create_index("ix_sla_clocks_complaint_id", "sla_clocks", ["complaint_id"], unique=False)
