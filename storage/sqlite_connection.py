"""SQLite connections for the async engine that go to their thread once a statement.

aiosqlite runs every call on a ``sqlite3`` connection in a thread of its own, so that
the event loop never waits on the disk or on another program's lock. SQLAlchemy's
adapter makes four such trips a statement (open a cursor, execute, fetch, close), and
each trip hands over between threads twice. Here a statement is one trip: it is
executed, its rows fetched and its cursor closed in the connection's thread, and the
rows come back together. Everything else (the thread, commit, rollback, close) is
aiosqlite's own.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Mapping, Sequence
from functools import partial
from types import TracebackType
from typing import Any

import aiosqlite

_Done = tuple[Any, list[Any], int, int | None]


class Cursor:
    """A cursor whose ``execute`` brings back every row at once; the fetches only hand them
    out. Enough of aiosqlite's cursor for SQLAlchemy's adapter."""

    arraysize = 1

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._rows: deque[Any] = deque()
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        traceback: TracebackType | None) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        self._done(await self._connection.run(_execute, sql, parameters, many=False))
        return self

    async def executemany(self, sql: str, parameters: Any) -> Cursor:
        self._done(await self._connection.run(_execute, sql, parameters, many=True))
        return self

    async def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = min(len(self._rows), self.arraysize if size is None else size)
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        self._rows.clear()

    def _done(self, done: _Done) -> None:
        self.description, rows, self.rowcount, self.lastrowid = done
        self._rows = deque(rows)


class Connection(aiosqlite.Connection):
    """aiosqlite's connection, with cursors that take one trip a statement."""

    def cursor(self) -> Cursor:  # type: ignore[override]
        return Cursor(self)

    async def run(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """``function(sqlite3_connection, *args, **kwargs)`` in the connection's thread."""
        return await self._execute(partial(function, self._conn, *args, **kwargs))  # type: ignore[no-untyped-call]


def _execute(connection: sqlite3.Connection, sql: str, parameters: Any, *,
             many: bool) -> _Done:
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        description = cursor.description
        rows: list[Any] = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


async def connect(args: Sequence[Any], kwargs: Mapping[str, Any]) -> Connection:
    """A connection to the database ``sqlite3.connect(*args, **kwargs)`` opens."""
    connection = Connection(partial(sqlite3.connect, *args, **kwargs), iter_chunk_size=64)
    connection._thread.daemon = True  # as SQLAlchemy's adapter does: never holds up an exit
    await connection
    return connection
