"""Scheduling: due jobs, meetings and RSVPs, weekly check-in settings, quiet messages.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("CURRENT_TIMESTAMP")


def _time(name: str, *, nullable: bool = False, default_now: bool = False) -> sa.Column[object]:
    return sa.Column(
        name, sa.DateTime(timezone=True), nullable=nullable,
        server_default=NOW if default_now else None,
    )


def _json(name: str) -> sa.Column[object]:
    kind = sa.JSON(none_as_null=False).with_variant(postgresql.JSONB(none_as_null=False), "postgresql")
    return sa.Column(name, kind, nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("groups") as batch:
        batch.add_column(
            sa.Column("checkins_enabled", sa.Boolean(), nullable=False, server_default=sa.text("true"))
        )
        batch.add_column(sa.Column("checkin_day", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("checkin_time", sa.Time(), nullable=True))
        batch.add_column(sa.Column("checkin_timezone", sa.String(64), nullable=True))
        batch.add_column(sa.Column("checkin_flow", sa.String(100), nullable=True))

    op.create_index(
        "ix_flow_sessions_status_timeout_at", "flow_sessions", ["status", "timeout_at"]
    )
    op.create_index(
        "ix_flow_sessions_status_expires_at", "flow_sessions", ["status", "expires_at"]
    )

    with op.batch_alter_table("messages") as batch:
        batch.add_column(
            sa.Column("quiet", sa.Boolean(), nullable=False, server_default=sa.text("false"))
        )
        batch.add_column(sa.Column("topic", sa.String(100), nullable=True))
        batch.create_index("ix_messages_topic", ["topic"])

    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("topic", sa.String(100), nullable=True),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        _time("due_at"),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        _json("payload"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("note", sa.Text(), nullable=True),
        _time("created_at", default_now=True),
        _time("updated_at", default_now=True),
        _time("done_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
        sa.UniqueConstraint("key", name="uq_jobs_key"),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], name="fk_jobs_participant_id_participants",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'done', 'skipped', 'cancelled', 'failed')", name="ck_jobs_status"
        ),
    )
    op.create_index("ix_jobs_status_due_at_id", "jobs", ["status", "due_at", "id"])
    op.create_index("ix_jobs_topic", "jobs", ["topic"])
    op.create_index("ix_jobs_participant_id", "jobs", ["participant_id"])

    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        _time("starts_at"),
        sa.Column("minutes", sa.Integer(), nullable=False, server_default="90"),
        sa.Column("place", sa.String(300), nullable=True),
        sa.Column("online_link", sa.String(500), nullable=True),
        sa.Column("access_info", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="scheduled"),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        _time("created_at", default_now=True),
        _time("updated_at", default_now=True),
        sa.PrimaryKeyConstraint("id", name="pk_meetings"),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name="fk_meetings_group_id_groups", ondelete="CASCADE"
        ),
        sa.CheckConstraint("status IN ('scheduled', 'cancelled')", name="ck_meetings_status"),
    )
    op.create_index("ix_meetings_group_id", "meetings", ["group_id"])

    op.create_table(
        "rsvps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(8), nullable=False),
        sa.Column("access", sa.String(50), nullable=True),
        sa.Column("access_detail", sa.Text(), nullable=True),
        _time("updated_at", default_now=True),
        sa.PrimaryKeyConstraint("id", name="pk_rsvps"),
        sa.UniqueConstraint(
            "meeting_id", "participant_id", name="uq_rsvps_meeting_id_participant_id"
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name="fk_rsvps_meeting_id_meetings", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], name="fk_rsvps_participant_id_participants",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("answer IN ('yes', 'no', 'maybe')", name="ck_rsvps_answer"),
    )
    op.create_index("ix_rsvps_participant_id", "rsvps", ["participant_id"])


def downgrade() -> None:
    op.drop_index("ix_rsvps_participant_id", table_name="rsvps")
    op.drop_table("rsvps")
    op.drop_index("ix_meetings_group_id", table_name="meetings")
    op.drop_table("meetings")
    op.drop_index("ix_jobs_participant_id", table_name="jobs")
    op.drop_index("ix_jobs_topic", table_name="jobs")
    op.drop_index("ix_jobs_status_due_at_id", table_name="jobs")
    op.drop_table("jobs")
    op.drop_index("ix_flow_sessions_status_expires_at", table_name="flow_sessions")
    op.drop_index("ix_flow_sessions_status_timeout_at", table_name="flow_sessions")
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_topic")
        batch.drop_column("topic")
        batch.drop_column("quiet")
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("checkin_flow")
        batch.drop_column("checkin_timezone")
        batch.drop_column("checkin_time")
        batch.drop_column("checkin_day")
        batch.drop_column("checkins_enabled")
