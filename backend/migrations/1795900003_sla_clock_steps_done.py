"""sla clock steps_done: the ladder's progress in a column of its own, out of the explanation

Revision ID: 1795900003
Revises: 1795900002
Create Date: 2026-11-28 13:20:00

The sweep read and rewrote every swept clock's `explanation` JSON to move one counter on it
(issue 5: 10,000 due clocks); the counter is now `sla_clocks.steps_done`.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "1795900003"
down_revision: Union[str, Sequence[str], None] = "1795900002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("sla_clocks") as batch_op:
        batch_op.add_column(
            sa.Column("steps_done", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE sla_clocks SET steps_done = (explanation->>'steps_done')::int, "
            "explanation = explanation - 'steps_done' WHERE explanation ? 'steps_done'"
        )
    else:
        op.execute(
            "UPDATE sla_clocks SET "
            "steps_done = CAST(json_extract(explanation, '$.steps_done') AS INTEGER), "
            "explanation = json_remove(explanation, '$.steps_done') "
            "WHERE json_extract(explanation, '$.steps_done') IS NOT NULL"
        )


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE sla_clocks SET explanation = "
            "explanation || jsonb_build_object('steps_done', steps_done)"
        )
    else:
        op.execute(
            "UPDATE sla_clocks SET "
            "explanation = json_set(explanation, '$.steps_done', steps_done)"
        )
    with op.batch_alter_table("sla_clocks") as batch_op:
        batch_op.drop_column("steps_done")
