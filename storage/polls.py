"""Polls and the votes cast in them (one current vote a person)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Message, Poll, Vote


async def create(
    s: AsyncSession,
    *,
    group_id: int,
    question: dict[str, str],
    options: list[dict[str, Any]],
    multiple: bool,
    closes_at: datetime,
    share_results: bool,
    created_by: int | None,
    at: datetime,
) -> Poll:
    poll = Poll(group_id=group_id, question=question, options=options, multiple=multiple,
                closes_at=closes_at, share_results=share_results, created_by=created_by,
                status="open", created_at=at)
    s.add(poll)
    await s.flush()
    return poll


async def get(s: AsyncSession, poll_id: int) -> Poll | None:
    return await s.get(Poll, poll_id)


async def listed(s: AsyncSession, *, group_ids: Sequence[int] | None = None) -> list[Poll]:
    """Polls, newest first."""
    stmt = select(Poll).order_by(Poll.id.desc())
    if group_ids is not None:
        stmt = stmt.where(Poll.group_id.in_(group_ids))
    return list(await s.scalars(stmt))


async def close(s: AsyncSession, poll: Poll, *, at: datetime) -> None:
    poll.status = "closed"
    poll.closed_at = at
    await s.flush()


async def vote(
    s: AsyncSession, poll: Poll, participant_id: int, choices: list[int], *, channel: str,
    at: datetime,
) -> Vote:
    """Keep a person's vote, replacing any they cast before."""
    found = await s.scalar(
        select(Vote).where(Vote.poll_id == poll.id, Vote.participant_id == participant_id)
    )
    if found is None:
        found = Vote(poll_id=poll.id, participant_id=participant_id, created_at=at)
        s.add(found)
    found.choices = sorted(set(choices))
    found.channel = channel
    found.updated_at = at
    await s.flush()
    return found


async def votes(s: AsyncSession, poll_id: int) -> list[Vote]:
    return list(await s.scalars(select(Vote).where(Vote.poll_id == poll_id).order_by(Vote.id)))


async def unvote(s: AsyncSession, poll: Poll, participant_id: int) -> None:
    """A person took their vote back: they have none."""
    await s.execute(delete(Vote).where(Vote.poll_id == poll.id, Vote.participant_id == participant_id))


async def asked_natively(s: AsyncSession, channel: str, *, poll_ref: str | None = None,
                         topic: str | None = None) -> list[Message]:
    """The questions sent as ``channel``'s own polls: the one the provider knows as
    ``poll_ref``, or all of those about ``topic`` (a poll's)."""
    where = [Message.direction == "out", Message.channel == channel, Message.kind == "poll",
             Message.provider_ref.is_not(None)]
    if poll_ref is not None:
        where.append(Message.provider_ref == poll_ref)
    if topic is not None:
        where.append(Message.topic == topic)
    return list(await s.scalars(select(Message).where(*where).order_by(Message.id)))
