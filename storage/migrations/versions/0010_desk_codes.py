"""One-time sign-in codes for the coordinators' web desk, kept as keyed hashes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'desk_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('participant_id', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"),
                  nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['participant_id'], ['participants.id'],
                                name=op.f('fk_desk_codes_participant_id_participants'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_codes')),
        sa.UniqueConstraint('digest', name=op.f('uq_desk_codes_digest')),
    )
    with op.batch_alter_table('desk_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_codes_participant_id'), ['participant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('desk_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_codes_participant_id'))
    op.drop_table('desk_codes')
