"""Each group's own words for its members' messages: its Welsh name and how to reach its
coordinator (in English and Welsh); empty falls back to the service's [group] words. A
Telegram chat's username, so a coordinator can name someone as ``@username``, and whether it
has the coordinators' command menu (``addresses.menu``), so a restart knows. And who
decided a claim from the command line when they are no one in copro (``claims.decider``).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | Sequence[str] | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_cy', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('coordinator', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('coordinator_cy', sa.String(length=200), nullable=True))
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('username', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('menu', sa.Boolean(), server_default=sa.text('false'),
                                      nullable=False))
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decider', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_column('decider')
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.drop_column('menu')
        batch_op.drop_column('username')
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_column('coordinator_cy')
        batch_op.drop_column('coordinator')
        batch_op.drop_column('name_cy')
