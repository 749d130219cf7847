"""Flow sessions: where each participant is in a flow, and what it has kept so far."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from storage.insert import insert_rows
from storage.models import FlowDefinition, FlowSession


async def _active(s: AsyncSession, participant_id: int) -> list[FlowSession]:
    """The participant's active sessions (one, or none), newest first and locked."""
    stmt = (
        select(FlowSession)
        .where(FlowSession.participant_id == participant_id, FlowSession.status == "active")
        .order_by(FlowSession.id.desc())
    )
    if s.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    return list(await s.scalars(stmt))


async def get(s: AsyncSession, session_id: int) -> FlowSession | None:
    return await s.get(FlowSession, session_id)


async def latest_session(s: AsyncSession, participant_id: int) -> FlowSession | None:
    """The person's newest session, whatever its status."""
    return (await s.scalars(
        select(FlowSession).where(FlowSession.participant_id == participant_id)
        .order_by(FlowSession.id.desc()).limit(1)
    )).first()


async def active_session(s: AsyncSession, participant_id: int) -> FlowSession | None:
    """The participant's one active session, locked for this transaction."""
    found = await _active(s, participant_id)
    return found[0] if found else None


async def start_session(
    s: AsyncSession,
    *,
    participant_id: int,
    definition: FlowDefinition,
    step: str | None,
    state: dict[str, Any],
    expires_at: datetime | None,
    timeout_at: datetime | None,
    now: datetime,
) -> FlowSession:
    """A new active session; any session still active for them is marked interrupted."""
    await end_active_sessions(s, participant_id, "interrupted", now=now)
    session = FlowSession(
        participant_id=participant_id,
        definition_id=definition.id,
        flow_id=definition.flow_id,
        flow_version=definition.version,
        step=step,
        state=state,
        status="active",
        started_at=now,
        updated_at=now,
        expires_at=expires_at,
        timeout_at=timeout_at,
    )
    s.add(session)
    await s.flush()
    return session


async def save_session(
    s: AsyncSession,
    session: FlowSession,
    *,
    step: str | None,
    state: dict[str, Any],
    status: str,
    timeout_at: datetime | None,
    now: datetime,
) -> None:
    s.add(session)
    session.step = step
    session.state = state
    flag_modified(session, "state")  # saved even if the caller changed the same dict in place
    session.status = status
    session.timeout_at = timeout_at
    session.updated_at = now
    await s.flush()


async def end_active_sessions(
    s: AsyncSession, participant_id: int, status: str, *, now: datetime
) -> int:
    """Give every active session of the participant ``status``; how many there were."""
    ended = await _active(s, participant_id)
    for session in ended:
        session.status = status
        session.timeout_at = None
        session.updated_at = now
    await s.flush()
    return len(ended)


async def claim_timers(s: AsyncSession, *, now: datetime, limit: int) -> list[FlowSession]:
    """Active sessions whose nudge or end is due by ``now``, locked for this transaction.

    On PostgreSQL, sessions another process is handling are skipped.
    """
    stmt = (
        select(FlowSession)
        .where(
            FlowSession.status == "active",
            or_(FlowSession.timeout_at <= now, FlowSession.expires_at <= now),
        )
        .order_by(FlowSession.id)
        .limit(limit)
    )
    if s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(await s.scalars(stmt))


async def set_timeout(s: AsyncSession, session: FlowSession, at: datetime | None) -> None:
    """Move a session's nudge to ``at`` (contact hours were shut when it fell due)."""
    session.timeout_at = at
    await s.flush()


async def finished(
    s: AsyncSession,
    *,
    flow_id: str,
    participant_ids: list[int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    statuses: tuple[str, ...] = ("completed",),
) -> list[FlowSession]:
    """Sessions of ``flow_id`` that ended (completed, by default), started in ``[since, until)``."""
    stmt = (
        select(FlowSession)
        .where(FlowSession.flow_id == flow_id, FlowSession.status.in_(statuses))
        .order_by(FlowSession.started_at, FlowSession.id)
    )
    if participant_ids is not None:
        stmt = stmt.where(FlowSession.participant_id.in_(participant_ids))
    if since is not None:
        stmt = stmt.where(FlowSession.started_at >= since)
    if until is not None:
        stmt = stmt.where(FlowSession.started_at < until)
    return list(await s.scalars(stmt))


async def start_many(s: AsyncSession, rows: Sequence[dict[str, Any]]) -> dict[int, int]:
    """New active sessions (each a dict of FlowSession's columns), for people with none:
    returns each new session's id by participant id. Someone who already has an active
    session is left out (the database's one-active-session index decides, race-free).
    """
    table: Table = FlowSession.__table__  # type: ignore[assignment]
    found = await insert_rows(s, table, rows, unique_on=["participant_id"], where="status = 'active'",
                              returning=[table.c.participant_id, table.c.id])
    return {int(row[0]): int(row[1]) for row in found}


def subject_of(row: FlowSession, name: str) -> int | None:
    """The id of what a session was started about: its variable ``name`` (``meeting``,
    ``poll``), a dict with an ``id``; None if it has none."""
    found = ((row.state or {}).get("extra") or {}).get(name) or {}
    value = found.get("id") if isinstance(found, dict) else None
    return int(value) if isinstance(value, int) else None


async def started_about(
    s: AsyncSession, *, flow_id: str, name: str, subject_id: int, since: datetime
) -> list[FlowSession]:
    """Every session of ``flow_id`` started since ``since`` about ``subject_id`` (its variable
    ``name``), oldest first: the invitations to one meeting, the questions of one poll."""
    rows = await s.scalars(
        select(FlowSession)
        .where(FlowSession.flow_id == flow_id, FlowSession.started_at >= since)
        .order_by(FlowSession.id)
    )
    return [row for row in rows if subject_of(row, name) == subject_id]
