"""Every kind of scheduled job falling due in one batch: each does its work, and when one
kind's handler fails, every other kind still does its work while the failing one is tried
again, then marked failed with its reason, logged at ERROR and counted.

Runs on SQLite, and on PostgreSQL when ``COPRO_TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app.wiring import scheduler_for
from bot.core.config import Config, load_config
from bot.core.metrics import Metrics
from bot.core.scheduler import JobOutcome, Scheduler
from bot.features import alerts, broadcasts, checkins, meetings, outreach, polls
from bot.features.broadcasts import Broadcasts
from bot.features.meetings import Meetings
from bot.features.polls import Polls
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import jobs, participants
from storage.db import Database, Tx
from storage.models import Group, Job
from tests.people import Clock, Member, deliver, group, member

# Monday 23 November 2026 (London is on UTC): a poll goes out at 08:00; at 09:00 a broadcast,
# a meeting, a second poll and a safeguarding alert; at 10:00 the group check-in, the first
# poll's closing, the broadcast's summary, the meeting's summary and the alert's repeat all
# fall due, with the broadcast, the invitation and the second poll still to go: one batch.
EIGHT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
NINE = EIGHT + timedelta(hours=1)
TEN = EIGHT + timedelta(hours=2, minutes=1)
KINDS = (outreach.START, outreach.SAY, checkins.KIND, meetings.REMINDER, meetings.SUMMARY,
         polls.CLOSE, broadcasts.SUMMARY, alerts.REPEAT)


def settings(tmp_path: Path) -> Config:
    path = tmp_path / "copro.toml"
    path.write_text('[checkins]\nday = "monday"\ntime = "10:00"\n\n'
                    '[scheduler]\nmax_attempts = 3\nfirst_retry = "5m"\n')
    return load_config(path, env={"COPRO_DATA_DIR": str(tmp_path)})


@dataclass
class Town:
    """One group for each kind of work, so no one is busy with another's conversation."""

    groups: dict[str, Group]
    people: dict[str, list[Member]]  # by group: members first, the group's staff last

    def members(self, name: str) -> list[Member]:
        return self.people[name][:-1]

    def staff(self, name: str) -> Member:
        return self.people[name][-1]


async def town(db: Database, config: Config, clock: Clock) -> Town:
    found: dict[str, Group] = {}
    people: dict[str, list[Member]] = {}
    n = 0
    for name, staff_role in (("asked", "coordinator"), ("closing", "coordinator"),
                             ("told", "coordinator"), ("checked", "coordinator"),
                             ("invited", "coordinator"), ("alerted", "safeguarding")):
        found[name] = await group(db, f"Group {name}")
        people[name] = []
        for role in ("member", "member", staff_role):
            n += 1
            people[name].append(await member(db, found[name], f"+4477009001{n:02d}",
                                              name=f"{name.title()} {n}", role=role))
        if name != "checked":
            async with db.transaction() as s:
                await checkins.set_schedule(s, found[name], config, now=clock.now, enabled=False)
    return Town(found, people)


async def scene(c: Conversations, scheduler: Scheduler, clock: Clock) -> Town:
    """Everything set up so that at ``TEN`` one job of each kind is due together."""
    db, config = c.db, c.config
    place = await town(db, config, clock)

    async def staff(s: Tx, name: str) -> object:
        return await participants.get(s, place.staff(name).id)

    async with db.transaction() as s:
        await Polls(c, config, clock).create(
            s, place.groups["closing"], question={"en": "Which day suits you?"},
            options=[{"en": "Tuesday"}, {"en": "Thursday"}], closes_at=EIGHT + timedelta(hours=2),
            by=await staff(s, "closing"))  # type: ignore[arg-type]
    await scheduler.tick()  # the first poll's question goes out; the check-in is planned
    for people in place.people.values():
        for person in people:
            await deliver(db, person.address, clock.now)

    clock.set(NINE)
    async with db.transaction() as s:
        await Broadcasts(c, config, clock).send(
            s, place.groups["told"], "The garden opens on Saturday.",
            by=await staff(s, "told"))  # type: ignore[arg-type]
        await Meetings(c, config, clock).add(
            s, place.groups["invited"], title="Planning day", place="the Library",
            starts_at=NINE + timedelta(days=1, minutes=30))
        await Polls(c, config, clock).create(
            s, place.groups["asked"], question={"en": "Tea or coffee?"},
            options=[{"en": "Tea"}, {"en": "Coffee"}], closes_at=NINE + timedelta(days=2))
    at_risk = place.members("alerted")[0]
    await c.receive("sms", at_risk.address, "check in")
    for answer in ("8", "8", "8", "2", "never", "Some days I want to end it all."):
        await c.receive("sms", at_risk.address, answer)
    for people in place.people.values():
        for person in people:
            await deliver(db, person.address, clock.now)
    clock.set(TEN)
    return place


async def due_kinds(db: Database, now: datetime) -> set[str]:
    async with db.transaction() as s:
        return {job.kind for job in await jobs.claim_due(s, now=now, limit=500)}


Check = Callable[[Database, Town, datetime], Awaitable[bool]]


