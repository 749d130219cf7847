"""Many rows at once: those whose unique key is taken are left out, by INSERT (SQLite, and a
few rows on PostgreSQL) or by COPY (a hundred rows or more on PostgreSQL), alike.

Runs on SQLite, and on PostgreSQL when ``COPRO_TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, text

from storage import messages, participants, sessions
from storage.db import Database
from storage.insert import COPY_FROM
from storage.models import FlowDefinition
from tests import records

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def outbox_row(n: int) -> dict[str, object]:
    return {"participant_id": None, "channel": "sms", "address": f"+4477009{n:05d}",
            "body": f"Hello {n}. Croeso, Siân.", "options": ["Yes", "No"] if n % 2 else [],
            "display": {"poll": {"question": "Tea?", "multiple": False}} if n % 3 == 0 else {},
            "idempotency_key": f"test:{n}:1", "quiet": True, "topic": "test",
            "next_attempt_at": NOW + timedelta(minutes=n) if n % 5 == 0 else None}


@pytest.mark.parametrize("count", [COPY_FROM - 1, COPY_FROM, 3 * COPY_FROM])
async def test_many_messages_go_in_once_each_whatever_the_way(database: Database, count: int) -> None:
    async with database.transaction() as s:
        assert await messages.queue_many(s, [outbox_row(n) for n in range(0, count, 2)], at=NOW) == (
            len(range(0, count, 2)))
    async with database.transaction() as s:  # again, with the odd ones new
        assert await messages.queue_many(s, [outbox_row(n) for n in range(count)], at=NOW) == (
            count // 2)
    for n in (0, 1, 3, 5, count - 1):
        async with database.transaction() as s:
            [kept] = await records.messages_of_address(s, f"+4477009{n:05d}")
        expected = outbox_row(n)
        assert (kept.body, kept.options, kept.display, kept.idempotency_key, kept.quiet,
                kept.next_attempt_at, kept.status, kept.priority, kept.created_at) == (
            expected["body"], expected["options"], expected["display"],
            expected["idempotency_key"], True, expected["next_attempt_at"], "queued",
            messages.BULK, NOW)


@pytest.mark.parametrize("count", [COPY_FROM - 1, 2 * COPY_FROM])
async def test_sessions_start_only_for_those_with_none_under_way(
    database: Database, count: int
) -> None:
    async with database.transaction() as s:
        ids = await participants.create_many(s, [
            {"name": f"P{n}", "channel": "sms", "address": f"+4477009{n:05d}"} for n in range(count)
        ], at=NOW)
        definition = FlowDefinition(flow_id="test", version=1, source="", hash="x", created_at=NOW)
        s.add(definition)
        await s.flush()

        def row(pid: int) -> dict[str, object]:
            return {"participant_id": pid, "definition_id": definition.id, "flow_id": "test",
                    "flow_version": 1, "step": "first", "status": "active",
                    "state": {"results": {}, "extra": {"scheduled": True}},
                    "started_at": NOW, "updated_at": NOW, "expires_at": NOW + timedelta(hours=48),
                    "timeout_at": None}

        busy = ids[::3]
        first = await sessions.start_many(s, [row(pid) for pid in busy])
        assert set(first) == set(busy)
        started = await sessions.start_many(s, [row(pid) for pid in ids])
        assert set(started) == set(ids) - set(busy)  # those with one under way are left out
        kept = await sessions.get(s, started[ids[1]])
        assert kept is not None
        assert (kept.participant_id, kept.state, kept.expires_at, kept.timeout_at) == (
            ids[1], {"results": {}, "extra": {"scheduled": True}}, NOW + timedelta(hours=48), None)


async def test_inserts_with_other_columns_in_one_transaction(database: Database) -> None:
    """A fan-out's messages and, in the same transaction, others held until later: each kept
    with its own columns."""
    later = NOW + timedelta(hours=9)
    async with database.transaction() as s:
        plain = [{k: v for k, v in outbox_row(n).items() if k != "next_attempt_at"}
                 for n in range(COPY_FROM)]
        held = [{**outbox_row(n), "next_attempt_at": later, "status": "held"}
                for n in range(COPY_FROM, 2 * COPY_FROM)]
        assert await messages.queue_many(s, plain, at=NOW) == COPY_FROM
        assert await messages.queue_many(s, held, at=NOW) == COPY_FROM
    async with database.transaction() as s:
        [first] = await records.messages_of_address(s, outbox_row(0)["address"])  # type: ignore[arg-type]
        [last] = await records.messages_of_address(s, outbox_row(2 * COPY_FROM - 1)["address"])  # type: ignore[arg-type]
    assert (first.status, first.next_attempt_at) == ("queued", None)
    assert (last.status, last.next_attempt_at) == ("held", later)


async def test_each_row_keeps_its_own_values_whether_shared_with_others_or_not(
    database: Database,
) -> None:
    """Rows that share one object (one dict, one time) and rows with their own: each row's
    columns go in as given, by COPY or not."""
    shared = {"poll": {"question": "Tea?", "multiple": False}}
    rows = [{**outbox_row(n), "display": shared if n % 2 else {"n": n},
             "next_attempt_at": NOW if n % 2 else NOW + timedelta(minutes=n)}
            for n in range(2 * COPY_FROM)]
    async with database.transaction() as s:
        assert await messages.queue_many(s, rows, at=NOW) == 2 * COPY_FROM
    async with database.transaction() as s:
        for n in (0, 1, 2, 2 * COPY_FROM - 1):
            [row] = await records.messages_of_address(s, outbox_row(n)["address"])  # type: ignore[arg-type]
            assert (row.display, row.next_attempt_at) == (
                (shared, NOW) if n % 2 else ({"n": n}, NOW + timedelta(minutes=n)))


async def test_the_keys_used_are_told_from_thousands_exactly(database: Database) -> None:
    """``keys_in`` a thousand at a time: each key used is found once, a key never used is not,
    and a key with a quote in it (written into the statement) is only itself."""
    rows = [{**outbox_row(n), "idempotency_key": f"it's:{n}:1"} for n in range(2500)]
    async with database.transaction() as s:
        await messages.queue_many(s, rows, at=NOW)
    asked = [f"it's:{n}:1" for n in range(0, 3000, 2)] + ["it's:1'); --:1", "it''s:2:1"]
    async with database.transaction() as s:
        found = await messages.used_keys(s, asked)
    assert found == {f"it's:{n}:1" for n in range(0, 2500, 2)}


async def test_the_keys_used_are_looked_up_in_the_index_of_a_table_never_analysed(
    database: Database,
) -> None:
    """The outbox of a first fan-out has grown since the database last counted it: the look-up
    of a thousand keys still reads each in the unique index, not the whole table."""
    async with database.transaction() as s:
        await messages.queue_many(s, [outbox_row(n) for n in range(20_000)], at=NOW)
    statements: list[str] = []

    def kept(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    async with database.transaction() as s:
        connection = await s.connection()
        event.listen(connection.sync_connection, "before_cursor_execute", kept)
        found = await messages.used_keys(s, [f"test:{n}:1" for n in range(5000, 6000)])
        event.remove(connection.sync_connection, "before_cursor_execute", kept)
        [look_up] = statements
        if database.is_sqlite:
            plan = " ".join(row[-1] for row in await s.execute(text(f"EXPLAIN QUERY PLAN {look_up}")))
            by_index, whole_table = "INDEX sqlite_autoindex_messages_1 (idempotency_key=?)", "SCAN"
        else:
            plan = json.dumps(await s.scalar(text(f"EXPLAIN (FORMAT JSON) {look_up}")))
            by_index, whole_table = "uq_messages_idempotency_key", "Seq Scan"
    assert len(found) == 1000
    assert by_index in plan and whole_table not in plan, plan
