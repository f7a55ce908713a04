"""zones of clocks and tallies, sealed idempotency records, PIN hashes with a key id

Revision ID: 1795900005
Revises: 1795900004
Create Date: 2026-12-05 09:00:00

- `sla_clocks.time_zone`: the zone of the clock's calendar (its local days); existing clocks
  take their calendar's zone, WIB where the calendar has no row.
- `sla_clocks.version`: the row's version for optimistic locking (a sweep and a transition
  writing one clock at once).
- `sla_clock_tallies.time_zone`: part of the key, a tally's start day is local to it; the
  tallies are counted again from the clocks (`backend.sla.tallies.rebuild`, the code of this
  revision: a later change to the tallies' shape recounts in its own revision).
- `agencies.timezone` goes: an agency counts in the zone of its calendar (`calendar_code`).
- `idempotency_records` is rebuilt: the old rows held receipts, PINs included, in clear; they
  only serve retries for 24 hours and are dropped.
- `complaints.pin_hash` gains a key id: the existing hashes were keyed by the server secret
  itself, key id 0.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import backend.db.types

# revision identifiers, used by Alembic.
revision: str = "1795900005"
down_revision: Union[str, Sequence[str], None] = "1795900004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

WIB = "Asia/Jakarta"


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("sla_clocks") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(length=40), nullable=True))
        batch.add_column(
            sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )
    op.execute(
        "UPDATE sla_clocks SET time_zone = COALESCE("
        "(SELECT calendars.timezone FROM calendars "
        "WHERE calendars.code = sla_clocks.calendar_code), 'Asia/Jakarta')"
    )
    with op.batch_alter_table("sla_clocks") as batch:
        batch.alter_column("time_zone", existing_type=sa.String(length=40), nullable=False)

    op.drop_index("ix_sla_clock_tallies_key", table_name="sla_clock_tallies")
    with op.batch_alter_table("sla_clock_tallies") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(length=40), nullable=True))
    op.execute(f"UPDATE sla_clock_tallies SET time_zone = '{WIB}'")
    with op.batch_alter_table("sla_clock_tallies") as batch:
        batch.alter_column("time_zone", existing_type=sa.String(length=40), nullable=False)
    op.create_index(
        "ix_sla_clock_tallies_key",
        "sla_clock_tallies",
        ["grain", "time_zone", "start_day", "agency_key", "kind"],
        unique=False,
    )
    from backend.sla.tallies import rebuild

    rebuild(op.get_bind())

    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("timezone")

    op.drop_table("idempotency_records")
    op.create_table(
        "idempotency_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lookup", sa.String(length=64), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("created_at", backend.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_idempotency_records_complaint_id_complaints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_records")),
        sa.UniqueConstraint("lookup", name=op.f("uq_idempotency_records_lookup")),
    )
    op.create_index(
        op.f("ix_idempotency_records_created_at"),
        "idempotency_records",
        ["created_at"],
        unique=False,
    )

    op.execute("UPDATE complaints SET pin_hash = '0$' || pin_hash WHERE pin_hash NOT LIKE '%$%'")


def downgrade() -> None:
    """Downgrade schema (the sealed replays are dropped; key-0 PIN hashes lose their id)."""
    op.execute("UPDATE complaints SET pin_hash = substr(pin_hash, 3) WHERE pin_hash LIKE '0$%'")
    op.drop_index(op.f("ix_idempotency_records_created_at"), table_name="idempotency_records")
    op.drop_table("idempotency_records")
    op.create_table(
        "idempotency_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column(
            "response",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", backend.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_idempotency_records_complaint_id_complaints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_records")),
        sa.UniqueConstraint("scope", "key", name=op.f("uq_idempotency_records_scope_key")),
    )
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(
            sa.Column("timezone", sa.String(length=40), nullable=False, server_default=WIB)
        )
    op.drop_index("ix_sla_clock_tallies_key", table_name="sla_clock_tallies")
    with op.batch_alter_table("sla_clock_tallies") as batch:
        batch.drop_column("time_zone")
    op.create_index(
        "ix_sla_clock_tallies_key",
        "sla_clock_tallies",
        ["grain", "start_day", "agency_key", "kind"],
        unique=False,
    )
    with op.batch_alter_table("sla_clocks") as batch:
        batch.drop_column("version")
        batch.drop_column("time_zone")
