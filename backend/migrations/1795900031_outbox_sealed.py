"""outbox_sealed: what a message may not keep in clear (the receipt's PIN), sealed until sent

Revision ID: 1795900031
Revises: 1795900030
Create Date: 2026-12-05 15:30:00
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "1795900031"
down_revision: Union[str, Sequence[str], None] = "1795900030"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("outbox_messages", sa.Column("sealed", sa.Text(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("outbox_messages", "sealed")
