"""SQLite statements take one trip to their connection's thread (none once the write lock is
held), and still behave as SQLAlchemy and aiosqlite promise: rows, counts, new ids, RETURNING,
many rows at once, errors."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import exc, func, select, text, update

from bot.core.clock import utcnow
from storage import participants
from storage.db import Database
from storage.models import Participant


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> Database:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'copro.db'}")
    await db.upgrade()
    return db


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every call handed to a connection's thread, as it is handed."""
    made: list[object] = []
    handed = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: object, *args: object, **kw: object) -> object:
        made.append(fn)
        return await handed(self, fn, *args, **kw)  # type: ignore[no-untyped-call]

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return made


async def test_a_read_takes_one_trip_to_the_thread_not_four(
    sqlite_db: Database, trips: list[object]
) -> None:
    async with sqlite_db.transaction() as s:
        await participants.create(s, channel="sms", address="+447700900001", name="Ann")
    async with sqlite_db.reading() as s:
        await s.execute(text("SELECT 1"))  # the transaction's BEGIN goes with its first statement
        trips.clear()
        found = await s.scalar(select(Participant.name).where(Participant.name == "Ann"))
        assert found == "Ann"
        assert len(trips) == 1  # aiosqlite's own cursor took four: open, execute, fetch, close
        trips.clear()
        count = await s.scalar(select(func.count()).select_from(Participant))
        assert count == 1
        assert len(trips) == 1
    await sqlite_db.close()


async def test_while_holding_the_write_lock_statements_take_no_trip(
    sqlite_db: Database, trips: list[object]
) -> None:
    async with sqlite_db.transaction() as s:
        await s.execute(text("SELECT 1"))  # BEGIN IMMEDIATE, to the thread: it may wait for a lock
        assert len(trips) == 1
        trips.clear()
        ann = await participants.create(s, channel="sms", address="+447700900001", name="Ann")
        found = await s.scalar(select(Participant.name).where(Participant.id == ann.id))
        changed = await s.execute(update(Participant).where(Participant.name == "Ann")
                                  .values(called="Annie"))
        added = await s.execute(text("INSERT INTO groups (name, key, created_at) VALUES "
                                     "('Riverside', 'riverside', CURRENT_TIMESTAMP) RETURNING id"))
        assert (found, changed.rowcount, added.scalar_one() > 0) == ("Ann", 1, True)  # type: ignore[attr-defined]
        assert trips == []
    assert len(trips) == 1  # the commit, to the thread
    trips.clear()
    async with sqlite_db.reading() as s:  # the same connection, back in the pool: trips again
        assert await s.scalar(select(Participant.called)) == "Annie"
        assert len(trips) == 2  # BEGIN with the first statement, and the statement
    await sqlite_db.close()


async def test_a_transaction_waiting_for_another_programs_lock_leaves_the_loop_free(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """Another program (a ``copro`` command, a backup) holds the write lock: copro's
    transaction waits for it in the connection's thread, and everything else goes on."""
    other = sqlite3.connect(tmp_path / "copro.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(ticking())

    async def write() -> None:
        async with sqlite_db.transaction() as s:
            await participants.create(s, channel="sms", address="+447700900001", name="Ann")

    writing = asyncio.create_task(write())
    await asyncio.sleep(0.5)
    assert not writing.done() and ticks >= 20  # waiting, and the loop ran all the while
    other.execute("COMMIT")
    other.close()
    await asyncio.wait_for(writing, 10)
    ticker.cancel()
    async with sqlite_db.reading() as s:
        assert await s.scalar(select(Participant.name)) == "Ann"
    await sqlite_db.close()


async def test_after_a_failed_write_the_connection_reads_by_its_thread_again(
    sqlite_db: Database, tmp_path: Path, trips: list[object]
) -> None:
    with pytest.raises(exc.IntegrityError):
        async with sqlite_db.transaction() as s:
            await participants.create(s, channel="sms", address="+447700900001", name="Ann")
            await participants.create(s, channel="sms", address="+447700900001", name="Ann again")
    trips.clear()
    async with sqlite_db.reading() as s:  # after the rollback the connection reads by its thread
        assert await s.scalar(select(func.count()).select_from(Participant)) == 0
    assert trips
    await sqlite_db.close()


async def test_rows_counts_ids_and_returning_come_back_as_before(sqlite_db: Database) -> None:
    async with sqlite_db.transaction() as s:
        ann = await participants.create(s, channel="sms", address="+447700900001", name="Ann")
        ids = await participants.create_many(s, [
            {"name": f"Person {n}", "channel": "sms", "address": f"+4477009001{n:02d}",
             "consent_at": utcnow()} for n in range(30)], at=utcnow())
        assert ann.id is not None and len(set(ids)) == 30 and ann.id not in ids
        names = list(await s.scalars(select(Participant.name).order_by(Participant.id)))
        assert names == ["Ann", *(f"Person {n}" for n in range(30))]
        assert await s.scalar(select(func.count()).select_from(Participant)) == 31
        back = await s.execute(text("UPDATE participants SET called = 'P' WHERE name LIKE "
                                    "'Person %' RETURNING id"))
        assert sorted(row[0] for row in back) == sorted(ids)
        none = await s.execute(text("DELETE FROM participants WHERE name = 'no one'"))
        assert none.rowcount == 0  # type: ignore[attr-defined]
    await sqlite_db.close()


async def test_an_error_is_sqlalchemys_and_undoes_the_transaction(sqlite_db: Database) -> None:
    async with sqlite_db.transaction() as s:
        await participants.create(s, channel="sms", address="+447700900001", name="Ann")
    with pytest.raises(exc.IntegrityError):
        async with sqlite_db.transaction() as s:
            await participants.create(s, channel="sms", address="+447700900002", name="Bea")
            await participants.create(s, channel="sms", address="+447700900001", name="Ann again")
    with pytest.raises(exc.OperationalError, match="no such table"):
        async with sqlite_db.transaction() as s:
            await s.execute(text("SELECT * FROM no_such_table"))
    async with sqlite_db.reading() as s:
        names = list(await s.scalars(select(Participant.name)))
    assert names == ["Ann"]  # Bea went with the transaction that failed
    await sqlite_db.close()
