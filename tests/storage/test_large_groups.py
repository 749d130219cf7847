"""A large group read a part at a time, as a weekly check-in's fan-out reads it: each part
from where the last one ended, and each member's address and groups by the index, also on a database
that has not counted its tables since they were filled (a large group just imported).

Runs on SQLite, and on PostgreSQL when ``COPRO_TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, update

from storage import groups, participants
from storage.db import Database, Tx
from storage.models import Address, Participant

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SIZE = 20_000


async def large_group(database: Database) -> tuple[int, list[int]]:
    """A group of ``SIZE`` members who gave consent; returns its id and theirs."""
    async with database.transaction() as s:
        group = await groups.create_group(s, "Everyone")
        ids = await participants.create_many(s, [
            {"name": f"P{n}", "channel": "sms", "address": f"+4477{n:08d}", "consent_at": NOW}
            for n in range(SIZE)], at=NOW)
        await groups.add_members(s, group, ids)
        return group.id, ids


async def plan_of(s: Tx, run: Callable[[], Awaitable[Any]], *, analyse: bool = False) -> str:
    """The database's plan for the first statement ``run`` sends (on PostgreSQL with
    ``analyse``, run for real, with the rows each step read)."""
    sent: list[tuple[str, Any]] = []

    def kept(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        sent.append((statement, parameters))

    connection = await s.connection()
    event.listen(connection.sync_connection, "before_cursor_execute", kept)
    try:
        await run()
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", kept)
    statement, parameters = sent[0]
    if connection.dialect.name == "sqlite":
        rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return " | ".join(row[-1] for row in rows)
    how = "ANALYZE, FORMAT JSON" if analyse else "FORMAT JSON"
    rows = await connection.exec_driver_sql(f"EXPLAIN ({how}) {statement}", parameters)
    return json.dumps(rows.scalar())


def nodes(plan: Any) -> list[dict[str, Any]]:
    """Every step of a PostgreSQL plan (from ``EXPLAIN (FORMAT JSON)``)."""
    found: list[dict[str, Any]] = []
    stack = [plan[0]["Plan"]]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node.get("Plans", []))
    return found


def assert_by_index(database: Database, plan: str, table: str, index: str) -> None:
    """``plan`` reads ``table`` by ``index`` only, never the whole table."""
    if database.is_sqlite:
        assert index in plan and f"SCAN {table}" not in plan, plan
    else:
        steps = [n for n in nodes(json.loads(plan)) if n.get("Relation Name") == table]
        assert steps and all(n["Node Type"] != "Seq Scan" for n in steps), plan
        assert index in plan, plan


async def test_a_large_group_read_in_parts_gives_each_member_taking_part_once_in_order(
    database: Database,
) -> None:
    """Who opted out, who never gave consent and who only coordinates are not in any part; everyone
    else is, once, in the order of their ids."""
    group_id, ids = await large_group(database)
    opted_out, no_consent = set(ids[100:5000:7]), set(ids[3:SIZE:11])
    async with database.transaction() as s:
        await s.execute(update(Participant).where(Participant.id.in_(opted_out)).values(status="opted_out"))
        await s.execute(update(Participant).where(Participant.id.in_(no_consent))
                        .values(consent_at=None))
        other = await groups.create_group(s, "Others")
        outsiders = await participants.create_many(s, [
            {"name": f"Q{n}", "channel": "sms", "address": f"+4478{n:08d}", "consent_at": NOW}
            for n in range(50)], at=NOW)
        await groups.add_members(s, other, outsiders)
        everyone = await groups.get_group(s, group_id)
        assert everyone is not None
        await groups.add_members(s, everyone, outsiders[:10], role="coordinator")
    read: list[int] = []
    after = 0
    while True:
        async with database.transaction() as s:
            part = await groups.next_taking_part(s, group_id, after=after, limit=2000)
        read += [person.id for person in part]
        if len(part) < 2000:
            break
        after = part[-1].id
    assert read == [pid for pid in ids if pid not in opted_out | no_consent]


async def test_each_part_of_a_large_group_is_read_from_where_the_last_one_ended(
    database: Database,
) -> None:
    """The part after the 15,000th member reads the memberships from there on: not the
    15,000 before it again (which made a fan-out's parts slower and slower)."""
    group_id, ids = await large_group(database)
    async with database.transaction() as s:
        def part() -> Awaitable[list[Participant]]:
            return groups.next_taking_part(s, group_id, after=ids[15_000], limit=2000)

        plan = await plan_of(s, part, analyse=True)
    if database.is_sqlite:
        assert "SEARCH memberships" in plan and "participant_id>?" in plan, plan
    else:
        [memberships] = [n for n in nodes(json.loads(plan)) if n.get("Relation Name") == "memberships"]
        assert memberships["Actual Rows"] * memberships["Actual Loops"] <= 2 * 2000, plan


async def test_each_first_usable_address_is_found_whatever_came_before_it(database: Database) -> None:
    """An address that cannot be used is passed over for the person's next; of two usable
    ones the first added is used; someone with none is not in the answer."""
    async with database.transaction() as s:
        ids = await participants.create_many(s, [
            {"name": f"P{n}", "channel": "sms", "address": f"+4477{n:08d}"} for n in range(1200)
        ], at=NOW)
        for n, pid in enumerate(ids[:30]):
            s.add(Address(participant_id=pid, channel="telegram", address=str(5000 + n)))
        await s.flush()
        await s.execute(update(Address).where(Address.participant_id.in_(ids[:10]),
                                              Address.channel == "sms").values(status="unreachable"))
        await s.execute(update(Address).where(Address.participant_id.in_(ids[1190:]))
                        .values(status="opted_out"))
    async with database.transaction() as s:
        found = await participants.preferred_addresses(s, ids)
    assert len(found) == 1190
    assert [found[pid] for pid in ids[:10]] == [("telegram", str(5000 + n)) for n in range(10)]
    assert [found[pid] for pid in ids[10:30]] == [("sms", f"+4477{n:08d}") for n in range(10, 30)]
    assert found[ids[700]] == ("sms", f"+4477{700:08d}")
    assert not set(ids[1190:]) & set(found)


async def test_addresses_just_imported_are_looked_up_by_the_index(database: Database) -> None:
    """20,000 addresses added since the database last counted the table: the addresses of
    500 members are read by the index on whose they are, not by reading the whole table."""
    _, ids = await large_group(database)
    async with database.transaction() as s:
        def look_up() -> Awaitable[dict[int, tuple[str, str]]]:
            return participants.preferred_addresses(s, ids[9000:9500])

        plan = await plan_of(s, look_up)
    assert_by_index(database, plan, "addresses", "ix_addresses_participant_id")


async def test_each_persons_group_is_the_one_spoken_about_else_the_first_they_joined(
    database: Database,
) -> None:
    """The group whose words someone reads: the group a conversation is about if they are in
    it, else the first they joined; someone in no group is not in the answer."""
    async with database.transaction() as s:
        ids = await participants.create_many(s, [
            {"name": f"P{n}", "channel": "sms", "address": f"+4477{n:08d}"} for n in range(600)
        ], at=NOW)
        first, second = await groups.create_group(s, "First"), await groups.create_group(s, "Second")
        await groups.add_members(s, second, ids[200:400])  # joined Second first
        await groups.add_members(s, first, ids[:300])
        await groups.add_members(s, second, ids[:100], role="coordinator")
        chosen = await groups.speaking_for(s, ids)
        about_second = await groups.speaking_for(s, ids, second.id)
    assert {pid: g.name for pid, g in chosen.items()} == {
        **{pid: "First" for pid in ids[:200]}, **{pid: "Second" for pid in ids[200:400]}}
    assert {pid: g.name for pid, g in about_second.items()} == {
        **{pid: "Second" for pid in ids[:100]}, **{pid: "First" for pid in ids[100:200]},
        **{pid: "Second" for pid in ids[200:400]}}


async def test_the_groups_of_a_chunk_of_members_are_looked_up_by_the_index(
    database: Database,
) -> None:
    """The group words of 2,000 members, among 20,000 memberships never counted: read by the
    index on whose each membership is, not by reading all the memberships."""
    group_id, ids = await large_group(database)
    async with database.transaction() as s:
        def look_up() -> Awaitable[dict[int, Any]]:
            return groups.speaking_for(s, ids[9000:11000], group_id)

        plan = await plan_of(s, look_up)
    assert_by_index(database, plan, "memberships", "ix_memberships_participant_id")
