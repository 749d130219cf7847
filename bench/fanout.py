"""The weekly check-in for a very large group: how long until every check-in is queued.

Run by hand (or as a smoke run in CI) and read the figures:

    .venv/bin/python bench/fanout.py                    # SQLite and, if reachable, PostgreSQL
    .venv/bin/python bench/fanout.py --people 2000      # a quick smoke run
    .venv/bin/python bench/fanout.py --backend postgresql --pg-url postgresql+asyncpg://...

One group of ``--people`` members who have all given consent. The scheduler's
tick at the group's check-in time starts them all, a chunk at a time: each
member's weekly-checkin session starts and its first message goes into the
outbox. The figures are the time from the tick to the last message queued, the
CPU time of this process in it (SQLite's work included, PostgreSQL's not), the
CPU time of the PostgreSQL server's processes in it when the server runs on
this machine ("-" when it does not, or on SQLite), and the peak memory (RSS) of
this process. When copro's CPU and the server's add up to the tick, the two
took turns rather than working side by side. PostgreSQL runs use a database that is
wiped first: never point ``--pg-url`` at data you want to keep.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import PG_URL, fresh

from bot.app.wiring import scheduler_for
from bot.core.config import Config, load_config
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import groups, messages, participants
from storage.db import Database

SUNDAY = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # the default check-in: Monday 10:00 London
TARGET_SECONDS = 10.0  # 100,000 check-ins queued on PostgreSQL
TARGET_RSS_MB = 300.0


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def server_cpu() -> float | None:
    """The CPU seconds used so far by the PostgreSQL server's processes on this machine (its
    backends live as long as their connections), or None if there are none to be read."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, found = 0.0, False
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue  # gone, or not ours to read
        name, _, rest = stat.partition("(")[2].rpartition(")")
        if name == "postgres":
            fields = rest.split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
            found = True
    return total if found else None


async def setup(db: Database, people: int) -> None:
    async with db.transaction() as s:
        group = await groups.create_group(s, "Everyone")
        ids = await participants.create_many(s, [
            {"name": f"Person {n}", "channel": "sms", "address": f"+4477{n:08d}",
             "consent_at": SUNDAY}
            for n in range(people)
        ], at=SUNDAY)
        await groups.add_members(s, group, ids)


async def run(config: Config, url: str, people: int) -> dict[str, float]:
    db = await fresh(url)
    try:
        started = time.perf_counter()
        await setup(db, people)
        setup_seconds = time.perf_counter() - started
        clock = Clock(SUNDAY)
        conversations = Conversations(db, Library.load(), config, clock=clock)
        await conversations.register_flows()
        scheduler = scheduler_for(conversations, config, clock=clock)
        await scheduler.tick()  # plans Monday's check-in
        clock.now = MONDAY
        server = server_cpu() if url.startswith("postgresql") else None
        started, cpu = time.perf_counter(), time.process_time()
        ran = await scheduler.tick()
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        after = server_cpu() if server is not None else None
        # not a number: no server on this machine to read, or SQLite
        server_seconds = after - server if server is not None and after is not None else math.nan
        async with db.transaction() as s:
            depth = await messages.outbox_depth(s)
        queued = sum(depth.values())
    finally:
        await db.close()
    return {"setup": setup_seconds, "seconds": seconds, "cpu": cpu, "server_cpu": server_seconds,
            "jobs": ran, "queued": queued}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=PG_URL, help="a scratch PostgreSQL database (wiped)")
    args = parser.parse_args()

    print(f"weekly check-in fan-out: {args.people:,} members of one group\n")
    print(f"{'backend':<11} {'setup s':>8} {'tick s':>8} {'CPU s':>6} {'server CPU s':>13} "
          f"{'queued':>9} {'per s':>9} {'peak RSS':>9}  target")
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(None, env={"COPRO_DATA_DIR": tmp})
        urls = []
        if args.backend in ("sqlite", "both"):
            urls.append(("sqlite", f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"))
        if args.backend in ("postgresql", "both"):
            urls.append(("postgresql", args.pg_url))
        for name, url in urls:
            try:
                got = asyncio.run(run(config, url, args.people))
            except OSError as exc:
                print(f"{name:<11} skipped: cannot reach {url} ({exc})")
                continue
            per_second = got["queued"] / got["seconds"] if got["seconds"] else 0.0
            target = (f"< {TARGET_SECONDS:.0f} s for 100,000 on PostgreSQL, "
                      f"RSS < {TARGET_RSS_MB:.0f} MB")
            server = "-" if math.isnan(got["server_cpu"]) else f"{got['server_cpu']:.1f}"
            print(f"{name:<11} {got['setup']:>8.1f} {got['seconds']:>8.1f} {got['cpu']:>6.1f} "
                  f"{server:>13} {got['queued']:>9,.0f} "
                  f"{per_second:>9,.0f} {peak_rss_mb():>6.0f} MB  {target}")
            if got["queued"] != args.people:
                print(f"  ! expected {args.people:,} check-ins queued, found {got['queued']:,.0f}")


if __name__ == "__main__":
    main()
