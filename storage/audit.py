"""The audit trail: consent, opt-outs, notifications and other things to account for."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import after_commit
from storage.models import AuditEvent

log = logging.getLogger(__name__)

# What the log says copro did, once the event is committed; by event kind (else its words).
SAYS = {
    "alert_raised": "a safeguarding alert was raised",
    "alert_acknowledged": "a safeguarding alert was acknowledged",
    "claim_submitted": "an expense claim was submitted",
    "claim_approved": "an expense claim was approved",
    "claim_rejected": "an expense claim was rejected",
    "claim_paid": "an expense claim was marked paid",
    "broadcast_sent": "a broadcast was queued",
    "poll_created": "a poll was queued",
    "robot_suspected": "copro stopped answering a number that acts like a robot, for an hour",
    "notify_unheard": "a notice reached no one able to act",
}
# Details safe to log: ids and codes, never a name, a number or anyone's words.
_LOGGED = ("alert", "claim", "broadcast", "poll", "meeting", "group", "reason", "flow", "people")


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
    said = SAYS.get(kind) or kind.replace("_", " ")
    shown = " ".join(f"{key}={value}" for key, value in (details or {}).items()
                     if key in _LOGGED and isinstance(value, int | str) and len(str(value)) <= 40)
    about = f"participant {participant_id}" if participant_id is not None else ""
    after_commit(s, lambda: log.info("%s%s", said, f" ({', '.join(filter(None, (about, shown)))})"
                                     if about or shown else ""))
    return event


_LAST_AT = select(func.max(AuditEvent.at)).where(AuditEvent.kind == bindparam("kind"))
_LAST_ABOUT = _LAST_AT.where(AuditEvent.participant_id == bindparam("participant_id"))
_LAST_ABOUT_NO_ONE = _LAST_AT.where(AuditEvent.participant_id.is_(None))


async def last_at(s: AsyncSession, *, kind: str, participant_id: int | None) -> datetime | None:
    """When the latest event of ``kind`` about ``participant_id`` happened, if ever."""
    if participant_id is None:
        return await s.scalar(_LAST_ABOUT_NO_ONE, {"kind": kind})
    return await s.scalar(_LAST_ABOUT, {"kind": kind, "participant_id": participant_id})


async def count(
    s: AsyncSession, *, kinds: Sequence[str], participant_id: int | None = None,
    since: datetime | None = None,
) -> int:
    """How many events of ``kinds`` there have been (about ``participant_id``, since ``since``,
    if given)."""
    stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.kind.in_(kinds))
    if participant_id is not None:
        stmt = stmt.where(AuditEvent.participant_id == participant_id)
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
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
