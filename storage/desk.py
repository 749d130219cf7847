"""Sign-in codes for the coordinators' web desk: made, and used once before they expire.

Only a keyed hash of each code is kept (the caller makes it), so a copy of the
database signs no one in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DeskCode


async def make_code(
    s: AsyncSession, participant_id: int, digest: str, *, expires_at: datetime, at: datetime
) -> DeskCode:
    row = DeskCode(participant_id=participant_id, digest=digest, created_at=at, expires_at=expires_at)
    s.add(row)
    await s.flush()
    return row


async def use_code(s: AsyncSession, digest: str, *, at: datetime) -> int | None:
    """Spend the code with ``digest``: whose it was, or None if it is unknown, used or expired."""
    row = await s.scalar(select(DeskCode).where(DeskCode.digest == digest))
    if row is None or row.used_at is not None or row.expires_at <= at:
        return None
    spent = await s.execute(
        update(DeskCode).where(DeskCode.id == row.id, DeskCode.used_at.is_(None)).values(used_at=at)
    )
    return row.participant_id if spent.rowcount == 1 else None  # type: ignore[attr-defined]


async def codes_made_since(s: AsyncSession, participant_id: int, *, since: datetime) -> int:
    """How many codes ``participant_id`` was sent since ``since`` (to stop a flood of texts)."""
    return int(await s.scalar(
        select(func.count()).select_from(DeskCode)
        .where(DeskCode.participant_id == participant_id, DeskCode.created_at >= since)
    ) or 0)
