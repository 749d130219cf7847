"""A poll for a group in the middle of its weekly check-in: how many it reaches at once, and how
long the scheduler's tick takes.

Run by hand (or as a smoke run) and read the figures:

    .venv/bin/python bench/interleave.py                  # 3,000 people, SQLite
    .venv/bin/python bench/interleave.py --people 300 --pg-url postgresql+asyncpg://...

``--people`` members, every one with a check-in open: a third on Telegram, a third by SMS
who last wrote 20 minutes ago, a third by SMS who wrote a minute ago. A coordinator's poll
then goes to the group, and one scheduler tick runs its jobs. The figures: people the poll
reached in that tick (its question queued), people it waits for (their check-in is under
way), and the tick's seconds. PostgreSQL runs wipe the database first.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import fresh
from sqlalchemy import func, select

from bot.app.wiring import scheduler_for
from bot.core.config import Config, load_config
from bot.features.polls import Polls
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from bot.host.starts import Start, start_many
from storage import groups, messages, participants
from storage.db import Database
from storage.models import FlowSession, Group, Job

NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)  # inside everyone's contact hours


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def setup(db: Database, c: Conversations, people: int) -> Group:
    thirds = ["telegram", "quiet", "answering"]
    async with db.transaction() as s:
        group = await groups.create_group(s, "Everyone")
        rows = []
        for n in range(people):
            kind = thirds[n % 3]
            channel = "telegram" if kind == "telegram" else "sms"
            address = f"{9000000 + n}" if channel == "telegram" else f"+4477{n:08d}"
            rows.append({"name": f"P{n}", "channel": channel, "address": address,
                         "consent_at": NOW - timedelta(days=30)})
        ids = await participants.create_many(s, rows, at=NOW - timedelta(days=30))
        await groups.add_members(s, group, ids)
        people_by_id = await participants.get_many(s, ids)
        await start_many(c, s, "weekly-checkin", [
            Start(people_by_id[pid], f"checkin:{pid}", {"scheduled": True}) for pid in ids])
        for n, pid in enumerate(ids):
            wrote = NOW - (timedelta(minutes=1) if thirds[n % 3] == "answering"
                           else timedelta(minutes=20))
            await messages.record_inbound(s, participant_id=pid, channel=rows[n]["channel"],
                                          address=rows[n]["address"], body="7", media=[], at=wrote)
        return group


async def run(config: Config, url: str, people: int) -> dict[str, float]:
    db = await fresh(url)
    try:
        clock = Clock(NOW)
        c = Conversations(db, Library.load(), config, clock=clock)
        await c.register_flows()
        group = await setup(db, c, people)
        scheduler = scheduler_for(c, config, clock=clock)
        async with db.transaction() as s:
            await Polls(c, config, clock).create(
                s, group, question="Which day suits you?", options=["Tuesday", "Wednesday"],
                closes_at=NOW + timedelta(days=2))
        started = time.perf_counter()
        await scheduler.tick()
        seconds = time.perf_counter() - started
        async with db.transaction() as s:
            reached = await s.scalar(select(func.count()).select_from(FlowSession)
                                     .where(FlowSession.flow_id == "poll"))
            waiting = await s.scalar(select(func.count()).select_from(Job)
                                     .where(Job.status == "pending", Job.topic == "poll:1"))
    finally:
        await db.close()
    return {"seconds": seconds, "reached": float(reached or 0), "waiting": float(waiting or 0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--pg-url", default=None, help="a scratch PostgreSQL database (wiped)")
    args = parser.parse_args()
    print(f"a poll for {args.people:,} people in the middle of their check-in "
          "(a third each: Telegram, quiet by SMS, answering by SMS)\n")
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(None, env={"COPRO_DATA_DIR": tmp})
        url = args.pg_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        got = asyncio.run(run(config, url, args.people))
    print(f"{'backend':<11} {'reached now':>12} {'waiting':>8} {'tick s':>8}")
    backend = "postgresql" if args.pg_url else "sqlite"
    print(f"{backend:<11} {got['reached']:>12,.0f} {got['waiting']:>8,.0f} {got['seconds']:>8.1f}")


if __name__ == "__main__":
    main()
