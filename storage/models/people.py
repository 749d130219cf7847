"""People, how to reach them, their groups and invite codes."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import (
    ADDRESS_STATUSES,
    CHANNELS,
    PARTICIPANT_STATUSES,
    ROLES,
    Base,
    created,
    one_of,
    updated,
)
from storage.types import NameText


class Participant(Base):
    __tablename__ = "participants"
    __table_args__ = (one_of("status", PARTICIPANT_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The full name a coordinator entered: results, finance and look-ups use it.
    name: Mapped[str | None] = mapped_column(NameText())
    # The name the person likes to be called (the welcome asks): messages to them use it.
    called: Mapped[str | None] = mapped_column(NameText())
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
    # Where their staff notices (claims, alerts, summaries) go: a channel, or None for
    # Telegram when they have it, else SMS.
    work_channel: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = updated()

    @property
    def full_name(self) -> str | None:
        """The name for records and for staff: the full name, else the one they gave."""
        return self.name or self.called

    @property
    def known_as(self) -> str | None:
        """The name to use when writing to them: the one they like to be called."""
        return self.called or self.name

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
    # A Telegram chat's @username (without the @), as its last update said: coordinators may
    # name the person by it.
    username: Mapped[str | None] = mapped_column(String(64))
    # This chat was given the coordinators' command menu (Telegram keeps it until taken away).
    menu: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    created_at: Mapped[datetime] = created()

    def __repr__(self) -> str:
        return f"<Address {self.id} {self.channel} of participant {self.participant_id}>"

class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(NameText(), unique=True)
    # The name folded for finding it: no case, single spaces (``storage.groups.key_of``).
    key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = created()
    # The weekly check-in; a None falls back to the [checkins] configuration.
    checkins_enabled: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    checkin_day: Mapped[int | None] = mapped_column(Integer)  # 0 Monday ... 6 Sunday
    checkin_time: Mapped[time | None] = mapped_column(Time())
    checkin_timezone: Mapped[str | None] = mapped_column(String(64))
    checkin_flow: Mapped[str | None] = mapped_column(String(100))
    # What the group's members read: its name in Welsh and how to reach its coordinator
    # ("Sam on 01234 567890"); None falls back to the service's [group] words.
    name_cy: Mapped[str | None] = mapped_column(NameText())
    coordinator: Mapped[str | None] = mapped_column(String(200))
    coordinator_cy: Mapped[str | None] = mapped_column(String(200))

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
    created_at: Mapped[datetime] = created()

class Invite(Base):
    """A code a coordinator gives someone, to link a new chat to them (``/start CODE``)."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = created()
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Invite {self.id} for {self.participant_id}>"
