"""The desk's busiest pages for a large group: how long a coordinator waits for them.

    .venv/bin/python bench/desk.py                       # 1,000 people, SQLite
    .venv/bin/python bench/desk.py --people 200          # a quick smoke run
    .venv/bin/python bench/desk.py --backend postgresql --pg-url postgresql+asyncpg://...

A group of ``--people`` members who all answered a poll (by SMS, WhatsApp and
Telegram in turn) and each did ``--weeks`` weekly check-ins. The desk app is driven
in-process through httpx, signed in as the group's coordinator; the figures are the
median and slowest of several loads of: a poll's live answers (the part of the page
fetched every two seconds while it is open), the polls page, and the check-ins page.
PostgreSQL runs wipe the database named by ``--pg-url``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import httpx
from common import PG_URL, fresh

from bot.app.wiring import scheduler_for
from bot.core.config import load_config
from bot.features.polls import Polls
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from bot.web.access import SESSION_COOKIE
from bot.web.app import create_desk, keys_for
from storage import flows, groups, participants, polls, results, sessions
from storage.settings import default_sqlite_url

WAYS = ("sms", "whatsapp", "telegram")


async def run(people: int, weeks: int, url: str | None, folder: Path) -> None:
    toml = folder / "copro.toml"
    toml.write_text('[checkins]\nenabled = false\n[desk]\nenabled = true\nsecret = "bench"\n')
    config = load_config(toml, env={"COPRO_DATA_DIR": str(folder / "data")})
    db = await fresh(url or default_sqlite_url(folder / "data"))
    conversations = Conversations(db, Library.load(), config)
    await conversations.register_flows()
    scheduler_for(conversations, config)
    now = datetime.now(UTC)
    made = time.monotonic()
    async with db.transaction() as s:
        group = await groups.create_group(s, "Riverside Voices")
        sam = await participants.create(s, channel="sms", address="+447700900100", name="Sam")
        await participants.record_consent(s, sam, now)
        await groups.add_member(s, group, sam, "coordinator")
        ids = await participants.create_many(s, [
            {"name": f"Person {n}", "channel": "sms", "address": f"+447800{n:06d}",
             "consent_at": now} for n in range(people)], at=now)
        await groups.add_members(s, group, ids)
        poll = await Polls(conversations, config).create(
            s, group, question="Which day suits you?", options=["Tuesday", "Wednesday", "Thursday"],
            closes_at=now + timedelta(days=3))
        for n, pid in enumerate(ids):
            await polls.vote(s, poll, pid, [n % 3 + 1], channel=WAYS[n % 3], at=now)
        definition = await flows.register_definition(s, "weekly-checkin", 1, "bench")
        for week in range(weeks):
            at = now - timedelta(days=7 * (weeks - week))
            for n, pid in enumerate(ids):
                row = await sessions.start_session(
                    s, participant_id=pid, definition=definition, step=None, state={},
                    expires_at=None, timeout_at=None, now=at)
                await sessions.save_session(s, row, step=None, state={}, status="completed",
                                            timeout_at=None, now=at)
                for key in ("life_satisfaction", "worthwhile", "happy", "anxious"):
                    await results.add_result(s, session=row, step=key, key=key,
                                             value=(n + week) % 11, raw=None, status="answered",
                                             at=at)
    print(f"{people} people, {weeks} check-ins each, made in {time.monotonic() - made:.1f} s "
          f"({'sqlite' if db.is_sqlite else 'postgresql'})")

    app = create_desk(db, conversations, config)
    cookie = keys_for(config).seal(sam.id, now + timedelta(hours=1))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk",
                                 cookies={SESSION_COOKIE: cookie}, timeout=300) as client:
        print(f"{'page':<34}{'loads':>6}{'median ms':>11}{'slowest ms':>12}")
        for label, path, times in (
            ("a poll's live answers (partial)", f"/polls/{poll.id}/results", 10),
            ("the polls page", "/polls", 5),
            ("the check-ins page", "/checkins", 3),
        ):
            took = []
            for _ in range(times):
                started = time.monotonic()
                got = await client.get(path)
                took.append(1000 * (time.monotonic() - started))
                assert got.status_code == 200, got.text[:500]
            print(f"{label:<34}{times:>6}{statistics.median(took):>11.0f}{max(took):>12.0f}")
    await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(args.people, args.weeks,
                        args.pg_url if args.backend == "postgresql" else None, Path(folder)))


if __name__ == "__main__":
    main()
