"""Coordinators' guided commands under way: what they are doing and what they said so far."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Draft

_OF_PERSON = select(Draft).where(Draft.participant_id == bindparam("participant_id"))


async def current(s: AsyncSession, participant_id: int, *, now: datetime) -> Draft | None:
    """The person's draft, if they have one that has not run out of time.

    Looked up once a transaction (several features ask about every message).
    """
    cache = s.info.setdefault("drafts", {})
    if participant_id in cache:
        return cache[participant_id]  # type: ignore[no-any-return]
    draft = await s.scalar(_OF_PERSON, {"participant_id": participant_id})
    cache[participant_id] = draft
    if draft is not None and draft.expires_at <= now:
        await s.delete(draft)
        await s.flush()
        cache[participant_id] = None
        return None
    return draft


async def begin(
    s: AsyncSession, participant_id: int, *, command: str, step: str, state: dict[str, Any],
    expires_at: datetime, now: datetime,
) -> Draft:
    """Start a draft, replacing any the person had."""
    await clear(s, participant_id)
    draft = Draft(participant_id=participant_id, command=command, step=step, state=state,
                  updated_at=now, expires_at=expires_at)
    s.add(draft)
    await s.flush()
    s.info.setdefault("drafts", {})[participant_id] = draft
    return draft


async def clear(s: AsyncSession, participant_id: int) -> None:
    await s.execute(delete(Draft).where(Draft.participant_id == participant_id))
    s.info.setdefault("drafts", {})[participant_id] = None
