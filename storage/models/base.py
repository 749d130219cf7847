"""What every table shares: the declarative base, naming, CHECKs and time stamps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    CheckConstraint,
    MetaData,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime

PARTICIPANT_STATUSES = ("active", "opted_out", "erased")
CHANNELS = ("sms", "telegram", "console", "whatsapp", "voice")
ADDRESS_STATUSES = ("ok", "unreachable", "opted_out")
ROLES = ("member", "coordinator", "safeguarding")
# ``parked``: set aside while a short item is asked, to come back after; ``aside``: a short item
# answered only by its own buttons, beside the conversation open (``bot.host.interleave``).
SESSION_STATUSES = ("active", "completed", "expired", "stopped", "interrupted", "errored", "parked",
                    "aside")
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
def created() -> Mapped[datetime]:
    return mapped_column(default=lambda: datetime.now(UTC),
                         server_default=func.current_timestamp())


def updated() -> Mapped[datetime]:
    return mapped_column(default=lambda: datetime.now(UTC), onupdate=lambda: datetime.now(UTC),
                         server_default=func.current_timestamp())
