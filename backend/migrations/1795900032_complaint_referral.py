"""complaint_referral: a rejection names where the citizen may complain instead

Revision ID: 1795900032
Revises: 1795900031
Create Date: 2026-12-05 15:50:00
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "1795900032"
down_revision: Union[str, Sequence[str], None] = "1795900031"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("complaints", sa.Column("referral", sa.Text(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("complaints", "referral")
