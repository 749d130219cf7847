"""Conversations: flow definitions and sessions, answers, messages, the audit trail, desk drafts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import (
    DIRECTIONS,
    MESSAGE_KINDS,
    MESSAGE_PRIORITIES,
    MESSAGE_STATUSES,
    RESULT_STATUSES,
    SESSION_STATUSES,
    Base,
    created,
    one_of,
    updated,
)
from storage.types import json_type


class FlowDefinition(Base):
    """The exact source of a flow as a session started it."""

    __tablename__ = "flow_definitions"
    __table_args__ = (UniqueConstraint("flow_id", "hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created()

    def __repr__(self) -> str:
        return f"<FlowDefinition {self.id} {self.flow_id} v{self.version}>"

class FlowSession(Base):
    __tablename__ = "flow_sessions"
    __table_args__ = (
        one_of("status", SESSION_STATUSES),
        Index("ix_flow_sessions_participant_id_status", "participant_id", "status"),
        Index("ix_flow_sessions_status_timeout_at", "status", "timeout_at"),
        Index("ix_flow_sessions_status_expires_at", "status", "expires_at"),
        # The database's own guard for "at most one active session per participant".
        Index(
            "uq_flow_sessions_one_active",
            "participant_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    definition_id: Mapped[int] = mapped_column(ForeignKey("flow_definitions.id"), index=True)
    flow_id: Mapped[str] = mapped_column(String(100))
    flow_version: Mapped[int] = mapped_column(Integer)
    step: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    started_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = updated()
    expires_at: Mapped[datetime | None]
    timeout_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<FlowSession {self.id} {self.flow_id} {self.status} at {self.step}>"

class Result(Base):
    __tablename__ = "results"
    __table_args__ = (one_of("status", RESULT_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("flow_sessions.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    flow_id: Mapped[str] = mapped_column(String(100))
    step: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(100))
    value: Mapped[Any] = mapped_column(json_type(none_as_null=True), nullable=True)
    raw: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = created()

    def __repr__(self) -> str:
        return f"<Result {self.id} {self.flow_id}.{self.key} {self.status}>"

class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        one_of("direction", DIRECTIONS),
        one_of("status", MESSAGE_STATUSES),
        one_of("kind", MESSAGE_KINDS),
        one_of("priority", MESSAGE_PRIORITIES),
        Index("ix_messages_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_messages_channel_address_status", "channel", "address", "status"),
        Index("ix_messages_channel_provider_id", "channel", "provider_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("flow_sessions.id", ondelete="SET NULL")
    )
    direction: Mapped[str] = mapped_column(String(3))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(255))
    body: Mapped[str | None] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(json_type(), default=list)
    media: Mapped[list[Any]] = mapped_column(json_type(), default=list)
    provider_id: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = updated()
    sent_at: Mapped[datetime | None]
    # When the person read it, where the provider says so (WhatsApp); its status stays delivered.
    read_at: Mapped[datetime | None]
    # Sent on copro's own initiative (not a reply): held while the person's contact hours are shut.
    quiet: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # What the message is about, such as "meeting:12", so it can be found again (withdrawn, counted).
    topic: Mapped[str | None] = mapped_column(String(100), index=True)
    # "text"; "poll" (body the question, options the answers); "photo" (media[0], body the caption).
    kind: Mapped[str] = mapped_column(String(8), default="text", server_default="text")
    # How it is shown beyond body and options: {"buttons": [{"label": "Approve", "data":
    # "claim:12:approve"}]} for buttons that act rather than answer, {"multiple": true} for a
    # poll in which several answers may be chosen.
    display: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
    # A second id the provider gave, such as the id of a Telegram poll.
    provider_ref: Mapped[str | None] = mapped_column(String(255), index=True)
    # "urgent" (safeguarding: ahead of everything, never held by contact hours or caps),
    # "normal", or "bulk" (broadcasts, polls, scheduled check-ins: after everything else).
    priority: Mapped[str] = mapped_column(String(8), default="normal", server_default="normal")

    def __repr__(self) -> str:
        return f"<Message {self.id} {self.direction} {self.channel} {self.status}>"

class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = created()
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(100), index=True)
    participant_id: Mapped[int | None] = mapped_column(Integer, index=True)
    details: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.kind}>"

class HandledUpdate(Base):
    """A provider's update copro has handled (a Telegram update id), so one delivered again,
    after a restart say, is handled once. Pruned after a few days."""

    __tablename__ = "handled_updates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(index=True)


class Draft(Base):
    """A coordinator's guided command under way on Telegram (/poll, /broadcast...)."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), unique=True
    )
    command: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    state: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
    updated_at: Mapped[datetime] = updated()
    expires_at: Mapped[datetime]
