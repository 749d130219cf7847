"""Expense claims: what was spent, by whom, and what was decided."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.insert import insert_new
from storage.models import Claim


async def submit(
    s: AsyncSession,
    *,
    participant_id: int,
    session_id: int,
    group_id: int | None,
    category: str,
    activity: str | None,
    spent_on: date | None,
    amount_pence: int,
    miles: Decimal | None,
    rate: Decimal | None,
    receipt: str | None,
    payment: str,
    at: datetime,
) -> Claim | None:
    """Keep a claim; None if the session already made one (a flow's end handled twice)."""
    return await insert_new(
        s, Claim, unique_on=("session_id",), participant_id=participant_id,
        session_id=session_id, group_id=group_id, category=category, activity=activity,
        spent_on=spent_on, amount_pence=amount_pence, miles=miles, rate=rate, receipt=receipt,
        payment=payment, status="submitted", created_at=at, updated_at=at,
    )


async def get(s: AsyncSession, claim_id: int) -> Claim | None:
    return await s.get(Claim, claim_id)


async def decide(
    s: AsyncSession, claim: Claim, *, status: str, by: int | None, reason: str | None,
    at: datetime, decider: str | None = None,
) -> None:
    """``approved`` or ``rejected`` (with the reason), by whom (a participant, else the
    ``decider`` named) and when."""
    claim.status = status
    claim.decided_by = by
    claim.decider = None if by is not None else decider
    claim.decided_at = at
    claim.reason = reason
    claim.updated_at = at
    await s.flush()


async def mark_paid(s: AsyncSession, claim: Claim, *, at: datetime) -> None:
    claim.status = "paid"
    claim.paid_at = at
    claim.updated_at = at
    await s.flush()


async def listed(
    s: AsyncSession,
    *,
    statuses: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    group_ids: Sequence[int] | None = None,
) -> list[Claim]:
    """Claims made in ``[since, until)``, oldest first; optionally only some statuses or groups."""
    stmt = select(Claim).order_by(Claim.created_at, Claim.id)
    if statuses is not None:
        stmt = stmt.where(Claim.status.in_(statuses))
    if since is not None:
        stmt = stmt.where(Claim.created_at >= since)
    if until is not None:
        stmt = stmt.where(Claim.created_at < until)
    if group_ids is not None:
        stmt = stmt.where(Claim.group_id.in_(group_ids))
    return list(await s.scalars(stmt))
