"""How fast copro handles conversations: the pure engine, then the whole host.

Run by hand (or as a smoke run in CI) and read the figures:

    .venv/bin/python bench/conversations.py              # SQLite in a temporary directory
    .venv/bin/python bench/conversations.py --people 50  # fewer people, quicker
    COPRO_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/conversations.py          # PostgreSQL (tables are created)

Each simulated person answers the whole weekly check-in. The engine figure is
replies per second with no I/O at all; the host figure includes finding the
person, the session, results and outbox rows in one transaction per reply,
with people replying concurrently, and the CPU time (all threads) a reply.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from bot.core.config import load_config
from bot.engine.events import Reply
from bot.engine.runner import Context, Engine
from bot.engine.templates import Templates
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage.db import Database

CHECKIN = ["7", "eight", "about 6", "2 out of 10", "hardly ever", "A good week, thanks"]
WELCOME = ["1", "yes", "Ann", "4"]


def engine_replies_per_second(rounds: int) -> float:
    library = Library.load()
    flow = library["weekly-checkin"].flow
    engine = Engine(Templates(["end it all"]))
    context = Context(
        participant={"name": "Ann", "language": "en"},
        today=date(2026, 11, 23),
        settings={"group_name": "Riverside Voices", "coordinator": "Sam"},
    )
    started = time.perf_counter()
    for _ in range(rounds):
        session = engine.start(flow, context).session
        for text in CHECKIN:
            session = engine.resume(flow, session, Reply(text), context).session
    return rounds * len(CHECKIN) / (time.perf_counter() - started)


async def host(people: int, concurrency: int, url: str, data_dir: Path) -> dict[str, float]:
    config = load_config(None, env={"COPRO_DATA_DIR": str(data_dir), "COPRO_DATABASE_URL": url})
    db = Database(config.database_url)
    await db.upgrade()
    conversations = Conversations(db, Library.load(), config)
    await conversations.register_flows()
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)
    run = f"{time.time_ns()}"

    async def person(n: int) -> None:
        address = f"+44770{run[-6:]}{n:05d}"
        for text in [*WELCOME, "check in", *CHECKIN]:
            async with gate:
                t0 = time.perf_counter()
                await conversations.receive("sms", address, text)
                latencies.append(time.perf_counter() - t0)

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(person(n) for n in range(people)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    await db.close()
    latencies.sort()
    return {
        "replies": len(latencies),
        "seconds": elapsed,
        "per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "cpu_ms": cpu / len(latencies) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000, help="engine-only check-ins")
    parser.add_argument("--people", type=int, default=200, help="people taking part at once")
    parser.add_argument("--concurrency", type=int, default=20, help="replies in flight at once")
    args = parser.parse_args()

    print(f"engine: {engine_replies_per_second(args.rounds):,.0f} replies/s (weekly check-in, no I/O)")
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("COPRO_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp}/bench.db"
        figures = asyncio.run(host(args.people, args.concurrency, url, Path(tmp)))
    backend = url.split(":", 1)[0]
    print(
        f"host ({backend}): {figures['replies']:,.0f} replies from {args.people} people "
        f"in {figures['seconds']:.1f} s = {figures['per_second']:,.0f} replies/s; "
        f"latency p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms; "
        f"{figures['cpu_ms']:.2f} ms of CPU a reply"
    )


if __name__ == "__main__":
    main()
