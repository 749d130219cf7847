"""Outbound messages that did not reach their person: listed for a coordinator, counted for
``/metrics``, and sent again when asked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Message, Participant

FAILED = ("failed", "undelivered")  # given up on by copro, or reported so by the provider


async def since(
    s: AsyncSession, when: datetime, *, limit: int = 200
) -> list[tuple[Message, Participant | None]]:
    """Messages that failed since ``when``, latest first, each with its person (if known)."""
    rows = await s.execute(
        select(Message, Participant)
        .outerjoin(Participant, Participant.id == Message.participant_id)
        .where(Message.direction == "out", Message.status.in_(FAILED), Message.updated_at >= when)
        .order_by(Message.updated_at.desc(), Message.id.desc())
        .limit(limit)
    )
    return [(message, person) for message, person in rows]


async def counts_since(s: AsyncSession, when: datetime) -> dict[str, int]:
    """How many messages failed since ``when``, by channel."""
    rows = await s.execute(
        select(Message.channel, func.count())
        .where(Message.direction == "out", Message.status.in_(FAILED), Message.updated_at >= when)
        .group_by(Message.channel)
    )
    return {channel: int(n) for channel, n in rows}


async def send_again(s: AsyncSession, message_id: int, *, at: datetime) -> Message | None:
    """Put a failed message back in the outbox as if new; None if there is no such failed
    message. The sender checks the address again (opted out, unreachable) before sending."""
    message = await s.get(Message, message_id)
    if message is None or message.direction != "out" or message.status not in FAILED:
        return None
    message.status = "queued"
    message.attempts = 0
    message.error = None
    message.next_attempt_at = None
    message.updated_at = at
    await s.flush()
    return message
