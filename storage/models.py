"""The tables, as SQLAlchemy declarative models."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import DecimalText, UTCDateTime, json_type

PARTICIPANT_STATUSES = ("active", "opted_out", "erased")
CHANNELS = ("sms", "telegram", "console")
ADDRESS_STATUSES = ("ok", "unreachable", "opted_out")
ROLES = ("member", "coordinator", "safeguarding")
SESSION_STATUSES = ("active", "completed", "expired", "stopped", "interrupted", "errored")
RESULT_STATUSES = ("answered", "skipped", "no_answer")
DIRECTIONS = ("in", "out")
MESSAGE_STATUSES = ("received", "queued", "sending", "sent", "delivered", "failed", "held")
JOB_STATUSES = ("pending", "done", "skipped", "cancelled", "failed")
MEETING_STATUSES = ("scheduled", "cancelled")
RSVP_ANSWERS = ("yes", "no", "maybe")
MESSAGE_KINDS = ("text", "poll", "photo")
# Which outbox messages go first: safeguarding alerts, then replies, then bulk sends.
MESSAGE_PRIORITIES = ("urgent", "normal", "bulk")
POLL_STATUSES = ("open", "closed", "cancelled")
CLAIM_STATUSES = ("submitted", "approved", "rejected", "paid")
PAYMENTS = ("bank", "cash", "charity", "decline")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def one_of(column: str, values: Sequence[str]) -> CheckConstraint:
    """CHECK that ``column`` holds one of ``values``; named after the column."""
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=column)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


# Bookkeeping stamps for rows written without an explicit time: code that knows the
# time passes it; these only fill in created_at/updated_at that nobody set.
def _created() -> Mapped[datetime]:
    return mapped_column(default=lambda: datetime.now(UTC),
                         server_default=func.current_timestamp())


def _updated() -> Mapped[datetime]:
    return mapped_column(default=lambda: datetime.now(UTC), onupdate=lambda: datetime.now(UTC),
                         server_default=func.current_timestamp())


class Participant(Base):
    __tablename__ = "participants"
    __table_args__ = (one_of("status", PARTICIPANT_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    timezone: Mapped[str] = mapped_column(
        String(64), default="Europe/London", server_default="Europe/London"
    )
    contact_start: Mapped[time] = mapped_column(
        Time(), default=time(8, 0), server_default=text("'08:00:00'")
    )
    contact_end: Mapped[time] = mapped_column(
        Time(), default=time(21, 0), server_default=text("'21:00:00'")
    )
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    consent_at: Mapped[datetime | None]
    # Runs the whole service: every coordinator action in every group.
    admin: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()

    def __repr__(self) -> str:
        return f"<Participant {self.id} {self.status}>"


class Address(Base):
    __tablename__ = "addresses"
    __table_args__ = (
        UniqueConstraint("channel", "address"),
        one_of("channel", CHANNELS),
        one_of("status", ADDRESS_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="ok", server_default="ok")
    created_at: Mapped[datetime] = _created()

    def __repr__(self) -> str:
        return f"<Address {self.id} {self.channel} of participant {self.participant_id}>"


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = _created()
    # The weekly check-in; a None falls back to the [checkins] configuration.
    checkins_enabled: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    checkin_day: Mapped[int | None] = mapped_column(Integer)  # 0 Monday ... 6 Sunday
    checkin_time: Mapped[time | None] = mapped_column(Time())
    checkin_timezone: Mapped[str | None] = mapped_column(String(64))
    checkin_flow: Mapped[str | None] = mapped_column(String(100))

    def __repr__(self) -> str:
        return f"<Group {self.id} {self.name!r}>"


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("group_id", "participant_id", "role"),
        one_of("role", ROLES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16), default="member", server_default="member")
    created_at: Mapped[datetime] = _created()


class FlowDefinition(Base):
    """The exact source of a flow as a session started it."""

    __tablename__ = "flow_definitions"
    __table_args__ = (UniqueConstraint("flow_id", "hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = _created()

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
    started_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
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
    created_at: Mapped[datetime] = _created()

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
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    sent_at: Mapped[datetime | None]
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
    at: Mapped[datetime] = _created()
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(100), index=True)
    participant_id: Mapped[int | None] = mapped_column(Integer, index=True)
    details: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.kind}>"


class Invite(Base):
    """A code a coordinator gives someone, to link a new chat to them (``/start CODE``)."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = _created()
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Invite {self.id} for {self.participant_id}>"


