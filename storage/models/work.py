"""The group's work: scheduled jobs, meetings and RSVPs, broadcasts and polls, claims, alerts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
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
    CLAIM_STATUSES,
    JOB_STATUSES,
    MEETING_STATUSES,
    PAYMENTS,
    POLL_STATUSES,
    RSVP_ANSWERS,
    Base,
    created,
    one_of,
    updated,
)
from storage.types import DecimalText, json_type


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
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = updated()
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
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = updated()

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
    updated_at: Mapped[datetime] = updated()

class Broadcast(Base):
    """A message a coordinator sent to a whole group."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    texts: Mapped[dict[str, str]] = mapped_column(json_type())  # language: text
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created()

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
    created_at: Mapped[datetime] = created()
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
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = updated()

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
    # Who decided from the command line when they are no one in copro: "ann (command line)".
    decider: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    paid_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = updated()

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
    created_at: Mapped[datetime] = created()
    sent_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    acknowledged_note: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<Alert {self.id} {'open' if self.acknowledged_at is None else 'acknowledged'}>"
