"""Reads a transaction makes more than once, made once.

One message's turn asks several times which conversations a person has open (a late
poll answer, the router, a short item beside the conversation). The first asks the
database; the others take the same rows from the transaction. Anything the
transaction writes (a flush, an INSERT, UPDATE or DELETE, a savepoint rolled back)
forgets everything kept, so a read after a write always goes to the database.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

_KEY = "copro_remembered"


async def recall(s: AsyncSession, key: Hashable) -> Any | None:
    """What was kept under ``key`` in this transaction since it last wrote, or None.

    Changes not yet written (which a query would write first) are written now."""
    kept: dict[Hashable, Any] | None = s.info.get(_KEY)
    if kept is None or key not in kept:
        return None
    if s.new or s.dirty or s.deleted:
        await s.flush()  # forgets what was kept
        return None
    return kept[key]


def keep(s: AsyncSession, key: Hashable, value: Any) -> None:
    s.info.setdefault(_KEY, {})[key] = value


def forget(s: AsyncSession | Session) -> None:
    """Forget everything kept: for a write this module's events cannot see."""
    s.info.pop(_KEY, None)


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _flush: UOWTransaction) -> None:
    forget(session)


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if not state.is_select:
        forget(state.session)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, _transaction: SessionTransaction) -> None:
    forget(session)
