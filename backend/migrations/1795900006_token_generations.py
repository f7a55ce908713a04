"""users.token_generation: a new password, a deactivation, a new role or agency end old tokens

Revision ID: 1795900006
Revises: 1795900005
Create Date: 2026-12-05 12:00:00

Tokens issued before this revision carry no generation and stop working: everyone logs in
once more.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "1795900006"
down_revision: Union[str, Sequence[str], None] = "1795900005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("token_generation", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_generation")
