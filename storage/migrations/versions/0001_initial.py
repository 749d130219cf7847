"""The initial schema.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Self-contained on purpose (no imports from ``storage``): it must create the same
tables whatever the models look like later. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("CURRENT_TIMESTAMP")


def _time(name: str, *, nullable: bool = False, default_now: bool = False) -> sa.Column[object]:
    """timestamptz on PostgreSQL; naive UTC text on SQLite (see storage.types.UTCDateTime)."""
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        nullable=nullable,
        server_default=NOW if default_now else None,
    )


def _json(name: str, *, nullable: bool = False, none_as_null: bool = False) -> sa.Column[object]:
    kind = sa.JSON(none_as_null=none_as_null).with_variant(
        postgresql.JSONB(none_as_null=none_as_null), "postgresql"
    )
    return sa.Column(name, kind, nullable=nullable)


def _id(table: str) -> tuple[sa.Column[int], sa.PrimaryKeyConstraint]:
    return (
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    )


def _one_of(table: str, column: str, values: Sequence[str]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=f"ck_{table}_{column}")


def _fk(
    table: str, column: str, target: str, ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "participants",
        *_id("participants"),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("language", sa.String(16), nullable=False, server_default="en"),
        sa.Column("timezone", sa.String(64), nullable=False, server_default="Europe/London"),
        sa.Column("contact_start", sa.Time(), nullable=False, server_default=sa.text("'08:00:00'")),
        sa.Column("contact_end", sa.Time(), nullable=False, server_default=sa.text("'21:00:00'")),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        _time("consent_at", nullable=True),
        _time("created_at", default_now=True),
        _time("updated_at", default_now=True),
        _one_of("participants", "status", ("active", "opted_out", "erased")),
    )

    op.create_table(
        "addresses",
        *_id("addresses"),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="ok"),
        _time("created_at", default_now=True),
        _fk("addresses", "participant_id", "participants", "CASCADE"),
        sa.UniqueConstraint("channel", "address", name="uq_addresses_channel_address"),
        _one_of("addresses", "channel", ("sms", "telegram", "console")),
        _one_of("addresses", "status", ("ok", "unreachable", "opted_out")),
    )
    op.create_index("ix_addresses_participant_id", "addresses", ["participant_id"])

    op.create_table(
        "groups",
        *_id("groups"),
        sa.Column("name", sa.String(200), nullable=False),
        _time("created_at", default_now=True),
        sa.UniqueConstraint("name", name="uq_groups_name"),
    )

    op.create_table(
        "memberships",
        *_id("memberships"),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False, server_default="member"),
        _time("created_at", default_now=True),
        _fk("memberships", "group_id", "groups", "CASCADE"),
        _fk("memberships", "participant_id", "participants", "CASCADE"),
        sa.UniqueConstraint(
            "group_id", "participant_id", "role",
            name="uq_memberships_group_id_participant_id_role",
        ),
        _one_of("memberships", "role", ("member", "coordinator", "safeguarding")),
    )
    op.create_index("ix_memberships_participant_id", "memberships", ["participant_id"])

    op.create_table(
        "flow_definitions",
        *_id("flow_definitions"),
        sa.Column("flow_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        _time("created_at", default_now=True),
        sa.UniqueConstraint("flow_id", "hash", name="uq_flow_definitions_flow_id_hash"),
    )

    op.create_table(
        "flow_sessions",
        *_id("flow_sessions"),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.String(100), nullable=False),
        sa.Column("flow_version", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(100), nullable=True),
        _json("state"),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        _time("started_at", default_now=True),
        _time("updated_at", default_now=True),
        _time("expires_at", nullable=True),
        _time("timeout_at", nullable=True),
        _fk("flow_sessions", "participant_id", "participants", "CASCADE"),
        _fk("flow_sessions", "definition_id", "flow_definitions"),
        _one_of(
            "flow_sessions", "status",
            ("active", "completed", "expired", "stopped", "interrupted", "errored"),
        ),
    )
    op.create_index("ix_flow_sessions_definition_id", "flow_sessions", ["definition_id"])
    op.create_index(
        "ix_flow_sessions_participant_id_status", "flow_sessions", ["participant_id", "status"]
    )
    op.create_index(
        "uq_flow_sessions_one_active",
        "flow_sessions",
        ["participant_id"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )

    op.create_table(
        "results",
        *_id("results"),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.String(100), nullable=False),
        sa.Column("step", sa.String(100), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        _json("value", nullable=True, none_as_null=True),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        _time("created_at", default_now=True),
        _fk("results", "session_id", "flow_sessions", "CASCADE"),
        _fk("results", "participant_id", "participants", "CASCADE"),
        _one_of("results", "status", ("answered", "skipped", "no_answer")),
    )
    op.create_index("ix_results_session_id", "results", ["session_id"])
    op.create_index("ix_results_participant_id", "results", ["participant_id"])

    op.create_table(
        "messages",
        *_id("messages"),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.String(255), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        _json("options"),
        _json("media"),
        sa.Column("provider_id", sa.String(255), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(255), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        _time("next_attempt_at", nullable=True),
        _time("created_at", default_now=True),
        _time("updated_at", default_now=True),
        _time("sent_at", nullable=True),
        _fk("messages", "participant_id", "participants", "SET NULL"),
        _fk("messages", "session_id", "flow_sessions", "SET NULL"),
        sa.UniqueConstraint("idempotency_key", name="uq_messages_idempotency_key"),
        _one_of("messages", "direction", ("in", "out")),
        _one_of(
            "messages", "status",
            ("received", "queued", "sending", "sent", "delivered", "failed", "held"),
        ),
    )
    op.create_index("ix_messages_participant_id", "messages", ["participant_id"])
    op.create_index("ix_messages_status_next_attempt_at", "messages", ["status", "next_attempt_at"])

    op.create_table(
        "audit_events",
        *_id("audit_events"),
        _time("at", default_now=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        _json("details"),
    )
    op.create_index("ix_audit_events_kind", "audit_events", ["kind"])
    op.create_index("ix_audit_events_participant_id", "audit_events", ["participant_id"])


def downgrade() -> None:
    # Dropping a table drops its indexes; children before parents.
    for table in (
        "audit_events",
        "messages",
        "results",
        "flow_sessions",
        "flow_definitions",
        "memberships",
        "groups",
        "addresses",
        "participants",
    ):
        op.drop_table(table)
