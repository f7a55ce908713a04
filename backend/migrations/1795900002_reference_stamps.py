"""reference stamps: the token that keeps per-process caches of reference data exact

Revision ID: 1795900002
Revises: 1795900001
Create Date: 2026-11-28 10:05:00

"""

import secrets
from datetime import UTC, datetime
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import backend.db.types

# revision identifiers, used by Alembic.
revision: str = "1795900002"
down_revision: Union[str, Sequence[str], None] = "1795900001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    table = op.create_table(
        "reference_stamps",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("changed_at", backend.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_stamps")),
    )
    op.bulk_insert(
        table,
        [{"id": 1, "token": secrets.token_hex(16), "changed_at": datetime.now(UTC)}],
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("reference_stamps")
