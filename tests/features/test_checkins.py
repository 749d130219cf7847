"""Weekly check-ins, nudges and expiry, driven by a clock that moves only when the test says."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.app.wiring import scheduler_for
from bot.core.config import Config, load_config
from bot.core.scheduler import Scheduler
from bot.features import checkins
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import jobs, sessions
from storage.db import Database
from tests import records
from tests.people import Clock, deliver, group, member, outbox

# Sunday 18 October 2026, noon in London (BST). Summer time ends on Sunday 25 October.
SUNDAY = datetime(2026, 10, 18, 11, 0, tzinfo=UTC)
GREETING = "It is time for your weekly check-in"


def make_config(tmp_path: Path, extra: str = "") -> Config:
    path = tmp_path / "copro.toml"
    path.write_text('[checkins]\nday = "monday"\ntime = "10:00"\n' + extra)
    return load_config(path, env={"COPRO_DATA_DIR": str(tmp_path)})


@pytest.fixture
def clock() -> Clock:
    return Clock(SUNDAY)


@pytest.fixture
async def conversations(database: Database, tmp_path: Path, clock: Clock) -> Conversations:
    c = Conversations(database, Library.load(), make_config(tmp_path), clock=clock)
    await c.register_flows()
    return c


@pytest.fixture
def scheduler(conversations: Conversations, clock: Clock) -> Scheduler:
    return scheduler_for(conversations, conversations.config, clock=clock)


def is_checkin(body: str) -> bool:
    return GREETING in body or "Mae'n amser holi" in body


async def checkins_sent(db: Database, address: str) -> list[str]:
    """The check-ins (their first message) queued or sent to ``address``."""
    return [m.body or "" for m in await outbox(db, address, statuses=("queued", "sent"))
            if is_checkin(m.body or "")]


async def test_a_week_of_check_ins_keeps_local_time_across_the_clock_change(
    database: Database, scheduler: Scheduler, clock: Clock
) -> None:
    riverside = await group(database)
    ann = await member(database, riverside, "+447700900001", name="Ann")
    bryn = await member(database, riverside, "+447700900002", name="Bryn", language="cy")
    await member(database, riverside, "+447700900003", name="Cai", consented=False)
    await member(database, riverside, "+447700900004", name="Sam", role="coordinator")

    # Every half hour for nine days: ticking often must not send anything twice.
    sent_at: dict[str, list[datetime]] = {ann.address: [], bryn.address: []}
    for _ in range(9 * 48):
        clock.advance(minutes=30)
        await scheduler.tick()
        for address, times in sent_at.items():
            bodies = await deliver(database, address, clock.now)
            times += [clock.now for body in bodies if is_checkin(body)]

    # Monday 19 October 10:00 BST is 09:00 UTC; Monday 26 October 10:00 GMT is 10:00 UTC.
    monday_bst = datetime(2026, 10, 19, 9, 0, tzinfo=UTC)
    monday_gmt = datetime(2026, 10, 26, 10, 0, tzinfo=UTC)
    assert sent_at[ann.address] == [monday_bst, monday_gmt]
    assert sent_at[bryn.address] == [monday_bst, monday_gmt]
    [english, _] = await checkins_sent(database, ann.address)
    assert english.startswith("Hello. It is time for your weekly check-in.")
    [welsh, _] = await checkins_sent(database, bryn.address)
    assert welsh.startswith("Helo. Mae'n amser holi sut rydych chi.")
    # No consent, no check-in; a coordinator is not asked about their own wellbeing.
    assert await outbox(database, "+447700900003", statuses=("queued", "sent")) == []
    assert await outbox(database, "+447700900004", statuses=("queued", "sent")) == []


async def test_a_check_in_missed_while_down_is_sent_once_within_the_grace(
    database: Database, scheduler: Scheduler, clock: Clock
) -> None:
    riverside = await group(database)
    ann = await member(database, riverside, "+447700900001")
    await scheduler.tick()  # Sunday: plans Monday 09:00 UTC
    clock.set(datetime(2026, 10, 19, 15, 0, tzinfo=UTC))  # copro was down from Sunday to 15:00
    await scheduler.tick()
    await scheduler.tick()
    assert len(await checkins_sent(database, ann.address)) == 1


async def test_a_check_in_missed_by_more_than_the_grace_waits_for_next_week(
    database: Database, scheduler: Scheduler, clock: Clock
) -> None:
    riverside = await group(database)
    ann = await member(database, riverside, "+447700900001")
    await scheduler.tick()
    clock.set(datetime(2026, 10, 20, 9, 30, tzinfo=UTC))  # back on Tuesday: a day late
    await scheduler.tick()
    assert await checkins_sent(database, ann.address) == []
    async with database.transaction() as s:
        planned = await jobs.about(s, f"group:{riverside.id}", kinds=[checkins.KIND])
    assert [(j.status, j.due_at) for j in planned] == [
        ("skipped", datetime(2026, 10, 19, 9, 0, tzinfo=UTC)),
        ("pending", datetime(2026, 10, 26, 10, 0, tzinfo=UTC)),
    ]
    assert "missed" in (planned[0].note or "")
    clock.set(datetime(2026, 10, 26, 10, 0, tzinfo=UTC))
    await scheduler.tick()
    assert len(await checkins_sent(database, ann.address)) == 1


async def test_a_member_in_another_conversation_is_not_interrupted(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock
) -> None:
    riverside = await group(database)
    ann = await member(database, riverside, "+447700900001")
    clock.set(datetime(2026, 10, 19, 8, 55, tzinfo=UTC))
    await conversations.receive("sms", ann.address, "expense")  # starts an expense claim
    await deliver(database, ann.address, clock.now)
    clock.set(datetime(2026, 10, 19, 9, 0, tzinfo=UTC))
    await scheduler.tick()
    assert await checkins_sent(database, ann.address) == []
    async with database.transaction() as s:
        current = await sessions.active_session(s, ann.id)
    assert current is not None and current.flow_id == "expense-claim"

    await conversations.receive("sms", ann.address, "STOP")  # ends the claim (and opts out)
    await conversations.receive("sms", ann.address, "START")
    clock.advance(minutes=31)  # the next look, scheduler.busy_retry later
    await scheduler.tick()
    assert len(await checkins_sent(database, ann.address)) == 1


async def test_a_check_in_waits_for_the_members_contact_hours(
    database: Database, scheduler: Scheduler, clock: Clock
) -> None:
    riverside = await group(database)
    evening = await member(database, riverside, "+447700900001", hours=(time(18), time(20)))
    await scheduler.tick()
    clock.set(datetime(2026, 10, 19, 9, 0, tzinfo=UTC))
    await scheduler.tick()
    assert await checkins_sent(database, evening.address) == []
    clock.set(datetime(2026, 10, 19, 16, 59, tzinfo=UTC))  # 17:59 BST
    await scheduler.tick()
    assert await checkins_sent(database, evening.address) == []
    clock.set(datetime(2026, 10, 19, 17, 0, tzinfo=UTC))  # 18:00 BST
    await scheduler.tick()
    assert len(await checkins_sent(database, evening.address)) == 1


async def test_one_nudge_then_a_quiet_end_keeping_the_answers(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock
) -> None:
    riverside = await group(database)
    ann = await member(database, riverside, "+447700900001")
    clock.set(datetime(2026, 10, 19, 9, 0, tzinfo=UTC))
    await scheduler.tick()
    await deliver(database, ann.address, clock.now)

    clock.advance(hours=23, minutes=59)
    await scheduler.tick()
    assert await deliver(database, ann.address, clock.now) == []  # not yet 24 hours
    clock.advance(minutes=1)
    await scheduler.tick()
    [nudge] = await deliver(database, ann.address, clock.now)
    assert nudge.startswith("Hello again.") and "satisfied" in nudge
    clock.advance(hours=12)
    await scheduler.tick()
    assert await deliver(database, ann.address, clock.now) == []  # one nudge only

    await conversations.receive("sms", ann.address, "about 7")
    [question] = await deliver(database, ann.address, clock.now)
    assert "worthwhile" in question  # a question without a timeout: no nudge
    clock.set(datetime(2026, 10, 21, 8, 59, tzinfo=UTC))
    await scheduler.tick()
    async with database.transaction() as s:
        assert await sessions.active_session(s, ann.id) is not None
    clock.set(datetime(2026, 10, 21, 9, 0, tzinfo=UTC))  # 48 hours after the start
    await scheduler.tick()
    assert await deliver(database, ann.address, clock.now) == []  # ends quietly
    async with database.transaction() as s:
        assert await sessions.active_session(s, ann.id) is None
        ended = await records.last_session(s, ann.id, "weekly-checkin")
        assert ended is not None and ended.status == "expired"
        kept = await records.results_of(s, ended.id)
    assert [(r.key, r.value) for r in kept] == [("life_satisfaction", 7)]


async def test_a_nudge_due_at_night_waits_for_the_morning(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock
) -> None:
    riverside = await group(database)
    ann = await member(database, riverside, "+447700900001", hours=(time(8), time(21)))
    clock.set(datetime(2026, 10, 18, 21, 30, tzinfo=UTC))  # 22:30 BST: she asks herself
    await conversations.receive("sms", ann.address, "check in")
    await deliver(database, ann.address, clock.now)
    clock.advance(hours=24, minutes=1)  # the nudge falls due at 22:31 BST
    await scheduler.tick()
    assert await deliver(database, ann.address, clock.now) == []
    clock.set(datetime(2026, 10, 20, 7, 0, tzinfo=UTC))  # 08:00 BST next morning
    await scheduler.tick()
    [nudge] = await deliver(database, ann.address, clock.now)
    assert nudge.startswith("Hello again.")


async def test_changing_the_schedule_moves_the_next_check_in(
    database: Database, scheduler: Scheduler, clock: Clock, conversations: Conversations
) -> None:
    riverside = await group(database)
    ann = await member(database, riverside, "+447700900001")
    await scheduler.tick()
    async with database.transaction() as s:
        await checkins.set_schedule(s, riverside, conversations.config, now=clock.now,
                                    weekday=2, at=time(14, 30))  # Wednesdays at 2:30pm
    await scheduler.tick()
    clock.set(datetime(2026, 10, 19, 9, 0, tzinfo=UTC))
    await scheduler.tick()
    assert await checkins_sent(database, ann.address) == []
    clock.set(datetime(2026, 10, 21, 13, 30, tzinfo=UTC))
    await scheduler.tick()
    assert len(await checkins_sent(database, ann.address)) == 1


async def test_a_schedule_set_just_after_its_time_starts_next_week(
    database: Database, scheduler: Scheduler, clock: Clock, conversations: Conversations
) -> None:
    riverside = await group(database)
    ann = await member(database, riverside, "+447700900001")
    clock.set(datetime(2026, 10, 19, 9, 30, tzinfo=UTC))  # Monday, half an hour after 10:00 BST
    async with database.transaction() as s:
        await checkins.begin(s, riverside, conversations.config, now=clock.now)
    await scheduler.tick()
    assert await checkins_sent(database, ann.address) == []


async def test_two_schedulers_on_one_database_check_in_with_each_member_once(
    database_url: str, tmp_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    config = make_config(tmp_path, "[scheduler]\nbatch_size = 5\nfanout_chunk = 5\n")
    dbs = [Database(database_url), Database(database_url)]
    try:
        riverside = await group(dbs[0])
        people = [await member(dbs[0], riverside, f"+4477009{i:05d}") for i in range(40)]
        schedulers = []
        for db in dbs:
            c = Conversations(db, Library.load(), config, clock=clock)
            await c.register_flows()
            schedulers.append(scheduler_for(c, config, clock=clock))
        await schedulers[0].tick()
        clock.set(datetime(2026, 10, 19, 9, 0, tzinfo=UTC))
        ran = await asyncio.gather(*(s.tick() for s in schedulers for _ in range(3)))
        # The group's job, once for each chunk of 5, and once more to find no one left.
        assert sum(ran) == len(people) // 5 + 1
        for p in people:
            assert len(await checkins_sent(dbs[0], p.address)) == 1
        async with dbs[0].transaction() as s:  # each was started at once: no job a member
            assert await jobs.about(s, f"checkin:{riverside.id}:2026-W43") == []
        assert "failed together" not in caplog.text  # each batch was started in one go
    finally:
        for db in dbs:
            await db.close()


async def test_a_failing_job_is_tried_again_then_given_up(
    database: Database, scheduler: Scheduler, clock: Clock
) -> None:
    calls = []

    async def broken(*_: object) -> None:
        calls.append(clock.now)
        raise RuntimeError("the printer is on fire")

    scheduler.handle("broken", broken)  # type: ignore[arg-type]
    async with database.transaction() as s:
        planned = await jobs.plan(s, kind="broken", key="broken:1", due_at=clock.now, at=clock.now)
    assert planned is not None
    for _ in range(8):
        await scheduler.tick()
        clock.advance(hours=2)
    async with database.transaction() as s:
        job = await records.job(s, planned.id)
    assert job is not None and job.status == "failed"
    assert job.note == "gave up: RuntimeError: the printer is on fire"
    assert len(calls) == 5
    assert calls[1] - calls[0] >= timedelta(minutes=5)


async def test_a_check_in_asked_for_says_so_and_stands_for_the_scheduled_one(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock
) -> None:
    """Ann texts "check in" an hour before Monday's check-in: she is thanked for asking, not
    told it is time for it, and the scheduled one does not come an hour later. Bryn's does."""
    riverside = await group(database)
    ann = await member(database, riverside, "+447700900001", name="Ann")
    bryn = await member(database, riverside, "+447700900002", name="Bryn")
    await scheduler.tick()
    clock.set(datetime(2026, 10, 19, 8, 0, tzinfo=UTC))  # 9am BST, Monday
    await conversations.receive("sms", ann.address, "check in")
    [asked] = await deliver(database, ann.address, clock.now)
    assert asked.startswith("Hello. Thank you for asking for a check-in. There are 6")
    assert GREETING not in asked
    for reply in ("7", "8", "8", "2", "1", "nothing thanks"):
        await conversations.receive("sms", ann.address, reply)
    await deliver(database, ann.address, clock.now)
    async with database.transaction() as s:
        assert await sessions.active_session(s, ann.id) is None  # she has finished it
    for hour in (9, 12, 18):  # 10am BST, the scheduled time, and later that day
        clock.set(datetime(2026, 10, 19, hour, 0, tzinfo=UTC))
        await scheduler.tick()
    assert await checkins_sent(database, ann.address) == []
    [scheduled] = await checkins_sent(database, bryn.address)
    assert scheduled.startswith("Hello. It is time for your weekly check-in.")
    clock.set(datetime(2026, 10, 26, 10, 0, tzinfo=UTC))  # next week she is asked as usual
    await scheduler.tick()
    assert len(await checkins_sent(database, ann.address)) == 1


