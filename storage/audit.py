"""The audit trail: consent, opt-outs, notifications and other things to account for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent


async def record(
    s: AsyncSession,
    *,
    kind: str,
    actor: str,
    participant_id: int | None = None,
    details: dict[str, Any] | None = None,
    at: datetime,
) -> AuditEvent:
    event = AuditEvent(
        at=at,
        kind=kind,
        actor=actor,
        participant_id=participant_id,
        details=details or {},
    )
    s.add(event)
    await s.flush()
    return event


async def last_at(s: AsyncSession, *, kind: str, participant_id: int | None) -> datetime | None:
    """When the latest event of ``kind`` about ``participant_id`` happened, if ever."""
    return await s.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.kind == kind, AuditEvent.participant_id == participant_id
        )
    )


async def count(
    s: AsyncSession, *, kinds: Sequence[str], participant_id: int | None = None
) -> int:
    """How many events of ``kinds`` there have been (about ``participant_id``, if given)."""
    stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.kind.in_(kinds))
    if participant_id is not None:
        stmt = stmt.where(AuditEvent.participant_id == participant_id)
    return int(await s.scalar(stmt) or 0)


async def about_since(
    s: AsyncSession, *, kind: str, participant_id: int, since: datetime
) -> list[AuditEvent]:
    """The events of ``kind`` about ``participant_id`` since ``since``, oldest first."""
    return list(await s.scalars(
        select(AuditEvent)
        .where(AuditEvent.kind == kind, AuditEvent.participant_id == participant_id,
               AuditEvent.at >= since)
        .order_by(AuditEvent.id)
    ))


async def recent(
    s: AsyncSession, *, kinds: Sequence[str], since: datetime, limit: int = 100
) -> list[AuditEvent]:
    """The events of ``kinds`` since ``since``, newest first."""
    return list(await s.scalars(
        select(AuditEvent).where(AuditEvent.kind.in_(kinds), AuditEvent.at >= since)
        .order_by(AuditEvent.id.desc()).limit(limit)
    ))
