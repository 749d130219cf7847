"""Answers kept from flows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import FlowSession, Result

# Keeping an answer: one INSERT built once, with no ORM object made for it.
_ADD = insert(Result.__table__)  # type: ignore[arg-type]


async def add_result(
    s: AsyncSession,
    *,
    session: FlowSession,
    step: str,
    key: str,
    value: Any,
    raw: str | None,
    status: str,
    at: datetime,
) -> None:
    """Keep one answer; ``value`` must already be JSON-able (None is stored as NULL)."""
    await s.execute(_ADD, {
        "session_id": session.id, "participant_id": session.participant_id,
        "flow_id": session.flow_id, "step": step, "key": key, "value": value, "raw": raw,
        "status": status, "created_at": at,
    })


async def results_of_sessions(s: AsyncSession, session_ids: list[int]) -> dict[int, list[Result]]:
    """The answers of many sessions at once, by session id, each in order."""
    found: dict[int, list[Result]] = {sid: [] for sid in session_ids}
    for start in range(0, len(session_ids), 500):
        rows = await s.scalars(
            select(Result)
            .where(Result.session_id.in_(session_ids[start : start + 500]))
            .order_by(Result.id)
        )
        for row in rows:
            found[row.session_id].append(row)
    return found
