"""INSERT ... ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike, and the look-up of
which unique keys are taken already."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Executable, Table, bindparam, select, text, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage import each
from storage.models import Base

M = TypeVar("M", bound=Base)

# From how many rows PostgreSQL is given them by COPY rather than as an INSERT's parameters.
COPY_FROM = 100


async def insert_new(
    s: AsyncSession, model: type[M], *, unique_on: Sequence[str], **values: Any
) -> M | None:
    """Insert a row and return it, or return None if a row with the same ``unique_on`` exists.

    Nothing fails, so the surrounding transaction stays usable either way.
    """
    stmt = _insert_new_statement(s.get_bind().dialect.name, model, tuple(unique_on))
    # The values as parameters, not in the statement, so its compiled form is cached.
    return (await s.scalars(stmt, [values])).one_or_none()


@lru_cache(maxsize=64)
def _insert_new_statement(dialect: str, model: type[Base], unique_on: tuple[str, ...]) -> Executable:
    """``insert_new``'s statement, built once for each model and unique key."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model).on_conflict_do_nothing(index_elements=list(unique_on)).returning(model)


async def insert_many(
    s: AsyncSession, model: type[M], rows: Sequence[dict[str, Any]], *, unique_on: Sequence[str]
) -> int:
    """Insert many rows, skipping those whose ``unique_on`` is taken; returns how many went in.

    Every row needs the same keys. See ``insert_rows``.
    """
    table: Table = model.__table__  # type: ignore[assignment]
    return len(await insert_rows(s, table, rows, unique_on=unique_on,
                                 returning=list(table.primary_key.columns)))


async def insert_rows(
    s: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    unique_on: Sequence[str],
    where: str | None = None,
    returning: Sequence[ColumnElement[Any]],
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (dicts with the same keys), skipping any whose ``unique_on`` (an index,
    partial if ``where`` is its condition) is taken; returns ``returning`` of those that went in.

    SQLite gets one cached statement for every row (SQLAlchemy sends them in large batches).
    PostgreSQL gets a hundred rows or more by ``COPY``, the quickest way in, into a table of
    this transaction's own, then moved across with the same ``ON CONFLICT DO NOTHING``.
    """
    if not rows:
        return []
    dialect = s.get_bind().dialect.name
    if dialect == "postgresql" and len(rows) >= COPY_FROM:
        return await _copy_rows(s, table, rows, unique_on=unique_on, where=where,
                                returning=returning)
    stmt = _insert_statement(dialect, table, tuple(unique_on), where, tuple(returning))
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(rows), 1000):
        found += map(tuple, await s.execute(stmt, list(rows[start : start + 1000])))
    return found


@lru_cache(maxsize=256)
def _insert_statement(
    dialect: str, table: Table, unique_on: tuple[str, ...], where: str | None,
    returning: tuple[ColumnElement[Any], ...],
) -> Executable:
    """``insert_rows``'s statement, built once for each table and its conflict and returning."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(table)  # the table, not the class: no ORM bookkeeping for each row
        .on_conflict_do_nothing(index_elements=list(unique_on),
                                index_where=text(where) if where else None)
        .returning(*returning)
    )


async def _copy_rows(
    s: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    unique_on: Sequence[str],
    where: str | None,
    returning: Sequence[ColumnElement[Any]],
) -> list[tuple[Any, ...]]:
    """``insert_rows`` on PostgreSQL, by ``COPY`` into a temporary table dropped at commit."""
    names = list(rows[0])
    dialect = s.get_bind().dialect
    # Column by column: one that needs no converting is taken as it is.
    columns = [[row[name] for row in rows] for name in names]
    for n, name in enumerate(names):
        to = table.c[name].type._cached_bind_processor(dialect)
        if to is not None:
            columns[n] = list(map(_converter(to), columns[n]))
    records = list(zip(*columns, strict=True))
    # One table for each set of columns: another insert in this transaction may give others.
    staging = f"copro_copy_{table.name}_{zlib.crc32(','.join(names).encode()):08x}"
    listed = ", ".join(f'"{name}"' for name in names)
    await s.execute(text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DROP AS "
                         f"SELECT {listed} FROM {table.name} WITH NO DATA"))
    connection = await (await s.connection()).get_raw_connection()
    await connection.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
        staging, records=records, columns=names)
    condition = f" WHERE {where}" if where else ""
    given = ", ".join(f'"{column.name}"' for column in returning)
    result = await s.execute(text(
        f"WITH moved AS (DELETE FROM {staging} RETURNING {listed}) "
        f"INSERT INTO {table.name} ({listed}) SELECT {listed} FROM moved "
        f"ON CONFLICT ({', '.join(unique_on)}){condition} DO NOTHING RETURNING {given}"
    ))
    return list(map(tuple, result))


def _converter(to: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A column's values as the driver takes them, each object converted once for all the
    rows that share it (the time of the fan-out, a dict of JSON): by its id, as every row,
    and so the object, lives until the COPY."""
    done: dict[int, Any] = {}

    def convert(value: Any) -> Any:
        found = done.get(id(value), done)
        if found is done:
            found = done[id(value)] = to(value)
        return found

    return convert


async def keys_in(s: AsyncSession, column: InstrumentedAttribute[Any], keys: Sequence[Any]) -> list[Any]:
    """Which of ``keys`` are in ``column`` (one with a unique index), a thousand at a time.

    The keys are written into the statement, not bound: a table that grows fast (the
    outbox during a fan-out) would otherwise keep PostgreSQL on a plan it made for its
    first, empty, executions, scanning the whole table for each thousand. On PostgreSQL
    each key is looked up on its own in the unique index, not as an ``IN`` list (see
    ``storage.each``).
    """
    found: list[Any] = []
    if s.get_bind().dialect.name == "postgresql":
        keys_given = each.given("keys", column.type, literal=True)
        # A subquery for each key, which PostgreSQL runs by its index (see ``storage.each``).
        stmt = select(keys_given.c.value).where(
            select(true()).where(column == keys_given.c.value).scalar_subquery())
    else:
        stmt = select(column).where(
            column.in_(bindparam("keys", expanding=True, literal_execute=True)))
    for start in range(0, len(keys), 1000):
        found += await s.scalars(stmt, {"keys": list(keys[start : start + 1000])})
    return found