class Job(Base):
    """Work that falls due at a time: the scheduler's source of truth.

    ``key`` names the work uniquely (``checkin:3:2026-11-30``), so planning it twice
    adds one row, and doing it marks that row done in the same transaction as its effects.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        one_of("status", JOB_STATUSES),
        Index("ix_jobs_status_due_at_id", "status", "due_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    key: Mapped[str] = mapped_column(String(255), unique=True)
    topic: Mapped[str | None] = mapped_column(String(100), index=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    payload: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    done_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.key} {self.status}>"


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (one_of("status", MEETING_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    minutes: Mapped[int] = mapped_column(Integer, default=90, server_default="90")
    place: Mapped[str | None] = mapped_column(String(300))
    online_link: Mapped[str | None] = mapped_column(String(500))
    access_info: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="scheduled", server_default="scheduled")
    # Goes up by one each time the meeting moves; reminders belong to one version.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.title!r} {self.status}>"


class Rsvp(Base):
    """A participant's answer to a meeting invitation, and what they need to take part."""

    __tablename__ = "rsvps"
    __table_args__ = (
        UniqueConstraint("meeting_id", "participant_id"),
        one_of("answer", RSVP_ANSWERS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    answer: Mapped[str] = mapped_column(String(8))
    access: Mapped[str | None] = mapped_column(String(50))
    access_detail: Mapped[str | None] = mapped_column(Text)
    # The meeting's version (its time) the answer was given for; a move makes it stale.
    meeting_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[datetime] = _updated()


class Broadcast(Base):
    """A message a coordinator sent to a whole group."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    texts: Mapped[dict[str, str]] = mapped_column(json_type())  # language: text
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = _created()


class Poll(Base):
    __tablename__ = "polls"
    __table_args__ = (one_of("status", POLL_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    question: Mapped[dict[str, str]] = mapped_column(json_type())  # language: text
    options: Mapped[list[dict[str, Any]]] = mapped_column(json_type())  # [{"label": {lang: text}}]
    multiple: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    share_results: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    closes_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = _created()
    closed_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Poll {self.id} {self.status}>"


class Vote(Base):
    """A participant's current answer to a poll (one a person, changeable until it closes)."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("poll_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    choices: Mapped[list[int]] = mapped_column(json_type())  # option numbers, from 1
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class Claim(Base):
    """An expense claim; money in whole pence, miles and rates as exact decimals."""

    __tablename__ = "claims"
    __table_args__ = (one_of("status", CLAIM_STATUSES), one_of("payment", PAYMENTS))

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("flow_sessions.id", ondelete="SET NULL"), unique=True
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="SET NULL"), index=True
    )
    category: Mapped[str] = mapped_column(String(32))
    activity: Mapped[str | None] = mapped_column(Text)
    spent_on: Mapped[date | None] = mapped_column(Date())
    amount_pence: Mapped[int] = mapped_column(Integer)
    miles: Mapped[Decimal | None] = mapped_column(DecimalText())
    rate: Mapped[Decimal | None] = mapped_column(DecimalText())
    receipt: Mapped[str | None] = mapped_column(String(500))  # a file in the media directory
    payment: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="submitted", server_default="submitted")
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    paid_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()

    def __repr__(self) -> str:
        return f"<Claim {self.id} {self.status}>"


class Alert(Base):
    """A safeguarding alert: an answer that may mean someone is at risk, until a person acts."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("flow_sessions.id", ondelete="SET NULL")
    )
    flow_id: Mapped[str] = mapped_column(String(100))
    step: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    sent_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    acknowledged_note: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<Alert {self.id} {'open' if self.acknowledged_at is None else 'acknowledged'}>"


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
    updated_at: Mapped[datetime] = _updated()
    expires_at: Mapped[datetime]
