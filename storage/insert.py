"""INSERT ... ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

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
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(unique_on))
        .returning(model)
    )
    return (await s.scalars(stmt)).one_or_none()
