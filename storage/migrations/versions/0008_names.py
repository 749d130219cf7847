"""Names a coordinator can rely on: a group is found by its name whatever its case and
spacing (``groups.key``, unique), and a person keeps the full name the coordinator
entered apart from the name they like to be called (``participants.called``).

Groups whose names already differ only in case or spacing keep their rows: the
second and later get a key with their id (``riverside voices#7``), so nothing is
merged or lost and ``copro groups rename`` can put them right.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key(name: str) -> str:
    return " ".join(name.casefold().split())  # as storage.groups.key_of


def upgrade() -> None:
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(200), nullable=True))
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('called', sa.String(200), nullable=True))
    connection = op.get_bind()
    seen: set[str] = set()
    for group_id, name in connection.execute(sa.text('SELECT id, name FROM groups ORDER BY id')):
        key = _key(name)
        if key in seen:
            key = f"{key}#{group_id}"
        seen.add(key)
        connection.execute(sa.text('UPDATE groups SET key = :key WHERE id = :id'),
                           {"key": key, "id": group_id})
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.alter_column('key', existing_type=sa.String(200), nullable=False)
        batch_op.create_unique_constraint('uq_groups_key', ['key'])


def downgrade() -> None:
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_column('called')
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_constraint('uq_groups_key', type_='unique')
        batch_op.drop_column('key')