async def got(db: Database, person: Member, now: datetime, words: str) -> bool:
    return any(words in body for body in await deliver(db, person.address, now))


async def everyone(db: Database, people: list[Member], now: datetime, words: str) -> bool:
    return all([await got(db, person, now, words) for person in people])


# What people see when each kind of job has done its work.
CHECKS: dict[str, Check] = {
    outreach.START: lambda db, t, now: everyone(db, t.members("asked"), now,
                                                "Tea or coffee? Please reply with a number."),
    outreach.SAY: lambda db, t, now: everyone(db, t.members("told"), now,
                                              "The garden opens on Saturday."),
    checkins.KIND: lambda db, t, now: everyone(db, t.members("checked"), now,
                                                "It is time for your weekly check-in."),
    meetings.REMINDER: lambda db, t, now: everyone(db, t.members("invited"), now,
                                                   "We would like to invite you to a meeting."),
    meetings.SUMMARY: lambda db, t, now: got(db, t.staff("invited"), now,
                                                "0 coming, 0 maybe, 0 cannot come"),
    polls.CLOSE: lambda db, t, now: got(db, t.staff("closing"), now,
                                           "Poll results: Which day suits you?"),
    broadcasts.SUMMARY: lambda db, t, now: got(db, t.staff("told"), now,
                                                  "Your message to Group told: 0 sent"),
    alerts.REPEAT: lambda db, t, now: got(db, t.staff("alerted"), now,
                                              "STILL NOT ACKNOWLEDGED, sent 2 times."),
}
# The work some kinds do is to plan jobs of another kind, which do the messaging. (A group's
# check-in starts everyone it can itself: only those who must wait get a job of their own.)
NEEDS = {meetings.REMINDER: outreach.START}


@pytest.fixture
def clock() -> Clock:
    return Clock(EIGHT)


@pytest.fixture
async def conversations(database: Database, tmp_path: Path, clock: Clock) -> Conversations:
    c = Conversations(database, Library.load(), settings(tmp_path), clock=clock)
    await c.register_flows()
    return c


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def scheduler(conversations: Conversations, clock: Clock, metrics: Metrics) -> Scheduler:
    return scheduler_for(conversations, conversations.config, clock=clock, metrics=metrics)


async def test_one_job_of_every_kind_due_together_each_does_its_work(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock
) -> None:
    place = await scene(conversations, scheduler, clock)
    assert set(scheduler.handlers) == set(KINDS)  # every kind copro has is in this test
    assert await due_kinds(database, clock.now) == set(KINDS)
    await scheduler.tick()
    for kind, check in CHECKS.items():
        assert await check(database, place, clock.now), f"{kind} did not do its work"
    async with database.transaction() as s:
        left = await jobs.claim_due(s, now=clock.now, limit=500)
    assert [(job.kind, job.key) for job in left] == []


async def of_kind(db: Database, kind: str) -> list[Job]:
    async with db.transaction() as s:
        return list(await s.scalars(select(Job).where(Job.kind == kind).order_by(Job.id)))


def failing(kind: str) -> Callable[[Tx, Job, datetime], Awaitable[JobOutcome]]:
    async def broken(s: Tx, job: Job, now: datetime) -> JobOutcome:
        raise RuntimeError(f"the {kind} handler broke")
    return broken


@pytest.mark.parametrize("kind", KINDS)
async def test_when_one_kind_fails_every_other_kind_does_its_work(
    kind: str, database: Database, conversations: Conversations, scheduler: Scheduler,
    clock: Clock, metrics: Metrics, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    place = await scene(conversations, scheduler, clock)
    earlier = {job.id for job in await of_kind(database, kind) if job.status != "pending"}
    scheduler.handle(kind, failing(kind))
    scheduler.batch_handlers.pop(kind, None)
    await scheduler.tick()
    for other, check in CHECKS.items():
        works = await check(database, place, clock.now)
        if other == kind or NEEDS.get(other) == kind:
            assert not works, f"{other} did its work though {kind} is broken"
        else:
            assert works, f"{other} did not do its work because {kind} is broken"

    for _ in range(3):  # tried again after 5 minutes, then 10: then given up
        clock.advance(minutes=15)
        await scheduler.tick()
    tried = [job for job in await of_kind(database, kind)  # those due by ten, or tried since
             if job.id not in earlier and (job.due_at <= TEN or job.attempts)]
    assert tried, f"no {kind} job was planned"
    assert [(job.status, job.attempts, job.note) for job in tried] == [
        ("failed", 3, f"gave up: RuntimeError: the {kind} handler broke")] * len(tried)
    lines = [r.getMessage() for r in caplog.records
             if r.levelno == logging.ERROR and f"(kind {kind}," in r.getMessage()]
    gave_up = [line for line in lines if "on try 3 of 3" in line]
    assert gave_up and all(line.endswith(f"RuntimeError: the {kind} handler broke; "
                                         "marked failed, not tried again") for line in gave_up)
    assert "+44770090" not in caplog.text
    count = len(tried)
    assert metrics.registry.get_sample_value("copro_jobs_failed_total", {"kind": kind}) == 3 * count
    assert metrics.registry.get_sample_value("copro_jobs_given_up_total", {"kind": kind}) == count
