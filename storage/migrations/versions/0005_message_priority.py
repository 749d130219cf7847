"""Outbox priorities: safeguarding alerts go first (``urgent``), bulk sends (broadcasts, polls,
scheduled check-ins) last; everything else ``normal``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.String(length=8), server_default='normal',
                                      nullable=False))
        batch_op.create_check_constraint('priority', "priority IN ('urgent', 'normal', 'bulk')")


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_messages_priority'), type_='check')
        batch_op.drop_column('priority')
