"""What the database holds, read the way tests check it; copro itself never reads these so."""

from __future__ import annotations

from sqlalchemy import select

from storage.db import Tx
from storage.models import AuditEvent, FlowSession, Job, Message, Result


async def messages_of(s: Tx, participant_id: int) -> list[Message]:
    """Everything to and from a participant, in order."""
    rows = await s.scalars(
        select(Message).where(Message.participant_id == participant_id).order_by(Message.id)
    )
    return list(rows)


async def messages_of_address(s: Tx, address: str) -> list[Message]:
    """Everything to and from one address, in order."""
    rows = await s.scalars(select(Message).where(Message.address == address).order_by(Message.id))
    return list(rows)


async def results_of(s: Tx, session_id: int) -> list[Result]:
    rows = await s.scalars(
        select(Result).where(Result.session_id == session_id).order_by(Result.id)
    )
    return list(rows)


async def last_session(s: Tx, participant_id: int, flow_id: str) -> FlowSession | None:
    """The participant's most recent session of ``flow_id``, whatever its status."""
    return await s.scalar(
        select(FlowSession)
        .where(FlowSession.participant_id == participant_id, FlowSession.flow_id == flow_id)
        .order_by(FlowSession.id.desc())
        .limit(1)
    )


async def sessions_of(s: Tx, participant_id: int) -> list[FlowSession]:
    """Every session of a participant, oldest first."""
    rows = await s.scalars(
        select(FlowSession).where(FlowSession.participant_id == participant_id)
        .order_by(FlowSession.id)
    )
    return list(rows)


async def audit_events(s: Tx, *, kind: str | None = None) -> list[AuditEvent]:
    """Audit events in the order they happened, optionally only one kind."""
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    if kind is not None:
        stmt = stmt.where(AuditEvent.kind == kind)
    return list(await s.scalars(stmt))



async def job(s: Tx, job_id: int) -> Job | None:
    return await s.get(Job, job_id)
