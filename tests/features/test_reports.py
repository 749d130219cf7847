"""Check-in results as a table (one row a session, one column an answer) and a person's trend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.config import load_config
from bot.features import reports, rights
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import participants
from storage.db import Database
from tests.people import Clock, group, member

WEEK1 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


async def check_in(c: Conversations, address: str, *answers: str) -> None:
    await c.receive("sms", address, "check in")
    for answer in answers:
        await c.receive("sms", address, answer)


async def test_a_table_of_check_ins_and_a_trend(database: Database, tmp_path: Path) -> None:
    clock = Clock(WEEK1)
    config = load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)})
    c = Conversations(database, Library.load(), config, clock=clock)
    await c.register_flows()
    riverside, other = await group(database), await group(database, "Other group")
    await member(database, riverside, "+447700900001", name="Ann")
    await member(database, riverside, "+447700900002", name="Ben")
    await member(database, other, "+447700900003", name="Cai")

    await check_in(c, "+447700900001", "7", "8", "6", "2", "never", "skip")
    await check_in(c, "+447700900002", "5", "skip", "6", "7", "often", "The bus was late")
    await check_in(c, "+447700900003", "9", "9", "9", "1", "never", "skip")
    clock.advance(days=7)
    await check_in(c, "+447700900001", "4", "6", "3", "6", "some", "skip")
    await check_in(c, "+447700900002", "6")  # left unfinished: not in the table

    async with database.transaction() as s:
        got = await reports.table(s, c.library, group=riverside, flow_id="weekly-checkin",
                                  since=WEEK1 - timedelta(days=1), until=WEEK1 + timedelta(days=14))
        ann = await participants.find_by_address(s, "sms", "+447700900001")
        assert ann is not None
        points = await reports.trend(s, ann)
    assert got.columns == ["session", "participant", "name", "started", "finished",
                           "life_satisfaction", "worthwhile", "happy", "anxious", "lonely", "note"]
    assert [(r["name"], r["life_satisfaction"], r["worthwhile"], r["lonely"], r["note"])
            for r in got.rows] == [
        ("Ann", "7", "8", "never", "skipped"),
        ("Ben", "5", "skipped", "often", "The bus was late"),
        ("Ann", "4", "6", "some", "skipped"),
    ]
    assert [p.scores["life_satisfaction"] for p in points] == [7, 4]
    assert reports.describe(points) == [
        "life satisfaction: 7 4  down 3 (worse)",
        "worthwhile: 8 6  down 2 (worse)",
        "happy yesterday: 6 3  down 3 (worse)",
        "anxious yesterday: 2 6  up 4 (worse)",
        "lonely: never, some",
    ]


async def test_an_erased_members_check_ins_stay_in_the_table_as_anonymous_rows(
    database: Database, tmp_path: Path
) -> None:
    clock = Clock(WEEK1)
    config = load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)})
    c = Conversations(database, Library.load(), config, clock=clock)
    await c.register_flows()
    riverside = await group(database)
    await member(database, riverside, "+447700900001", name="Ann")
    await member(database, riverside, "+447700900002", name="Ben Hughes")
    await check_in(c, "+447700900001", "7", "8", "6", "2", "never", "skip")
    await check_in(c, "+447700900002", "5", "skip", "6", "7", "often", "The bus was late")

    async with database.transaction() as s:
        ben = await participants.find_by_address(s, "sms", "+447700900002")
        assert ben is not None
        await rights.forget(s, ben, by="Sam", media_dir=tmp_path / "media", spool_dir=tmp_path / "spool",
                            now=clock.now, library=c.library)
    async with database.transaction() as s:
        got = await reports.table(s, c.library, group=riverside, flow_id="weekly-checkin",
                                  since=WEEK1 - timedelta(days=1), until=WEEK1 + timedelta(days=1))
    # The coordinator's export still counts two check-ins; Ben's row says nothing of who he was.
    assert [(r["participant"] is None, r["name"], r["life_satisfaction"], r["worthwhile"],
             r["lonely"], r.get("note")) for r in got.rows] == [
        (False, "Ann", "7", "8", "never", "skipped"),
        (True, "a participant (erased)", "5", "skipped", "often", None),
    ]
    assert "Ben" not in repr(got.rows) and "bus" not in repr(got.rows)
