"""WhatsApp's 24-hour window, as the messages table knows it: when each person last wrote, the
templates sent to open a conversation, and the messages waiting for the person's answer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Message

# The topic of a template sent to open a conversation, and why the messages behind it wait.
OPENER_TOPIC = "whatsapp:open"
WAITING_FOR_ANSWER = "held: waiting for them to answer on WhatsApp (its 24-hour window is shut)"
# The one channel whose messages wait for the person's answer.
WAITING_CHANNEL = "whatsapp"


async def last_inbound(
    s: AsyncSession, channel: str, addresses: Sequence[str]
) -> dict[str, datetime]:
    """When each of ``addresses`` last wrote on ``channel`` (those that ever did)."""
    found: dict[str, datetime] = {}
    for start in range(0, len(addresses), 500):
        rows = await s.execute(
            select(Message.address, func.max(Message.created_at))
            .where(Message.channel == channel, Message.status == "received",
                   Message.address.in_(addresses[start : start + 500]))
            .group_by(Message.address)
        )
        found.update({str(address): at for address, at in rows if at is not None})
    return found


async def opened_since(s: AsyncSession, channel: str, address: str, since: datetime) -> bool:
    """Whether a template to open a conversation went (or is going) to ``address`` since then."""
    found = await s.scalar(
        select(Message.id)
        .where(Message.channel == channel, Message.address == address,
               Message.direction == "out", Message.topic == OPENER_TOPIC,
               Message.status != "failed", Message.created_at >= since)
        .limit(1)
    )
    return found is not None


async def waiting(s: AsyncSession, channel: str, address: str) -> list[Message]:
    """The messages to ``address`` waiting for the person to answer, oldest first."""
    rows = await s.scalars(
        select(Message)
        .where(Message.channel == channel, Message.address == address,
               Message.direction == "out", Message.status == "held",
               Message.error == WAITING_FOR_ANSWER)
        .order_by(Message.id)
    )
    return list(rows)


async def release(s: AsyncSession, channel: str, address: str, *, at: datetime) -> int:
    """The person answered: the messages waiting for it may go now. Returns how many."""
    if channel != WAITING_CHANNEL:
        return 0  # no other channel holds messages for an answer: nothing to look for
    result = await s.execute(
        update(Message)
        .where(Message.channel == channel, Message.address == address,
               Message.direction == "out", Message.status == "held",
               Message.error == WAITING_FOR_ANSWER)
        .values(status="queued", error=None, next_attempt_at=None, updated_at=at)
    )
    return int(getattr(result, "rowcount", 0) or 0)
