"""A participant's address may be a phone number to call: the ``voice`` channel.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ("sms", "telegram", "console", "whatsapp")
AFTER = (*BEFORE, "voice")
STATUSES = ("ok", "unreachable", "opted_out")


def _listed(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _addresses(channels: Sequence[str], name: str) -> sa.Table:
    """The addresses table as 0007 left it, with ``channels`` allowed (SQLite rebuilds it)."""
    return sa.Table(
        "addresses", sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_addresses"),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="ok"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("CURRENT_TIMESTAMP")),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE",
                                name="fk_addresses_participant_id_participants"),
        sa.UniqueConstraint("channel", "address", name="uq_addresses_channel_address"),
        sa.CheckConstraint(f"channel IN ({_listed(channels)})", name=name),
        sa.CheckConstraint(f"status IN ({_listed(STATUSES)})", name="ck_addresses_ck_addresses_status"),
        sa.Index("ix_addresses_participant_id", "participant_id"),
    )


def _channels(channels: Sequence[str], old: str, new: str) -> None:
    """Allow ``channels``; the CHECK was named ``old`` and is named ``new`` after."""
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table('addresses', copy_from=_addresses(channels, new),
                                  recreate="always"):
            pass
        return
    op.drop_constraint(op.f(old), 'addresses', type_='check')
    op.create_check_constraint(op.f(new), 'addresses', f"channel IN ({_listed(channels)})")


NAME = "ck_addresses_channel"  # as 0007 left it


def upgrade() -> None:
    _channels(AFTER, NAME, NAME)


def downgrade() -> None:
    op.execute("DELETE FROM addresses WHERE channel = 'voice'")
    _channels(BEFORE, NAME, NAME)
