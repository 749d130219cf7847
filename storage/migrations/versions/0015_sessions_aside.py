"""A session may be set aside: ``parked`` (a short item is asked in front of it; it comes back
after) or ``aside`` (a short item answered by its own buttons, beside the conversation open).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0015'
down_revision: str | Sequence[str] | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ("active", "completed", "expired", "stopped", "interrupted", "errored")
AFTER = (*BEFORE, "parked", "aside")
NAME = "ck_flow_sessions_status"  # as 0001 left it


def _statuses(statuses: Sequence[str]) -> None:
    listed = ", ".join(f"'{v}'" for v in statuses)
    # SQLite rebuilds the table (reflected, with its indexes); PostgreSQL swaps the CHECK.
    with op.batch_alter_table('flow_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(NAME, type_='check')
        batch_op.create_check_constraint(NAME, f"status IN ({listed})")


def upgrade() -> None:
    _statuses(AFTER)


def downgrade() -> None:
    op.execute("UPDATE flow_sessions SET status = 'interrupted' WHERE status IN ('parked', 'aside')")
    _statuses(BEFORE)
