"""tracking_locks: wrong PINs counted per code, known or not (no oracle of which codes exist)

Revision ID: 1795900007
Revises: 1795900006
Create Date: 2026-12-05 13:00:00

The counters move off `complaints` (`pin_failures`, `pin_locked_until`): an unknown code now
counts and locks like a real one. Locks in force at the upgrade are dropped.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import backend.db.types

# revision identifiers, used by Alembic.
revision: str = "1795900007"
down_revision: Union[str, Sequence[str], None] = "1795900006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "tracking_locks",
        sa.Column("lookup", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", backend.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", backend.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("lookup", name=op.f("pk_tracking_locks")),
    )
    op.create_index(
        op.f("ix_tracking_locks_updated_at"), "tracking_locks", ["updated_at"], unique=False
    )
    with op.batch_alter_table("complaints") as batch:
        batch.drop_column("pin_failures")
        batch.drop_column("pin_locked_until")


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(
            sa.Column(
                "pin_locked_until", backend.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch.add_column(
            sa.Column("pin_failures", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
    op.drop_index(op.f("ix_tracking_locks_updated_at"), table_name="tracking_locks")
    op.drop_table("tracking_locks")
