"""Coordinator tools: broadcasts, polls and votes, expense claims, safeguarding alerts,
coordinators' guided commands; messages that are polls, photos or carry buttons; admins.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('broadcasts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('texts', sa.JSON(none_as_null=False).with_variant(postgresql.JSONB(none_as_null=False), "postgresql"), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['participants.id'], name=op.f('fk_broadcasts_created_by_participants'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_broadcasts_group_id_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcasts'))
    )
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_broadcasts_group_id'), ['group_id'], unique=False)

    op.create_table('drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('command', sa.String(length=32), nullable=False),
    sa.Column('step', sa.String(length=32), nullable=False),
    sa.Column('state', sa.JSON(none_as_null=False).with_variant(postgresql.JSONB(none_as_null=False), "postgresql"), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_drafts_participant_id_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drafts')),
    sa.UniqueConstraint('participant_id', name=op.f('uq_drafts_participant_id'))
    )
    op.create_table('polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.JSON(none_as_null=False).with_variant(postgresql.JSONB(none_as_null=False), "postgresql"), nullable=False),
    sa.Column('options', sa.JSON(none_as_null=False).with_variant(postgresql.JSONB(none_as_null=False), "postgresql"), nullable=False),
    sa.Column('multiple', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('share_results', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='open', nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'closed', 'cancelled')", name=op.f('ck_polls_status')),
    sa.ForeignKeyConstraint(['created_by'], ['participants.id'], name=op.f('fk_polls_created_by_participants'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_polls_group_id_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_polls'))
    )
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_polls_group_id'), ['group_id'], unique=False)

    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('flow_id', sa.String(length=100), nullable=False),
    sa.Column('step', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.String(length=100), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('sent_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.Integer(), nullable=True),
    sa.Column('acknowledged_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by'], ['participants.id'], name=op.f('fk_alerts_acknowledged_by_participants'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_alerts_group_id_groups'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_alerts_participant_id_participants'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['flow_sessions.id'], name=op.f('fk_alerts_session_id_flow_sessions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_participant_id'), ['participant_id'], unique=False)

    op.create_table('claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('activity', sa.Text(), nullable=True),
    sa.Column('spent_on', sa.Date(), nullable=True),
    sa.Column('amount_pence', sa.Integer(), nullable=False),
    sa.Column('miles', sa.String(length=40), nullable=True),
    sa.Column('rate', sa.String(length=40), nullable=True),
    sa.Column('receipt', sa.String(length=500), nullable=True),
    sa.Column('payment', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='submitted', nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("payment IN ('bank', 'cash', 'charity', 'decline')", name=op.f('ck_claims_payment')),
    sa.CheckConstraint("status IN ('submitted', 'approved', 'rejected', 'paid')", name=op.f('ck_claims_status')),
    sa.ForeignKeyConstraint(['decided_by'], ['participants.id'], name=op.f('fk_claims_decided_by_participants'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_claims_group_id_groups'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_claims_participant_id_participants'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['flow_sessions.id'], name=op.f('fk_claims_session_id_flow_sessions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claims')),
    sa.UniqueConstraint('session_id', name=op.f('uq_claims_session_id'))
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claims_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_participant_id'), ['participant_id'], unique=False)

    op.create_table('votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('choices', sa.JSON(none_as_null=False).with_variant(postgresql.JSONB(none_as_null=False), "postgresql"), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_votes_participant_id_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_votes_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_votes')),
    sa.UniqueConstraint('poll_id', 'participant_id', name=op.f('uq_votes_poll_id_participant_id'))
    )
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_votes_participant_id'), ['participant_id'], unique=False)

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=8), server_default='text', nullable=False))
        batch_op.add_column(sa.Column('display', sa.JSON(none_as_null=False).with_variant(postgresql.JSONB(none_as_null=False), "postgresql"), server_default=sa.text("'{}'"), nullable=False))
        batch_op.add_column(sa.Column('provider_ref', sa.String(length=255), nullable=True))
        batch_op.create_index(batch_op.f('ix_messages_provider_ref'), ['provider_ref'], unique=False)
        batch_op.create_check_constraint('kind', "kind IN ('text', 'poll', 'photo')")

    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('admin', sa.Boolean(), server_default=sa.text('(false)'), nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_column('admin')

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_messages_kind'), type_='check')
        batch_op.drop_index(batch_op.f('ix_messages_provider_ref'))
        batch_op.drop_column('provider_ref')
        batch_op.drop_column('display')
        batch_op.drop_column('kind')

    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_votes_participant_id'))

    op.drop_table('votes')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claims_participant_id'))
        batch_op.drop_index(batch_op.f('ix_claims_group_id'))

    op.drop_table('claims')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_participant_id'))

    op.drop_table('alerts')
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_polls_group_id'))

    op.drop_table('polls')
    op.drop_table('drafts')
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_broadcasts_group_id'))

    op.drop_table('broadcasts')
