"""The storage layer on a real database: SQLite by default, PostgreSQL when configured."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, inspect, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from storage import audit, flows, groups, messages, participants, results, sessions
from storage.db import Database, alembic_config, ensure_schema, savepoint
from storage.models import Address, Base, FlowSession, Message, Participant, Result
from storage.settings import default_sqlite_url
from tests import records

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def wall() -> datetime:
    """The real time: what storage was given where the test does not care when."""
    return datetime.now(UTC)


TABLES = {table.name for table in Base.metadata.sorted_tables}
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()
FLOW = "version: 1\nsteps: []\n"


async def person(db: Database, address: str = "+447700900123", channel: str = "sms") -> Participant:
    async with db.transaction() as s:
        return await participants.create(s, channel=channel, address=address)


async def started(db: Database, participant_id: int, flow_id: str = "check-in") -> FlowSession:
    async with db.transaction() as s:
        definition = await flows.register_definition(s, flow_id, 1, FLOW)
        return await sessions.start_session(
            s, participant_id=participant_id, definition=definition, step="first",
            state={}, expires_at=None, timeout_at=None, now=wall()
        )


def _schema(conn: Connection) -> tuple[set[str], list[Any], str | None]:
    tables = set(inspect(conn).get_table_names())
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return tables, compare_metadata(context, Base.metadata), context.get_current_revision()


# --- the schema ---------------------------------------------------------------------------


async def test_migrations_create_every_table_as_the_models_describe(database: Database) -> None:
    async with database.engine.connect() as conn:
        tables, differences, revision = await conn.run_sync(_schema)
    assert tables == TABLES | {"alembic_version"}
    assert differences == []
    assert revision == HEAD


async def test_downgrade_drops_everything_and_upgrade_brings_it_back(database: Database) -> None:
    await database.downgrade("base")
    async with database.engine.connect() as conn:
        tables, _, revision = await conn.run_sync(_schema)
    assert tables - {"alembic_version"} == set()
    assert revision is None
    await database.upgrade()
    await ensure_schema(database)  # and again: nothing to do
    async with database.engine.connect() as conn:
        tables, differences, revision = await conn.run_sync(_schema)
    assert tables == TABLES | {"alembic_version"} and differences == [] and revision == HEAD
    if database.is_sqlite:  # migrations run with foreign keys off; they are back on after
        async with database.transaction() as s:
            assert (await s.execute(text("PRAGMA foreign_keys"))).scalar() == 1


async def test_a_new_sqlite_database_gets_its_directory_and_pragmas(tmp_path: Path) -> None:
    url = default_sqlite_url(tmp_path / "not" / "yet")
    assert url == f"sqlite+aiosqlite:///{tmp_path}/not/yet/copro.db"
    db = Database(url)
    try:
        assert db.is_sqlite and await db.ping()
        assert (tmp_path / "not" / "yet" / "copro.db").exists()
        async with db.engine.connect() as conn:
            pragmas = [
                (await conn.execute(text(f"PRAGMA {name}"))).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            ]
        assert pragmas == ["wal", 1, 5000, 1]
    finally:
        await db.close()


async def test_ping_says_no_when_there_is_no_server() -> None:
    db = Database("postgresql+asyncpg://nobody:secret@127.0.0.1:9/nothing")
    try:
        assert not db.is_sqlite
        assert db.safe_url == "postgresql+asyncpg://nobody:***@127.0.0.1:9/nothing"
        assert await db.ping() is False
    finally:
        await db.close()


# --- transactions ---------------------------------------------------------------------------


async def test_a_transaction_commits_or_rolls_back_as_a_whole(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.transaction() as s:
            await participants.create(s, channel="sms", address="+447700900001")
            raise RuntimeError("something went wrong")
    async with database.transaction() as s:
        assert await participants.find_by_address(s, "sms", "+447700900001") is None
        await participants.create(s, channel="sms", address="+447700900001")
    async with database.transaction() as s:
        assert await participants.find_by_address(s, "sms", "+447700900001") is not None


async def test_concurrent_read_then_write_transactions_all_succeed(database: Database) -> None:
    async def receive(n: int) -> None:
        async with database.transaction() as s:
            address = f"+4477009{n:05d}"
            assert await participants.find_by_address(s, "sms", address) is None
            await asyncio.sleep(0)  # let the others start and read too
            await participants.create(s, channel="sms", address=address)

    await asyncio.gather(*(receive(n) for n in range(12)))
    async with database.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(Participant)) == 12


async def test_a_reading_transaction_sees_the_last_commit_without_waiting_for_a_writer(
    database: Database,
) -> None:
    async with database.transaction() as s:
        await participants.create(s, channel="sms", address="+447700900001")
    writing, done = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with database.transaction() as s:
            await participants.create(s, channel="sms", address="+447700900002")
            writing.set()
            await done.wait()  # holds the writer (on SQLite) until the reader is through

    held = asyncio.create_task(writer())
    await writing.wait()
    async with asyncio.timeout(10), database.reading() as s:
        assert await participants.find_by_address(s, "sms", "+447700900001") is not None
        assert await participants.find_by_address(s, "sms", "+447700900002") is None  # not yet
    done.set()
    await held
    async with database.reading() as s:
        assert await participants.find_by_address(s, "sms", "+447700900002") is not None


async def test_a_transaction_inside_another_can_read(database: Database) -> None:
    async with database.transaction() as outer:
        group = await groups.create_group(outer, "Riverside Voices")
        async with database.transaction() as inner:
            assert await participants.get(inner, 1) is None
        assert group.id is not None


# --- participants ---------------------------------------------------------------------------


async def test_a_participant_is_created_with_an_address_and_defaults(database: Database) -> None:
    async with database.transaction() as s:
        p = await participants.create(s, channel="telegram", address="4242", name="Ann")
    async with database.transaction() as s:
        found = await participants.find_by_address(s, "telegram", "4242")
        assert found is not None and found.id == p.id
        assert (found.name, found.language, found.timezone, found.status) == (
            "Ann", "en", "Europe/London", "active",
        )
        assert (found.contact_start, found.contact_end) == (time(8, 0), time(21, 0))
        assert found.consent_at is None and found.created_at.tzinfo is UTC
        [address] = await participants.addresses_of(s, p.id)
        assert (address.channel, address.address, address.status) == ("telegram", "4242", "ok")
        assert await participants.find_by_address(s, "sms", "4242") is None
        assert await participants.get(s, p.id + 1) is None


async def test_one_address_belongs_to_one_participant(database: Database) -> None:
    await person(database, "+447700900123")
    with pytest.raises(IntegrityError):
        async with database.transaction() as s:
            await participants.create(s, channel="sms", address="+447700900123")
    await person(database, "+447700900123", channel="telegram")  # another channel is fine


async def test_statuses_and_channels_are_checked(database: Database) -> None:
    with pytest.raises(IntegrityError):
        async with database.transaction() as s:
            await participants.create(s, channel="carrier-pigeon", address="loft 3")
    p = await person(database)
    with pytest.raises(IntegrityError):
        async with database.transaction() as s:
            found = await participants.get(s, p.id)
            assert found is not None
            found.status = "asleep"
            await s.flush()


async def test_set_fields_and_consent(database: Database) -> None:
    p = await person(database)
    async with database.transaction() as s:
        found = await participants.get(s, p.id)
        assert found is not None
        await participants.set_fields(
            s, found, name="Siân", language="cy", contact_start=time(9, 30), contact_end=time(17), at=wall()
        )
        await participants.record_consent(s, found, NOW)
        with pytest.raises(ValueError, match="status"):
            await participants.set_fields(s, found, status="erased", at=wall())
    async with database.transaction() as s:
        found = await participants.get(s, p.id)
        assert found is not None
        assert (found.name, found.language, found.consent_at) == ("Siân", "cy", NOW)
        assert (found.contact_start, found.contact_end) == (time(9, 30), time(17))


async def test_opt_out_and_opt_in_cover_every_address(database: Database) -> None:
    p = await person(database)
    async with database.transaction() as s:
        s.add(Address(participant_id=p.id, channel="telegram", address="99"))
        found = await participants.get(s, p.id)
        assert found is not None
        await participants.opt_out(s, found, at=wall())
    async with database.transaction() as s:
        found = await participants.get(s, p.id)
        assert found is not None and found.status == "opted_out"
        assert [a.status for a in await participants.addresses_of(s, p.id)] == ["opted_out"] * 2
        await participants.opt_in(s, found, at=wall())
    async with database.transaction() as s:
        found = await participants.get(s, p.id)
        assert found is not None and found.status == "active"
        assert [a.status for a in await participants.addresses_of(s, p.id)] == ["ok", "ok"]


async def test_erasing_keeps_only_what_honours_an_opt_out(database: Database) -> None:
    p = await person(database)
    other = await person(database, "+447700900999")
    session = await started(database, p.id)
    kept = await started(database, other.id)
    async with database.transaction() as s:
        found = await participants.get(s, p.id)
        assert found is not None
        await participants.set_fields(s, found, name="Ann", at=wall())
        await participants.record_consent(s, found, NOW)
        await sessions.save_session(
            s, session, step="second", state={"results": {"mood": 3}}, status="active",
            timeout_at=None, now=wall()
        )
        for who, row in ((p.id, session), (other.id, kept)):
            await results.add_result(
                s, session=row, step="first", key="mood", value=3, raw="three", status="answered", at=wall()
            )
            await messages.record_inbound(
                s, participant_id=who, channel="sms", address="x", body="I'm Ann",
                media=["photo.jpg"], at=wall()
            )
            await messages.queue_outbound(
                s, participant_id=who, session_id=row.id, channel="sms", address="x",
                body="Thanks Ann", options=["yes"], idempotency_key=f"k{who}", at=wall()
            )
        await participants.opt_out(s, found, at=wall())
    async with database.transaction() as s:
        found = await participants.get(s, p.id)
        assert found is not None
        await participants.erase_personal_data(s, found, at=wall())
    async with database.transaction() as s:
        found = await participants.get(s, p.id)
        assert found is not None
        assert (found.name, found.consent_at, found.status) == (None, None, "opted_out")
        assert [a.status for a in await participants.addresses_of(s, p.id)] == ["opted_out"]
        assert await records.results_of(s, session.id) == []
        erased = await records.messages_of(s, p.id)
        assert [(m.body, m.media) for m in erased] == [(None, [])] * 2
        assert [m.status for m in erased] == ["received", "failed"]  # not sent empty
        last = await records.last_session(s, p.id, "check-in")
        assert last is not None and last.state == {}
        # nobody else's data is touched
        assert len(await records.results_of(s, kept.id)) == 1
        theirs = await records.messages_of(s, other.id)
        assert [m.body for m in theirs] == ["I'm Ann", "Thanks Ann"]


async def test_deleting_a_participant_keeps_their_messages_without_them(database: Database) -> None:
    p = await person(database)
    async with database.transaction() as s:
        await messages.record_inbound(
            s, participant_id=p.id, channel="sms", address="+447700900123", body="hi", media=[], at=wall()
        )
    async with database.transaction() as s:
        found = await participants.get(s, p.id)
        await s.delete(found)
    async with database.transaction() as s:
        assert list(await s.scalars(select(Address))) == []
        [message] = list(await s.scalars(select(Message)))
        assert message.participant_id is None and message.body == "hi"


# --- times and JSON -------------------------------------------------------------------------

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    "when",
    [
        NOW,
        datetime(2026, 7, 1, 9, 15, 30, 123456, tzinfo=LONDON),  # BST, with microseconds
        datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),  # a second before the clocks go forward
        datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=LONDON),  # the second 01:30 that night
        datetime(2026, 1, 1, 5, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-8))),
    ],
)
async def test_times_go_in_aware_and_come_out_aware_utc(database: Database, when: datetime) -> None:
    p = await person(database)
    async with database.transaction() as s:
        found = await participants.get(s, p.id)
        assert found is not None
        await participants.record_consent(s, found, when)
    async with database.transaction() as s:
        found = await participants.get(s, p.id)
        assert found is not None and found.consent_at is not None
        # (compared in UTC: Python never finds a time in a repeated hour equal across zones)
        assert found.consent_at == when.astimezone(UTC) and found.consent_at.tzinfo is UTC
        assert found.consent_at.timestamp() == when.timestamp()
        assert found.consent_at.isoformat() == when.astimezone(UTC).isoformat()
        raw = (await s.execute(text("SELECT consent_at FROM participants"))).scalar()
    if database.is_sqlite:  # kept as naive UTC text, so it sorts and compares as time
        assert str(raw).startswith(when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"))


async def test_a_naive_time_is_refused(database: Database) -> None:
    p = await person(database)
    with pytest.raises(StatementError, match="naive datetime"):
        async with database.transaction() as s:
            found = await participants.get(s, p.id)
            assert found is not None
            await participants.record_consent(s, found, datetime(2026, 1, 1, 12, 0))


STATE: dict[str, Any] = {
    "results": {"mood": 7, "note": "Diolch yn fawr — ŵ ŷ ☕", "ok": True, "nothing": None},
    "retries": 2,
    "nested": [[1, 2.5], {"a": []}, "", {"$decimal": "6.10"}],
}


async def test_session_state_and_results_round_trip_as_json(database: Database) -> None:
    p = await person(database)
    session = await started(database, p.id)
    async with database.transaction() as s:
        await sessions.save_session(
            s, session, step="next", state=STATE, status="active", timeout_at=NOW, now=wall()
        )
        await results.add_result(
            s, session=session, step="next", key="note", value=None, raw=None, status="skipped", at=wall()
        )
        await results.add_result(
            s, session=session, step="next", key="mood", value=STATE["results"], raw="7",
            status="answered", at=wall()
        )
    async with database.transaction() as s:
        row = await sessions.active_session(s, p.id)
        assert row is not None and row.state == STATE and row.step == "next"
        assert row.timeout_at == NOW
        row.state["retries"] = 3  # changed in place, then saved
        await sessions.save_session(
            s, row, step=row.step, state=row.state, status="active", timeout_at=None, now=wall()
        )
    async with database.transaction() as s:
        row = await sessions.active_session(s, p.id)
        assert row is not None and row.state["retries"] == 3 and row.timeout_at is None
        stored = await records.results_of(s, row.id)
        assert [(r.key, r.value, r.participant_id, r.flow_id) for r in stored] == [
            ("note", None, p.id, "check-in"),
            ("mood", STATE["results"], p.id, "check-in"),
        ]
        # no answer is SQL NULL, not JSON null
        nulls = select(func.count()).select_from(Result).where(Result.value.is_(None))
        assert await s.scalar(nulls) == 1


async def test_a_saved_session_reads_as_written_in_its_transaction_and_after(
    database: Database,
) -> None:
    """Saving writes one UPDATE: the object in hand shows what was written, a change made to
    it by other means is still written at commit, and nothing is written twice."""
    p = await person(database)
    session = await started(database, p.id)
    async with database.transaction() as s:
        row = await sessions.active_session(s, p.id)
        assert row is not None
        await sessions.save_session(s, row, step="second", state={"results": {"mood": 4}},
                                    status="parked", timeout_at=NOW, now=NOW)
        assert (row.step, row.state, row.status, row.timeout_at, row.updated_at) == (
            "second", {"results": {"mood": 4}}, "parked", NOW, NOW)
        assert row not in s.dirty  # written already: a flush has nothing left to write of it
        assert await sessions.active_session(s, p.id) is None  # the read sees the write
        [parked] = [r for r in await records.sessions_of(s, p.id) if r.id == session.id]
        assert parked is row and parked.status == "parked"
        row.expires_at = NOW + timedelta(days=1)  # changed by other means, written at commit
    async with database.transaction() as s:
        again = await sessions.get(s, session.id)
        assert again is not None
        assert (again.step, again.state, again.status, again.timeout_at, again.expires_at) == (
            "second", {"results": {"mood": 4}}, "parked", NOW, NOW + timedelta(days=1))
    # a session from a transaction that has ended is saved all the same
    async with database.transaction() as s:
        await sessions.save_session(s, session, step="third", state={}, status="active",
                                    timeout_at=None, now=NOW)
    async with database.transaction() as s:
        row = await sessions.active_session(s, p.id)
        assert row is not None and (row.id, row.step, row.state) == (session.id, "third", {})


async def test_an_inbound_message_gives_its_id_once_for_each_provider_id(database: Database) -> None:
    p = await person(database)
    async with database.transaction() as s:
        first = await messages.record_inbound(
            s, participant_id=p.id, channel="sms", address="+447700900123", body="hello",
            media=[], provider_id="SM1", at=wall())
        twice = await messages.record_inbound(
            s, participant_id=p.id, channel="sms", address="+447700900123", body="hello",
            media=[], provider_id="SM1", at=wall())
        # messages with no provider's id are never taken for one another
        plain = [await messages.record_inbound(
            s, participant_id=p.id, channel="sms", address="+447700900123", body="hi",
            media=[], at=wall()) for _ in range(2)]
        other_channel = await messages.record_inbound(
            s, participant_id=p.id, channel="telegram", address="42", body="hello",
            media=[], provider_id="SM1", at=wall())
    assert twice is None
    assert first is not None and None not in plain and other_channel is not None
    async with database.transaction() as s:
        kept = await records.messages_of(s, p.id)
        assert [m.id for m in kept] == [first, *plain, other_channel]
        assert [m.body for m in kept] == ["hello", "hi", "hi", "hello"]


# --- flows and sessions -----------------------------------------------------------------------


async def test_a_flow_definition_is_stored_once_per_source(database: Database) -> None:
    async with database.transaction() as s:
        first = await flows.register_definition(s, "check-in", 1, FLOW)
        again = await flows.register_definition(s, "check-in", 1, FLOW)
        changed = await flows.register_definition(s, "check-in", 2, FLOW + "# v2\n")
        other = await flows.register_definition(s, "menu", 1, FLOW)
    assert first.id == again.id
    assert len({first.id, changed.id, other.id}) == 3
    assert len(first.hash) == 64 and first.hash != changed.hash and first.hash == other.hash
    async with database.transaction() as s:
        again = await flows.register_definition(s, "check-in", 1, FLOW)  # in a new transaction
        assert again.id == first.id
        fetched = await flows.get_definition(s, first.id)
        assert fetched is not None and fetched.source == FLOW
        newer = await flows.get_definition(s, changed.id)
        assert newer is not None and (newer.version, newer.source) == (2, FLOW + "# v2\n")
        assert await flows.get_definition(s, changed.id + other.id + 1) is None


async def test_a_participant_has_at_most_one_active_session(database: Database) -> None:
    p = await person(database)
    first = await started(database, p.id)
    second = await started(database, p.id, "menu")
    async with database.transaction() as s:
        active = await sessions.active_session(s, p.id)
        assert active is not None and active.id == second.id
        assert active.flow_id == "menu" and active.flow_version == 1
        assert active.started_at.tzinfo is UTC
        old = await records.last_session(s, p.id, "check-in")
        assert old is not None and old.id == first.id and old.status == "interrupted"
    # the database refuses a second active session however it is written
    with pytest.raises(IntegrityError):
        async with database.transaction() as s:
            s.add(FlowSession(
                participant_id=p.id, definition_id=second.definition_id, flow_id="menu",
                flow_version=1, state={}, status="active",
            ))
    async with database.transaction() as s:
        assert await sessions.end_active_sessions(s, p.id, "stopped", now=wall()) == 1
        assert await sessions.end_active_sessions(s, p.id, "stopped", now=wall()) == 0
        assert await sessions.active_session(s, p.id) is None
        last = await records.last_session(s, p.id, "menu")
        assert last is not None and last.status == "stopped"


# --- messages -----------------------------------------------------------------------------------


async def _queue(s: Any, key: str | None, body: str = "hello", **extra: Any) -> Message | None:
    extra.setdefault("at", wall())
    return await messages.queue_outbound(
        s, participant_id=None, session_id=None, channel=extra.pop("channel", "sms"),
        address="+447700900123", body=body, options=["yes", "no"], idempotency_key=key, **extra,
    )


async def test_an_idempotency_key_queues_a_message_once(database: Database) -> None:
    async with database.transaction() as s:
        first = await _queue(s, "in:1:1", "first")
        assert first is not None and first.id is not None
        assert await _queue(s, "in:1:1", "second") is None
        # the transaction is still usable
        assert await _queue(s, "in:1:2", "third") is not None
        assert await _queue(s, None) is not None and await _queue(s, None) is not None
    async with database.transaction() as s:
        assert await _queue(s, "in:1:1", "fourth") is None  # and in a later transaction
        await audit.record(s, kind="after", actor="test", at=wall())
    async with database.transaction() as s:
        bodies = [m.body for m in await s.scalars(select(Message).order_by(Message.id))]
        assert bodies == ["first", "third", "hello", "hello"]
        assert [e.kind for e in await records.audit_events(s)] == ["after"]
        [row] = await s.scalars(select(Message).where(Message.idempotency_key == "in:1:1"))
        assert (row.options, row.media, row.status) == (["yes", "no"], [], "queued")
        assert row.attempts == 0


async def test_the_outbox_is_oldest_first_and_waits_for_retries(database: Database) -> None:
    async with database.transaction() as s:
        for n, minutes in enumerate((3, 1, 2)):
            await _queue(s, f"k{n}", f"m{n}", at=NOW + timedelta(minutes=minutes))
        later = await _queue(s, "later", "later", at=NOW)
        gone = await _queue(s, "sent", "sent", at=NOW)
        await _queue(s, "tg", "telegram", channel="telegram", at=NOW)
        assert later is not None and gone is not None
        await messages.mark_failed(s, later, error="timeout", retry_at=NOW + timedelta(hours=1), at=wall())
        await messages.mark_sent(s, gone, provider_id="SM1", at=NOW)
    async with database.transaction() as s:
        bodies = [m.body for m in await messages.queued_for(s, "sms", now=NOW)]
        assert bodies == ["m1", "m2", "m0"]
        assert [m.body for m in await messages.queued_for(s, "sms", limit=2, now=NOW)] == [
            "m1", "m2",
        ]
        # the same instant in another zone; then an hour on, the retry is due
        bst = (NOW + timedelta(hours=1, seconds=1)).astimezone(timezone(timedelta(hours=1)))
        due = await messages.queued_for(s, "sms", now=bst)
        assert [m.body for m in due] == ["later", "m1", "m2", "m0"]
        assert (due[0].attempts, due[0].error) == (1, "timeout")
        assert [m.body for m in await messages.queued_for(s, "telegram", now=wall())] == ["telegram"]
        await messages.mark_failed(s, due[0], error="gave up", at=wall())
    async with database.transaction() as s:
        [sent] = await s.scalars(select(Message).where(Message.idempotency_key == "sent"))
        assert (sent.status, sent.provider_id, sent.sent_at) == ("sent", "SM1", NOW)
        assert sent.attempts == 1
        [failed] = await s.scalars(select(Message).where(Message.idempotency_key == "later"))
        assert (failed.status, failed.error, failed.attempts) == ("failed", "gave up", 2)
        assert len(await messages.queued_for(s, "sms", now=bst)) == 3


async def test_the_senders_record_of_a_send_writes_what_mark_sent_does(database: Database) -> None:
    async with database.transaction() as s:
        rows = [await _queue(s, f"r{n}", f"m{n}", at=NOW) for n in range(3)]
        ids = [row.id for row in rows if row is not None]
        await messages.retry_later(s, rows[0], error="Twilio 503", retry_at=NOW, at=NOW)  # type: ignore[arg-type]
    async with database.transaction() as s:
        await messages.record_sent(s, ids[0], provider_id="SM1", at=NOW + timedelta(seconds=1))
        await messages.record_sent(s, ids[1], provider_id="SM2", provider_ref="poll-7",
                                   status="delivered", note="the picture was left out", at=NOW)
        await messages.record_sent(s, ids[2], provider_id=None, at=NOW)
    async with database.transaction() as s:
        first, second, third = [await messages.get(s, mid) for mid in ids]
        assert first is not None and second is not None and third is not None
        assert (first.status, first.provider_id, first.error, first.attempts, first.sent_at,
                first.updated_at, first.next_attempt_at) == (
            "sent", "SM1", None, 2, NOW + timedelta(seconds=1), NOW + timedelta(seconds=1), None)
        assert (second.status, second.provider_id, second.provider_ref, second.error) == (
            "delivered", "SM2", "poll-7", "the picture was left out")
        assert (third.status, third.provider_id, third.attempts) == ("sent", None, 1)
        # an id the provider gave before is kept when this send gives none
        await messages.record_sent(s, ids[0], provider_id=None, at=NOW)
    async with database.transaction() as s:
        again = await messages.get(s, ids[0])
        assert again is not None and (again.provider_id, again.attempts) == ("SM1", 3)


async def test_inbound_messages_are_kept_in_order(database: Database) -> None:
    p = await person(database)
    async with database.transaction() as s:
        await messages.record_inbound(
            s, participant_id=p.id, channel="sms", address="+447700900123", body="hello",
            media=[], provider_id="SM9", at=wall()
        )
        await messages.record_inbound(
            s, participant_id=p.id, channel="sms", address="+447700900123", body=None,
            media=["receipt.jpg"], at=wall()
        )
    async with database.transaction() as s:
        kept = await records.messages_of(s, p.id)
        assert [(m.direction, m.status, m.body, m.media, m.provider_id) for m in kept] == [
            ("in", "received", "hello", [], "SM9"),
            ("in", "received", None, ["receipt.jpg"], None),
        ]
        assert await messages.queued_for(s, "sms", now=wall()) == []


# --- groups and audit ---------------------------------------------------------------------------


async def test_people_with_role_finds_active_people_once(database: Database) -> None:
    ann, sam, kit, lee = [await person(database, f"+44770090000{n}") for n in range(4)]
    async with database.transaction() as s:
        riverside = await groups.create_group(s, "Riverside Voices")
        hilltop = await groups.create_group(s, "Hilltop")
        await groups.add_member(s, riverside, ann)
        first = await groups.add_member(s, riverside, sam, role="safeguarding")
        again = await groups.add_member(s, riverside, sam, role="safeguarding")
        assert first.id == again.id
        await groups.add_member(s, riverside, sam, role="coordinator")
        await groups.add_member(s, hilltop, sam, role="coordinator")
        await groups.add_member(s, hilltop, kit, role="coordinator")
        await groups.add_member(s, riverside, lee, role="coordinator")
        found = await participants.get(s, lee.id)
        assert found is not None
        await participants.opt_out(s, found, at=wall())
    async with database.transaction() as s:
        names = [g.name for g in await groups.groups_of(s, sam.id)]
        assert names == ["Hilltop", "Riverside Voices"]
        both = [riverside.id, hilltop.id]
        staff = await groups.people_with_role(s, both, ["coordinator", "safeguarding"])
        assert [p.id for p in staff] == [sam.id, kit.id]
        safe = await groups.people_with_role(s, [riverside.id], ["safeguarding"])
        assert [p.id for p in safe] == [sam.id]
        assert await groups.people_with_role(s, [], ["coordinator"]) == []
        members = await groups.people_with_role(s, both, ["member"])
        assert [p.id for p in members] == [ann.id]
        found_group = await groups.get_group_by_name(s, "Hilltop")
        assert found_group is not None and found_group.id == hilltop.id
        assert await groups.get_group_by_name(s, "Nowhere") is None
    with pytest.raises(IntegrityError):
        async with database.transaction() as s:
            await groups.create_group(s, "Hilltop")


async def test_audit_events_are_kept_in_order(database: Database) -> None:
    async with database.transaction() as s:
        await audit.record(s, kind="opt_out", actor="participant", participant_id=7, at=wall())
        await audit.record(
            s, kind="notify", actor="copro", details={"who": "safeguarding", "recipients": [1]},
            at=NOW,
        )
        await audit.record(s, kind="opt_out", actor="coordinator", at=wall())
    async with database.transaction() as s:
        everything = await records.audit_events(s)
        assert [e.kind for e in everything] == ["opt_out", "notify", "opt_out"]
        assert everything[0].details == {} and everything[0].participant_id == 7
        assert everything[1].details == {"who": "safeguarding", "recipients": [1]}
        assert everything[1].at == NOW and everything[0].at.tzinfo is UTC
        assert [e.actor for e in everything if e.kind == "opt_out"] == ["participant", "coordinator"]
        assert await audit.last_at(s, kind="opt_out", participant_id=7) == everything[0].at


async def test_is_current_tells_whether_migrations_are_due(database: Database) -> None:
    assert await database.is_current()
    await database.downgrade("0001")
    assert not await database.is_current()
    await database.upgrade()
    assert await database.is_current()


def test_an_error_that_means_try_later_is_told_from_a_fault() -> None:
    from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

    from storage.db import DatabaseBusy, unavailable

    def pg(code: str) -> Exception:
        return type("PostgresError", (Exception,), {"sqlstate": code})()

    for later in (OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked")),
                  DatabaseBusy("no turn to write within 10 s"), TimeoutError(),
                  ConnectionRefusedError(), DBAPIError("UPDATE", {}, pg("55P03")),  # lock_timeout
                  DBAPIError("SELECT", {}, pg("57014")), DBAPIError("SELECT", {}, pg("08006"))):
        assert unavailable(later), later
    for fault in (IntegrityError("INSERT", {}, pg("23505")), ValueError("a bug"),
                  FileNotFoundError("media/x.jpg"), DBAPIError("SELECT", {}, pg("42703"))):
        assert not unavailable(fault), fault


async def test_groups_whose_names_differ_only_in_case_keep_their_rows_when_keys_come_in(
    database: Database,
) -> None:
    await database.downgrade("0006")  # before group names had a key
    async with database.transaction() as s:
        for name in ("Riverside Voices", "riverside  voices", "Hill Walkers"):
            await s.execute(text("INSERT INTO groups (name, checkins_enabled) VALUES (:name, true)"),
                            {"name": name})
    await database.upgrade()
    async with database.transaction() as s:
        rows = (await s.execute(text("SELECT id, name, key FROM groups ORDER BY id"))).all()
        assert [(name, key) for _, name, key in rows] == [
            ("Riverside Voices", "riverside voices"),
            ("riverside  voices", f"riverside voices#{rows[1][0]}"),  # kept, to be renamed
            ("Hill Walkers", "hill walkers")]
        found = await groups.get_group_by_name(s, "RIVERSIDE voices")
        assert found is not None and found.name == "Riverside Voices"
        with pytest.raises(IntegrityError):
            async with savepoint(s):
                await groups.create_group(s, "Hill  walkers")


async def test_a_read_report_keeps_when_it_was_read_and_is_counted_where_delivery_is(
    database: Database,
) -> None:
    from bot.features.fates import fate
    from storage import broadcasts

    async with database.transaction() as s:
        for n in range(3):
            row = await _queue(s, f"b{n}", f"news {n}", channel="whatsapp", at=NOW)
            assert row is not None
            row.topic = "broadcast:1"
            await messages.mark_sent(s, row, provider_id=f"SM{n}", at=NOW)
        read = await messages.set_delivery(s, "whatsapp", "SM0", "read", error=None,
                                           at=NOW + timedelta(minutes=5))
        await messages.set_delivery(s, "whatsapp", "SM1", "delivered", error=None, at=NOW)
        assert read is not None and (read.status, read.read_at) == (
            "delivered", NOW + timedelta(minutes=5))
        # a late "delivered" or a second "read" keeps the first read time
        await messages.set_delivery(s, "whatsapp", "SM0", "delivered", error=None, at=NOW)
        await messages.set_delivery(s, "whatsapp", "SM0", "read", error=None,
                                    at=NOW + timedelta(hours=1))
    async with database.transaction() as s:
        [first] = await s.scalars(select(Message).where(Message.provider_id == "SM0"))
        assert (first.status, first.read_at) == ("delivered", NOW + timedelta(minutes=5))
        said = await fate(s, "broadcast:1")
        assert said.words() == "2 delivered (1 read), 1 sent (no delivery report yet)"
        counted = await broadcasts.message_statuses(s, "broadcast:1")
        assert (counted["delivered"], counted["sent"], counted["read"]) == (2, 1, 1)
