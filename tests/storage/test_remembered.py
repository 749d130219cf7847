"""A person's open conversations are read once a transaction, and read again after any write:
no answer is ever given to a session that a write in the same transaction ended or changed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event, update

from bot.core.clock import utcnow
from storage import flows, participants, sessions
from storage.db import Database, savepoint
from storage.models import FlowSession


@pytest.fixture
def reads(database: Database) -> Iterator[list[str]]:
    """The statements that read flow sessions, as they reach the database."""
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "flow_sessions" in statement:
            seen.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", note)
    yield seen
    event.remove(database.engine.sync_engine, "before_cursor_execute", note)


async def _person_in_a_checkin(database: Database) -> tuple[int, int]:
    async with database.transaction() as s:
        ann = await participants.create(s, channel="sms", address="+447700900001", name="Ann")
        definition = await flows.register_definition(s, "weekly-checkin", 1, "version: 1\nsteps: []\n")
        row = await sessions.start_session(s, participant_id=ann.id, definition=definition,
                                           step="mood", state={}, expires_at=None,
                                           timeout_at=None, now=utcnow())
        return ann.id, row.id


async def test_asked_three_times_the_database_is_read_once(
    database: Database, reads: list[str]
) -> None:
    pid, sid = await _person_in_a_checkin(database)
    async with database.transaction() as s:
        reads.clear()
        assert (await sessions.active_session(s, pid)).id == sid  # type: ignore[union-attr]
        assert await sessions.aside_session(s, pid) is None
        assert (await sessions.active_session(s, pid)).id == sid  # type: ignore[union-attr]
        assert len(reads) == 1


async def test_after_a_write_the_next_ask_reads_again_and_sees_it(
    database: Database, reads: list[str]
) -> None:
    pid, sid = await _person_in_a_checkin(database)
    async with database.transaction() as s:
        assert await sessions.active_session(s, pid) is not None
        await s.execute(update(FlowSession).where(FlowSession.id == sid)
                        .values(status="parked").execution_options(synchronize_session=False))
        reads.clear()
        assert await sessions.active_session(s, pid) is None  # not the row kept before the write
        assert (await sessions.parked_session(s, pid)).id == sid  # type: ignore[union-attr]
        assert len(reads) == 1


async def test_a_change_not_yet_written_is_written_and_read_back(database: Database) -> None:
    pid, _ = await _person_in_a_checkin(database)
    async with database.transaction() as s:
        row = await sessions.active_session(s, pid)
        assert row is not None
        row.status = "completed"  # changed in memory only
        assert await sessions.active_session(s, pid) is None


async def test_a_savepoint_rolled_back_forgets_what_it_read(database: Database) -> None:
    pid, sid = await _person_in_a_checkin(database)
    async with database.transaction() as s:
        with pytest.raises(RuntimeError):
            async with savepoint(s):
                await s.execute(update(FlowSession).where(FlowSession.id == sid)
                                .values(status="completed")
                                .execution_options(synchronize_session=False))
                assert await sessions.active_session(s, pid) is None
                raise RuntimeError("undone")
        again = await sessions.active_session(s, pid)
        assert again is not None and again.id == sid  # the write was undone, and so is the read


async def test_each_transaction_reads_for_itself(database: Database) -> None:
    pid, sid = await _person_in_a_checkin(database)
    async with database.transaction() as s:
        assert await sessions.active_session(s, pid) is not None
    async with database.transaction() as s:
        await s.execute(update(FlowSession).where(FlowSession.id == sid).values(status="expired")
                        .execution_options(synchronize_session=False))
    async with database.transaction() as s:
        assert await sessions.active_session(s, pid) is None
