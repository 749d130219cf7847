"""INSERT ... ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base

M = TypeVar("M", bound=Base)


async def insert_new(
    s: AsyncSession, model: type[M], *, unique_on: Sequence[str], **values: Any
) -> M | None:
    """Insert a row and return it, or return None if a row with the same ``unique_on`` exists.

    Nothing fails, so the surrounding transaction stays usable either way.
    """
    dialect = s.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(model)
        .on_conflict_do_nothing(index_elements=list(unique_on))
        .returning(model)
    )
    # The values as parameters, not in the statement, so its compiled form is cached.
    return (await s.scalars(stmt, [values])).one_or_none()


async def insert_many(
    s: AsyncSession, model: type[M], rows: Sequence[dict[str, Any]], *, unique_on: Sequence[str]
) -> int:
    """Insert many rows, skipping those whose ``unique_on`` is taken; returns how many went in.

    One cached statement for every row (SQLAlchemy sends them in large batches), so
    a hundred thousand rows cost seconds, not minutes. Every row needs the same keys.
    """
    if not rows:
        return 0
    dialect = s.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table: Table = model.__table__  # type: ignore[assignment]
    stmt = (
        insert(table)  # the table, not the class: no ORM bookkeeping for each row
        .on_conflict_do_nothing(index_elements=list(unique_on))
        .returning(*table.primary_key.columns)
    )
    return len((await s.execute(stmt, list(rows))).all())
