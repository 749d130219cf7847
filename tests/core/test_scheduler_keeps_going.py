"""The scheduler keeps going: one job that fails, or one kind of job finishing in bulk, never
stops the others, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.app.wiring import scheduler_for
from bot.core.config import Config, load_config
from bot.core.scheduler import Scheduler
from bot.features import outreach
from bot.features.meetings import Meetings
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import jobs
from storage.db import Database
from storage.models import Group
from tests.people import Clock, deliver, group, member

# Monday 19 October 2026, 06:00 in London (05:00 UTC): the check-in is set for 07:00, before
# anyone's contact hours open at 08:00, so every member's start waits for 08:00.
MONDAY_6AM = datetime(2026, 10, 19, 5, 0, tzinfo=UTC)
EIGHT_AM = datetime(2026, 10, 19, 7, 0, tzinfo=UTC)


def settings(tmp_path: Path) -> Config:
    path = tmp_path / "copro.toml"
    path.write_text('[checkins]\nday = "monday"\ntime = "07:00"\n')
    return load_config(path, env={"COPRO_DATA_DIR": str(tmp_path)})


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_6AM)


@pytest.fixture
async def conversations(database: Database, tmp_path: Path, clock: Clock) -> Conversations:
    c = Conversations(database, Library.load(), settings(tmp_path), clock=clock)
    await c.register_flows()
    return c


@pytest.fixture
def scheduler(conversations: Conversations, clock: Clock) -> Scheduler:
    return scheduler_for(conversations, conversations.config, clock=clock)


async def riverside(database: Database) -> tuple[Group, list[str]]:
    voices = await group(database)
    people = [await member(database, voices, f"+4477009000{n:02d}", name=f"P{n}",
                           hours=(time(8), time(21))) for n in range(1, 6)]
    await member(database, voices, "+447700900099", name="Sam", role="coordinator")
    return voices, [p.address for p in people]


async def test_check_ins_held_for_contact_hours_and_a_meeting_invitation_due_together(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock
) -> None:
    voices, addresses = await riverside(database)
    clock.set(datetime(2026, 10, 19, 6, 0, tzinfo=UTC))  # 07:00 in London: the check-in is due
    await scheduler.tick()
    assert await deliver(database, addresses[0], clock.now) == []  # held: contact hours shut

    # A meeting added now whose invitation is due at 08:00, when the held check-ins are too.
    async with database.transaction() as s:
        await Meetings(conversations, conversations.config, clock).add(
            s, voices, title="Planning day", starts_at=EIGHT_AM + timedelta(days=2),
            place="the Library")
    clock.set(EIGHT_AM)
    await scheduler.tick()

    # Everyone gets the check-in at 08:00 and the invitation (after it, in turn), and the
    # scheduler is not stuck: no job is left due and unhandled.
    for address in addresses:
        bodies = await deliver(database, address, clock.now)
        assert any("weekly check-in" in body for body in bodies), bodies
    async with database.transaction() as s:
        due = await jobs.claim_due(s, now=clock.now, limit=100)
        assert [(j.kind, j.status) for j in due if j.kind != outreach.START] == []
