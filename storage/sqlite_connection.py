"""SQLite connections for the async engine that go to their thread once a statement.

aiosqlite runs every call on a ``sqlite3`` connection in a thread of its own, so that
the event loop never waits on the disk or on another program's lock. SQLAlchemy's
adapter makes four such trips a statement (open a cursor, execute, fetch, close), and
each trip hands over between threads twice. Here a statement is one trip: it is
executed, its rows fetched and its cursor closed in the connection's thread, and the
rows come back together. Everything else (the thread, commit, rollback, close) is
aiosqlite's own.

Once a connection holds SQLite's write lock (its ``BEGIN IMMEDIATE`` went through),
its statements take no trip at all: they run on the event loop's own thread. In WAL
mode the writer waits for no one (readers never block it, and copro lets one writer
in at a time), so such a statement only reads and writes pages, mostly in memory,
while a trip would leave the lock held until the busy event loop came back to the
task (under load, most of a turn's time). Taking the lock, committing, and every
statement of a transaction that only reads still go to the thread, where a wait for
another program's lock, or for the disk, holds nothing up.
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
WRITING = "BEGIN IMMEDIATE"  # takes the write lock (see storage.db.Database.transaction)


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
        connection = self._connection
        if connection.writing:  # no lock to wait for: no trip to the thread
            connection.committed = False
            self._done(_execute(connection._conn, sql, parameters, many=False))
            return self
        self._done(await connection.run(_execute, sql, parameters, many=False))
        if sql.startswith(WRITING):
            connection.writing = True
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

    writing = False  # holds SQLite's write lock: from BEGIN IMMEDIATE to the commit or rollback
    committed = False  # nothing since the last commit: a rollback has nothing to undo

    def cursor(self) -> Cursor:  # type: ignore[override]
        return Cursor(self)

    async def commit(self) -> None:
        self.writing = False
        await super().commit()
        self.committed = True

    async def rollback(self) -> None:
        """Undo the transaction; no trip when the last thing done was a commit (the pool rolls
        back every connection handed back to it, which would otherwise keep the writer)."""
        self.writing = False
        if self.committed:
            return
        await super().rollback()

    async def run(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """``function(sqlite3_connection, *args, **kwargs)`` in the connection's thread."""
        return await self._execute(partial(function, self._conn, *args, **kwargs))

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Every trip to the thread, aiosqlite's own included (a commit sets ``committed``
        again once it is through)."""
        self.committed = False
        return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]


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
