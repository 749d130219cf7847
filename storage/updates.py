"""Provider updates already handled (Telegram's update ids), so each is handled once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.insert import insert_new
from storage.models import HandledUpdate

# Telegram keeps an update for at most 24 hours; a week is plenty to remember one.
KEPT_FOR = timedelta(days=7)
PRUNE_EVERY = 100  # updates


async def first_time(s: AsyncSession, channel: str, update_id: int, *, at: datetime) -> bool:
    """Note update ``update_id`` as handled; False if it had been already."""
    new = await insert_new(s, HandledUpdate, unique_on=("channel", "update_id"),
                           channel=channel, update_id=update_id, at=at)
    if new is not None and update_id % PRUNE_EVERY == 0:
        await prune(s, before=at - KEPT_FOR)
    return new is not None


async def prune(s: AsyncSession, *, before: datetime) -> int:
    """Forget updates handled before ``before``; how many."""
    result = await s.execute(delete(HandledUpdate).where(HandledUpdate.at < before))
    return int(getattr(result, "rowcount", 0) or 0)
