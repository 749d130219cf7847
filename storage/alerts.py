"""Safeguarding alerts, from the answer that raised one to the person who acknowledged it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Alert


async def create(
    s: AsyncSession,
    *,
    participant_id: int,
    group_id: int | None,
    session_id: int | None,
    flow_id: str,
    step: str,
    reason: str,
    text: str,
    at: datetime,
) -> Alert:
    alert = Alert(participant_id=participant_id, group_id=group_id, session_id=session_id,
                  flow_id=flow_id, step=step, reason=reason, text=text, created_at=at)
    s.add(alert)
    await s.flush()
    return alert


async def get(s: AsyncSession, alert_id: int) -> Alert | None:
    return await s.get(Alert, alert_id)


async def listed(s: AsyncSession, *, open_only: bool = False) -> list[Alert]:
    """Alerts, newest first; ``open_only``: those no one has acknowledged yet."""
    stmt = select(Alert).order_by(Alert.id.desc())
    if open_only:
        stmt = stmt.where(Alert.acknowledged_at.is_(None))
    return list(await s.scalars(stmt))


async def acknowledge(
    s: AsyncSession, alert: Alert, *, by: int | None, note: str | None, at: datetime
) -> bool:
    """Mark ``alert`` acknowledged; False if someone already had."""
    if alert.acknowledged_at is not None:
        return False
    alert.acknowledged_at = at
    alert.acknowledged_by = by
    alert.acknowledged_note = note
    await s.flush()
    return True


async def count_sending(s: AsyncSession, alert: Alert) -> None:
    """One more round of ``alert`` went out to staff."""
    alert.sent_count += 1
    await s.flush()