async def test_a_check_in_asked_for_withdraws_the_scheduled_one_still_waiting(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock
) -> None:
    """Eve's check-in waits for her hours (6pm); she asks for one at noon and answers it:
    the one waiting for 6pm is not sent. In Welsh the greeting thanks her for asking too."""
    riverside = await group(database)
    eve = await member(database, riverside, "+447700900001", name="Eve", language="cy",
                       hours=(time(12), time(20)))
    await scheduler.tick()
    clock.set(datetime(2026, 10, 19, 9, 0, tzinfo=UTC))  # 10am BST: scheduled, waiting
    await scheduler.tick()
    assert await checkins_sent(database, eve.address) == []
    clock.set(datetime(2026, 10, 19, 10, 30, tzinfo=UTC))  # 11:30 BST
    await conversations.receive("sms", eve.address, "sut ydych chi")
    [asked] = await deliver(database, eve.address, clock.now)
    assert asked.startswith("Helo. Diolch am ofyn i ni holi sut rydych chi. Mae 6")
    await conversations.receive("sms", eve.address, "8")
    await deliver(database, eve.address, clock.now)
    clock.set(datetime(2026, 10, 19, 11, 0, tzinfo=UTC))  # noon BST: her hours open
    await scheduler.tick()
    assert await checkins_sent(database, eve.address) == []
    async with database.transaction() as s:
        [job] = await jobs.about(s, f"checkin:{riverside.id}:2026-W43")
    assert (job.status, job.note) == ("cancelled", "they asked for a check-in themselves")
