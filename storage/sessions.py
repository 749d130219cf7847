"""Flow sessions: where each participant is in a flow, and what it has kept so far."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage import remembered
from storage.insert import insert_rows
from storage.models import FlowDefinition, FlowSession

# Sessions still under way: the one a person's messages answer (``active``), one set aside to
# come back to (``parked``), and short ones answered by their own buttons (``aside``).
OPEN = ("active", "parked", "aside")
_OPEN_KEY = "open sessions"
# A person's open sessions, newest first (built once: asked of every message that comes in);
# locked where the database can (SQLite's writer is the lock there).
_OPEN = (
    select(FlowSession)
    .where(FlowSession.participant_id == bindparam("participant_id"), FlowSession.status.in_(OPEN))
    .order_by(FlowSession.id.desc())
)
_OPEN_LOCKED = _OPEN.with_for_update()


async def _active(
    s: AsyncSession, participant_id: int, statuses: Sequence[str] = ("active",)
) -> list[FlowSession]:
    """The participant's sessions with ``statuses`` (active: one, or none), newest first and
    locked. Their open sessions are read once a transaction, until it writes."""
    found: list[FlowSession] | None = await remembered.recall(s, (_OPEN_KEY, participant_id))
    if found is None:
        stmt = _OPEN if s.get_bind().dialect.name == "sqlite" else _OPEN_LOCKED
        found = list(await s.scalars(stmt, {"participant_id": participant_id}))
        remembered.keep(s, (_OPEN_KEY, participant_id), found)
    if not set(statuses) <= set(OPEN):
        raise ValueError(f"not a status of an open session: {statuses}")
    return [row for row in found if row.status in statuses]


async def get(s: AsyncSession, session_id: int) -> FlowSession | None:
    return await s.get(FlowSession, session_id)


_LATEST = (
    select(FlowSession).where(FlowSession.participant_id == bindparam("participant_id"))
    .order_by(FlowSession.id.desc()).limit(1)
)


async def latest_session(s: AsyncSession, participant_id: int) -> FlowSession | None:
    """The person's newest session, whatever its status."""
    return (await s.scalars(_LATEST, {"participant_id": participant_id})).first()


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


# Saving a session where it is: one UPDATE built once, not the ORM's unit of work.
_SAVE = (
    update(FlowSession.__table__)  # type: ignore[arg-type]
    .where(FlowSession.__table__.c.id == bindparam("session_id"))
    .values(step=bindparam("step"), state=bindparam("state"), status=bindparam("status"),
            timeout_at=bindparam("timeout_at"), updated_at=bindparam("updated_at"))
)


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
    """Write where ``session`` is now, and show it on the object as written."""
    if session not in s:
        s.add(session)
    await s.execute(_SAVE, {"session_id": session.id, "step": step, "state": state,
                            "status": status, "timeout_at": timeout_at, "updated_at": now})
    for name, value in (("step", step), ("state", state), ("status", status),
                        ("timeout_at", timeout_at), ("updated_at", now)):
        set_committed_value(session, name, value)


async def parked_session(s: AsyncSession, participant_id: int) -> FlowSession | None:
    """The conversation set aside for a short one (the newest, if ever more), locked."""
    found = await _active(s, participant_id, ("parked",))
    return found[0] if found else None


async def aside_session(s: AsyncSession, participant_id: int) -> FlowSession | None:
    """The person's newest short item beside their conversation, if any."""
    found = await _active(s, participant_id, ("aside",))
    return found[0] if found else None


async def bring_to_front(s: AsyncSession, session: FlowSession, *, now: datetime) -> None:
    """Make a short item set beside a conversation that has ended the one replies answer."""
    session.status = "active"
    session.updated_at = now
    await s.flush()


async def park(s: AsyncSession, session: FlowSession, *, now: datetime) -> None:
    """Set ``session`` aside: it waits, without its nudge, until it is asked again."""
    session.status = "parked"
    session.timeout_at = None
    session.updated_at = now
    await s.flush()


async def park_many(
    s: AsyncSession, participant_ids: Sequence[int], *, now: datetime
) -> dict[int, int]:
    """``park`` the active session of each person, with one statement: the parked session's
    id by participant id (someone with none is left out)."""
    parked: dict[int, int] = {}
    for start in range(0, len(participant_ids), 1000):
        result = await s.execute(
            update(FlowSession)
            .where(FlowSession.participant_id.in_(participant_ids[start : start + 1000]),
                   FlowSession.status == "active")
            .values(status="parked", timeout_at=None, updated_at=now)
            .returning(FlowSession.participant_id, FlowSession.id)
        )
        parked.update({int(pid): int(sid) for pid, sid in result})
    return parked


async def unpark_many(s: AsyncSession, session_ids: Sequence[int], *, now: datetime) -> None:
    """Put back sessions parked for short items that could not start after all."""
    if session_ids:
        await s.execute(
            update(FlowSession)
            .where(FlowSession.id.in_(session_ids), FlowSession.status == "parked")
            .values(status="active", updated_at=now)
        )


async def active_flows(s: AsyncSession, participant_ids: Sequence[int]) -> dict[int, str]:
    """The flow of each person's active session, by participant id (none: left out)."""
    found: dict[int, str] = {}
    for start in range(0, len(participant_ids), 1000):
        rows = await s.execute(
            select(FlowSession.participant_id, FlowSession.flow_id)
            .where(FlowSession.participant_id.in_(participant_ids[start : start + 1000]),
                   FlowSession.status == "active")
        )
        found.update({int(pid): str(flow) for pid, flow in rows})
    return found


async def end_active_sessions(
    s: AsyncSession, participant_id: int, status: str, *, now: datetime, every: bool = False
) -> int:
    """Give the participant's active session ``status``; ``every``: every session of theirs
    under way, set aside or beside it too (STOP). How many there were.

    A conversation parked for a short item outlives a new conversation started in front of
    it (VOTE asking a poll again, say), and comes back when that ends."""
    ended = await _active(s, participant_id, OPEN if every else ("active",))
    for session in ended:
        session.status = status
        session.timeout_at = None
        session.updated_at = now
    await s.flush()
    return len(ended)


async def claim_timers(s: AsyncSession, *, now: datetime, limit: int) -> list[FlowSession]:
    """Sessions under way whose nudge or end is due by ``now``, locked for this transaction
    (a parked one has no nudge: only its end).

    On PostgreSQL, sessions another process is handling are skipped.
    """
    stmt = (
        select(FlowSession)
        .where(
            FlowSession.status.in_(OPEN),
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
