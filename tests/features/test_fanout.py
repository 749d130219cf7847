"""A group's check-in in its new shape: members started at once, a chunk at a time, with a job
only for those who must wait; a crash, a re-run or a second group never starts anyone twice.

Runs on SQLite, and on PostgreSQL when ``COPRO_TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app.wiring import scheduler_for
from bot.core.config import Config, load_config
from bot.core.scheduler import Scheduler
from bot.features import checkins, fanout, outreach
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import groups, participants, sessions
from storage.db import Database
from storage.models import Group, Job
from tests.people import Clock, Member, deliver, group, member, outbox

SUNDAY = datetime(2026, 10, 18, 11, 0, tzinfo=UTC)
MONDAY = datetime(2026, 10, 19, 9, 0, tzinfo=UTC)  # 10:00 in London (BST): the check-in
GREETING = "Hello. It is time for your weekly check-in."


def settings(tmp_path: Path, chunk: int) -> Config:
    path = tmp_path / "copro.toml"
    path.write_text('[checkins]\nday = "monday"\ntime = "10:00"\n\n'
                    f"[scheduler]\nfanout_chunk = {chunk}\n")
    return load_config(path, env={"COPRO_DATA_DIR": str(tmp_path)})


@pytest.fixture
def clock() -> Clock:
    return Clock(SUNDAY)


async def copro(
    db: Database, tmp_path: Path, clock: Clock, chunk: int = 2, flows: Path | None = None
) -> tuple[Conversations, Scheduler]:
    """A copro process on ``db`` (with the flows in ``flows`` too): its conversations and its
    scheduler."""
    c = Conversations(db, Library.load(flows), settings(tmp_path, chunk), clock=clock)
    await c.register_flows()
    return c, scheduler_for(c, c.config, clock=clock)


async def numbered(db: Database, riverside: Group, count: int) -> list[Member]:
    """``count`` members of ``riverside``, P0, P1 and so on, each with a number of their own."""
    return [await member(db, riverside, f"+4477009000{n:02d}", name=f"P{n}") for n in range(count)]


async def checkins_to(db: Database, address: str) -> list[str]:
    return [m.body or "" for m in await outbox(db, address, statuses=("queued", "sent"))
            if (m.body or "").startswith(GREETING)]


async def start_jobs(db: Database) -> list[Job]:
    async with db.transaction() as s:
        return list(await s.scalars(select(Job).where(Job.kind == outreach.START).order_by(Job.id)))


async def checkin_job(db: Database) -> Job:
    async with db.transaction() as s:
        [job] = await s.scalars(select(Job).where(Job.kind == checkins.KIND,
                                                  Job.due_at == MONDAY))
        return job


async def test_those_who_can_start_now_have_no_job_and_those_who_must_wait_have_one(
    database: Database, tmp_path: Path, clock: Clock
) -> None:
    """Seven members, started two at a time: Ann, Bryn, Dee and Fay get the check-in at 10am
    with no job each; Eve's evening hours and Cai's expense claim under way each give a job
    due when they can be asked; Gwen, with no number that works, a job saying so."""
    c, scheduler = await copro(database, tmp_path, clock)
    riverside = await group(database)
    ann = await member(database, riverside, "+447700900001", name="Ann")
    bryn = await member(database, riverside, "+447700900002", name="Bryn")
    cai = await member(database, riverside, "+447700900003", name="Cai")
    dee = await member(database, riverside, "+447700900004", name="Dee")
    eve = await member(database, riverside, "+447700900005", name="Eve", hours=(time(18), time(20)))
    fay = await member(database, riverside, "+447700900006", name="Fay")
    gwen = await member(database, riverside, "+447700900007", name="Gwen")
    async with database.transaction() as s:
        await participants.set_address_status(s, "sms", gwen.address, "unreachable")
    await scheduler.tick()  # Sunday: plans Monday's check-in
    clock.set(MONDAY - timedelta(minutes=5))
    await c.receive("sms", cai.address, "expense")
    await deliver(database, cai.address, clock.now)
    clock.set(MONDAY)
    await scheduler.tick()

    for person in (ann, bryn, dee, fay):
        assert await checkins_to(database, person.address) == [
            GREETING + " There are 6 short questions. You can reply SKIP to any of them.\n"
            "Overall, how satisfied are you with your life nowadays? Reply with a number from "
            "0 to 10. 0 means not at all. 10 means completely."]
    for person in (cai, eve, gwen):
        assert await checkins_to(database, person.address) == []
    waiting = {job.participant_id: (job.status, job.due_at, job.note)
               for job in await start_jobs(database)}
    assert waiting == {
        cai.id: ("pending", MONDAY + timedelta(minutes=30),
                 "waiting: in the middle of another conversation"),
        eve.id: ("pending", datetime(2026, 10, 19, 17, 0, tzinfo=UTC),  # 6pm BST
                 "waiting: outside their contact hours"),
        gwen.id: ("skipped", MONDAY, "cannot be reached"),
    }
    job = await checkin_job(database)
    assert (job.status, job.note) == (
        "done", "4 of 7 member(s) started, 2 waiting for their contact hours or another "
        "conversation to end, 1 cannot be reached")

    # Those waiting are asked once they can be: Eve at 6pm, Cai once his claim is done.
    await c.receive("sms", cai.address, "STOP")
    await c.receive("sms", cai.address, "START")
    clock.set(MONDAY + timedelta(minutes=31))
    await scheduler.tick()
    assert len(await checkins_to(database, cai.address)) == 1
    clock.set(datetime(2026, 10, 19, 17, 0, tzinfo=UTC))
    await scheduler.tick()
    assert len(await checkins_to(database, eve.address)) == 1
    for person in (ann, bryn, dee, fay):
        assert len(await checkins_to(database, person.address)) == 1


class Crash(BaseException):
    """The process stopping dead, in the middle of a transaction."""


async def test_a_crash_in_the_middle_starts_no_one_twice_and_loses_no_one(
    database: Database, tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten members, three at a time; copro dies while the second three are being started. The
    first three have their check-in; the next copro to run starts the other seven, once each."""
    _, scheduler = await copro(database, tmp_path, clock, chunk=3)
    riverside = await group(database)
    people = await numbered(database, riverside, 10)
    await scheduler.tick()
    clock.set(MONDAY)
    real = fanout.start_chunk
    calls = 0

    async def dies_in_the_second(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        done = await real(*args, **kwargs)  # type: ignore[arg-type]
        if calls == 2:
            raise Crash  # its sessions and messages are written, not yet committed
        return done

    monkeypatch.setattr(fanout, "start_chunk", dies_in_the_second)
    with pytest.raises(Crash):
        await scheduler.tick()
    monkeypatch.setattr(fanout, "start_chunk", real)
    got = [len(await checkins_to(database, p.address)) for p in people]
    assert got == [1, 1, 1] + [0] * 7
    job = await checkin_job(database)
    assert (job.status, job.payload["after"], job.note) == (
        "pending", people[2].id, "under way: 3 of 3 member(s) started")

    _, again = await copro(database, tmp_path, clock, chunk=3)  # copro starts again
    await again.tick()
    await again.tick()  # and ticks again: nothing more
    assert [len(await checkins_to(database, p.address)) for p in people] == [1] * 10
    job = await checkin_job(database)
    assert (job.status, job.note) == ("done", "10 of 10 member(s) started")
    assert await start_jobs(database) == []


async def test_someone_in_two_groups_gets_one_check_in(
    database: Database, tmp_path: Path, clock: Clock
) -> None:
    """Ann is in both groups, whose check-ins fall due together: she is asked once, and the
    second group's check-in says she was asked already."""
    _, scheduler = await copro(database, tmp_path, clock)
    riverside, hillside = await group(database, "Riverside"), await group(database, "Hillside")
    ann = await member(database, riverside, "+447700900001", name="Ann")
    async with database.transaction() as s:
        person = await participants.get(s, ann.id)
        assert person is not None
        await groups.add_member(s, hillside, person)
    bryn = await member(database, hillside, "+447700900002", name="Bryn")
    await scheduler.tick()
    clock.set(MONDAY)
    await scheduler.tick()
    assert len(await checkins_to(database, ann.address)) == 1
    assert len(await checkins_to(database, bryn.address)) == 1
    async with database.transaction() as s:
        notes = sorted(job.note or "" for job in await s.scalars(
            select(Job).where(Job.kind == checkins.KIND, Job.due_at == MONDAY)))
    # Hillside's goes first (groups by name): Ann and Bryn; then Riverside's finds Ann asked.
    assert notes == ["0 of 1 member(s) started, 1 checked in with already",
                     "2 of 2 member(s) started"]


async def test_a_schedule_moved_later_the_same_week_does_not_ask_again(
    database: Database, tmp_path: Path, clock: Clock
) -> None:
    """Asked at 10am on Monday; the group then moves its check-in to Wednesday. Ann, who has
    had this week's, is not asked on Wednesday; Bryn, who joined since, is."""
    c, scheduler = await copro(database, tmp_path, clock)
    riverside = await group(database)
    ann = await member(database, riverside, "+447700900001", name="Ann")
    await scheduler.tick()
    clock.set(MONDAY)
    await scheduler.tick()
    bryn = await member(database, riverside, "+447700900002", name="Bryn")
    clock.set(MONDAY + timedelta(hours=1))
    async with database.transaction() as s:
        await checkins.set_schedule(s, riverside, c.config, now=clock.now, weekday=2)
    clock.set(datetime(2026, 10, 21, 9, 0, tzinfo=UTC))  # Wednesday 10am BST
    await scheduler.tick()
    assert len(await checkins_to(database, ann.address)) == 1
    assert len(await checkins_to(database, bryn.address)) == 1


async def test_a_chunk_run_again_later_reads_who_is_in_it_afresh(
    database: Database, tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six members, two at a time. While the first two are written, the next two (P2, P3) are
    read ahead; then the check-in's next run fails before it starts them, and P2 leaves the
    group before it is tried again, five minutes later. P2 is not asked; everyone else once."""
    _, scheduler = await copro(database, tmp_path, clock, chunk=2)
    riverside = await group(database)
    people = await numbered(database, riverside, 6)
    await scheduler.tick()
    clock.set(MONDAY)
    real = checkins.groups.get_group
    calls = 0

    async def fails_the_second_time(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("the database went away for a moment")
        return await real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(checkins.groups, "get_group", fails_the_second_time)
    await scheduler.tick()
    assert [len(await checkins_to(database, p.address)) for p in people] == [1, 1, 0, 0, 0, 0]
    async with database.transaction() as s:
        assert await groups.remove_member(s, riverside.id, people[2].id) == 1
    clock.set(MONDAY + scheduler.backoff(1))  # when a job that failed once is tried again
    await scheduler.tick()
    assert [len(await checkins_to(database, p.address)) for p in people] == [1, 1, 0, 1, 1, 1]
    async with database.transaction() as s:
        [job] = await s.scalars(select(Job).where(Job.kind == checkins.KIND,
                                                  Job.key == f"checkin:{riverside.id}:"
                                                  "2026-10-19T10:00"))
    assert (job.status, job.note) == ("done", "5 of 5 member(s) started")


async def test_two_copros_ticking_together_start_everyone_once(
    database: Database, tmp_path: Path, clock: Clock
) -> None:
    """Two copro processes on one database tick at the check-in time together, each reading
    chunks ahead while it writes: each of the nine members is asked once."""
    _, first = await copro(database, tmp_path, clock, chunk=2)
    _, second = await copro(database, tmp_path, clock, chunk=2)
    riverside = await group(database)
    people = await numbered(database, riverside, 9)
    await first.tick()
    clock.set(MONDAY)
    await asyncio.gather(first.tick(), second.tick())
    assert [len(await checkins_to(database, p.address)) for p in people] == [1] * 9
    job = await checkin_job(database)
    assert (job.status, job.note) == ("done", "9 of 9 member(s) started")
    assert await start_jobs(database) == []


async def test_each_member_reads_the_words_of_the_group_whose_check_in_it_is(
    database: Database, tmp_path: Path, clock: Clock
) -> None:
    """Hillside's own check-in greets by the group's name, in each member's language. Its five
    members go two at a time, the later chunks read ahead while the one before is written:
    each is greeted by Hillside, Ann too (in the last chunk), who joined Riverside first and
    reads Riverside's words everywhere else; P3 in Welsh, by Hillside's Welsh name."""
    extra = tmp_path / "flows"
    extra.mkdir()
    (extra / "hillside-checkin.yaml").write_text(
        "flow: hillside-checkin\ntitle: {en: Hillside check-in, cy: Holi Ochr y Bryn}\nversion: 1\n"
        "languages: [en, cy]\n"
        "steps:\n  - id: how\n    ask:\n      en: \"{{ settings.group_name }} asks: how are you?\"\n"
        "      cy: \"Mae {{ settings.group_name }} yn gofyn: sut ydych chi?\"\n"
        "    expect: {type: text}\n    next: end\n", encoding="utf-8")
    _, scheduler = await copro(database, tmp_path, clock, chunk=2, flows=extra)
    riverside, hillside = await group(database, "Riverside"), await group(database, "Hillside")
    async with database.transaction() as s:
        await groups.set_words(s, hillside, name_cy="Ochr y Bryn")
        await groups.set_checkin_schedule(s, hillside, flow="hillside-checkin")
        await groups.set_checkin_schedule(s, riverside, enabled=False)
    others = [await member(database, hillside, f"+4477009000{n:02d}", name=f"P{n}",
                           language="cy" if n == 3 else "en") for n in range(2, 6)]
    ann = await member(database, riverside, "+447700900001", name="Ann")  # the last chunk
    async with database.transaction() as s:
        person = await participants.get(s, ann.id)
        assert person is not None
        await groups.add_member(s, hillside, person)
    await scheduler.tick()
    clock.set(MONDAY)
    await scheduler.tick()
    said = {m.address: [x.body for x in await outbox(database, m.address,
                                                      statuses=("queued", "sent"))]
            for m in [ann, *others]}
    welsh = others[1].address  # P3
    assert said == {m.address: ["Mae Ochr y Bryn yn gofyn: sut ydych chi?" if m.address == welsh
                                else "Hillside asks: how are you?"] for m in [ann, *others]}


async def test_a_member_whose_key_is_used_after_their_chunk_was_worked_out_ahead_is_not_asked(
    database: Database, tmp_path: Path, clock: Clock
) -> None:
    """Ann, Bryn and Cai's chunk is read and worked out ahead, as it is while the chunk before
    it is written. Then, before it is written, Bryn texts "check in" and answers his own
    check-in. When the chunk is written, Ann and Cai get the weekly check-in; Bryn is not
    asked a second time, and the check-in counts him as checked in with already."""
    c, scheduler = await copro(database, tmp_path, clock, chunk=10)
    riverside = await group(database)
    ann = await member(database, riverside, "+447700900001", name="Ann")
    bryn = await member(database, riverside, "+447700900002", name="Bryn")
    cai = await member(database, riverside, "+447700900003", name="Cai")
    await scheduler.tick()
    clock.set(MONDAY)
    schedule = checkins.schedule_of(riverside, c.config)
    weekly = fanout.Fanout(
        schedule.flow, {p.id: checkins._person_key(p.id, schedule, MONDAY) for p in (ann, bryn, cai)},
        topic="checkin", extra={"scheduled": True})
    async with database.reading() as s:
        chunk = await fanout.read_chunk(
            s, lambda s, after: groups.next_taking_part(s, riverside.id, after=after, limit=10), 0)
        chunk = fanout.Chunk(chunk.people, chunk.addresses, await fanout.plan_chunk(
            c, s, weekly, chunk.people, chunk.addresses, now=MONDAY))
    assert chunk.plan is not None and len(chunk.plan.starts.ready.begins) == 3

    await c.receive("sms", bryn.address, "check in")
    for reply in ("7", "8", "8", "2", "1", "nothing thanks"):
        await c.receive("sms", bryn.address, reply)
    asked = (await outbox(database, bryn.address))[0]
    assert (asked.body or "").startswith("Hello. Thank you for asking for a check-in.")

    async with database.transaction() as s:
        counts = await fanout.start_chunk(c, s, weekly, chunk, now=MONDAY)
    assert counts == {fanout.STARTED: 2, fanout.ALREADY: 1}
    assert len(await checkins_to(database, ann.address)) == 1
    assert len(await checkins_to(database, cai.address)) == 1
    assert await checkins_to(database, bryn.address) == []
    async with database.transaction() as s:
        assert await sessions.active_session(s, bryn.id) is None  # no second check-in open


async def test_each_chunk_after_the_first_is_worked_out_once_while_the_one_before_is_written(
    database: Database, tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five members, two at a time: the first chunk is worked out in its own transaction, the
    other two before their turn comes, while the chunk before each is written, and what was
    worked out is what is written (nothing is worked out twice). Everyone is asked once."""
    _, scheduler = await copro(database, tmp_path, clock, chunk=2)
    riverside = await group(database)
    people = await numbered(database, riverside, 5)
    await scheduler.tick()
    clock.set(MONDAY)
    plan_chunk, start_chunk = fanout.plan_chunk, fanout.start_chunk
    done: list[tuple[str, list[str]]] = []

    async def planned(*args: object, **kwargs: object) -> fanout.Plan:
        plan: fanout.Plan = await plan_chunk(*args, **kwargs)  # type: ignore[arg-type]
        done.append(("worked out", [b.person.name or "" for b in plan.starts.ready.begins]))
        return plan

    async def written(c: Conversations, s: object, weekly: fanout.Fanout, chunk: fanout.Chunk,
                      **kwargs: object) -> object:
        done.append(("written", [p.name or "" for p in chunk.people]))
        return await start_chunk(c, s, weekly, chunk, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fanout, "plan_chunk", planned)
    monkeypatch.setattr(fanout, "start_chunk", written)
    await scheduler.tick()
    first, second, third = ["P0", "P1"], ["P2", "P3"], ["P4"]
    assert sorted(done) == sorted([(what, chunk) for chunk in (first, second, third)
                                   for what in ("worked out", "written")])
    assert done[0] == ("written", first)  # worked out inside, in the chunk's transaction
    for chunk in (second, third):
        assert done.index(("worked out", chunk)) < done.index(("written", chunk))
    assert [len(await checkins_to(database, p.address)) for p in people] == [1] * 5
