"""The audit trail: consent, opt-outs, notifications and other things to account for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.clock import utcnow
from storage.models import AuditEvent


async def record(
    s: AsyncSession,
    *,
    kind: str,
    actor: str,
    participant_id: int | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    event = AuditEvent(
        at=at or utcnow(),
        kind=kind,
        actor=actor,
        participant_id=participant_id,
        details=details or {},
    )
    s.add(event)
    await s.flush()
    return event


async def events(s: AsyncSession, *, kind: str | None = None) -> list[AuditEvent]:
    """Events in the order they happened, optionally only one kind."""
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    if kind is not None:
        stmt = stmt.where(AuditEvent.kind == kind)
    return list(await s.scalars(stmt))


async def count(s: AsyncSession, *, kind: str) -> int:
    """How many events of ``kind`` there have been."""
    return int(await s.scalar(select(func.count()).where(AuditEvent.kind == kind)) or 0)


async def last_at(s: AsyncSession, *, kind: str, participant_id: int | None) -> datetime | None:
    """When the latest event of ``kind`` about ``participant_id`` happened, if ever."""
    return await s.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.kind == kind, AuditEvent.participant_id == participant_id
        )
    )
