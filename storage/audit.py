"""The audit trail: consent, opt-outs, notifications and other things to account for."""

from __future__ import annotations

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
