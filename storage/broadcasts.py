"""Broadcasts: messages a coordinator sent to a whole group, and what became of them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import messages
from storage.models import Broadcast, Job, Message


async def create(
    s: AsyncSession, *, group_id: int, texts: dict[str, str], created_by: int | None, at: datetime
) -> Broadcast:
    broadcast = Broadcast(group_id=group_id, texts=texts, created_by=created_by, created_at=at)
    s.add(broadcast)
    await s.flush()
    return broadcast


async def get(s: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await s.get(Broadcast, broadcast_id)


async def message_statuses(s: AsyncSession, topic: str) -> dict[str, int]:
    """How many of the messages about ``topic`` are in each status, and how many were ``read``
    (of those delivered)."""
    rows = await s.execute(
        select(Message.status, func.count()).where(Message.topic == topic, Message.direction == "out")
        .group_by(Message.status)
    )
    found = {str(status): int(n) for status, n in rows}
    found["read"] = await messages.read_about(s, topic)
    return found


async def job_statuses(s: AsyncSession, topic: str, kind: str) -> dict[tuple[str, str], int]:
    """How many jobs of ``kind`` about ``topic`` are in each (status, note)."""
    rows = await s.execute(
        select(Job.status, Job.note, func.count()).where(Job.topic == topic, Job.kind == kind)
        .group_by(Job.status, Job.note)
    )
    return {(str(status), str(note or "")): int(n) for status, note, n in rows}


async def waiting_until(s: AsyncSession, topic: str, kind: str) -> datetime | None:
    """The last moment something about ``topic`` waits for: a job of ``kind`` put off until then
    (``waiting: ...``, contact hours), or a message held. None when nothing is waiting."""
    job = await s.scalar(select(func.max(Job.due_at)).where(
        Job.topic == topic, Job.kind == kind, Job.status == "pending", Job.note.like("waiting:%")))
    held = await s.scalar(select(func.max(Message.next_attempt_at)).where(
        Message.topic == topic, Message.direction == "out", Message.status == "held"))
    found = [when for when in (job, held) if when is not None]
    return max(found) if found else None
