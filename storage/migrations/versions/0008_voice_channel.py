"""A participant's address may be a phone number to call: the ``voice`` channel.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ("sms", "telegram", "console")
AFTER = (*BEFORE, "voice")


def _channels(values: Sequence[str]) -> str:
    return "channel IN ({})".format(", ".join(f"'{v}'" for v in values))


def upgrade() -> None:
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.drop_constraint('ck_addresses_channel', type_='check')
        batch_op.create_check_constraint('ck_addresses_channel', _channels(AFTER))


def downgrade() -> None:
    op.execute("DELETE FROM addresses WHERE channel = 'voice'")
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.drop_constraint('ck_addresses_channel', type_='check')
        batch_op.create_check_constraint('ck_addresses_channel', _channels(BEFORE))
