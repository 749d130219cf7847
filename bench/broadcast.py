"""A broadcast to a very large Telegram group, against a Bot API double that enforces Telegram's
limits: how close copro comes to the limit, without ever going over it.

    .venv/bin/python bench/broadcast.py                    # 10,000 people, limits 5 times Telegram's
    .venv/bin/python bench/broadcast.py --people 500       # a quick smoke run
    .venv/bin/python bench/broadcast.py --people 1000 --scale 1   # Telegram's own limits (35 s)
    .venv/bin/python bench/broadcast.py --backend postgresql --pg-url postgresql+asyncpg://...

The double answers 429 (with retry_after) to any message over 30 a second in all,
or 1 a second to one chat, each multiplied by ``--scale`` so that the run takes
about a minute, not six; copro is configured with the same scaled limits, and
sends with the outbox sender's own loop, as ``copro run`` does. The
figures: the rate achieved as a share of the limit, the 429s copro caused, and
whether each person got exactly one message. PostgreSQL runs wipe the database
named by ``--pg-url``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import httpx
from common import PG_URL, fresh, serving
from doubles.bot_api import TOKEN, BotApiDouble
from servers import free_port
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.app.wiring import scheduler_for
from bot.channels.telegram.channel import TelegramChannel
from bot.core.clock import utcnow
from bot.core.config import Config, load_config
from bot.core.metrics import Metrics
from bot.delivery.inbox import Inbox, Spool
from bot.delivery.outbox import Sender
from bot.features.broadcasts import Broadcasts
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import groups, messages, participants
from storage.db import Database

OVERALL, PER_CHAT = 30, 1  # Telegram's limits, messages a second


def serve_double(port: int, scale: float) -> None:
    """The Bot API double in a process of its own, so it does not slow copro down."""
    import uvicorn

    api = BotApiDouble(limit_overall=OVERALL * scale, limit_per_chat=PER_CHAT * scale)

    async def stats(request: Request) -> JSONResponse:
        counts = Counter(str(c.params.get("chat_id")) for c in api.sent())
        return JSONResponse({"per_chat": counts, "refusals": api.refused_for_flood})

    api.app.router.routes.append(Route("/stats", stats))
    uvicorn.run(api.app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                timeout_keep_alive=120)


@contextlib.contextmanager
def double_process(scale: float) -> Iterator[str]:
    port = free_port()
    with serving([__file__, "--double", str(port), "--scale", str(scale)],
                 f"http://127.0.0.1:{port}/stats"):
        yield f"http://127.0.0.1:{port}"


async def until_empty(db: Database) -> None:
    """Look at the outbox four times a second until nothing is waiting in it."""
    while True:
        async with db.transaction() as s:
            if not sum((await messages.outbox_depth(s)).values()):
                return
        await asyncio.sleep(0.25)


async def run(url: str, people: int, scale: float, data: Path) -> dict[str, float]:
    db = await fresh(url)
    try:
        with double_process(scale) as api_url:
            path = data / "copro.toml"
            path.write_text(
                f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "{api_url}"\npolling_timeout = 1\n'
                f"messages_per_second = {OVERALL * scale}\nchat_messages_per_second = {PER_CHAT * scale}\n"
                "[checkins]\nenabled = false\n")
            config: Config = load_config(path, env={"COPRO_DATA_DIR": str(data)})
            async with db.transaction() as s:
                group = await groups.create_group(s, "Everyone")
                ids = await participants.create_many(s, [
                    {"name": f"Person {n}", "channel": "telegram", "address": str(10_000_000 + n),
                     "consent_at": utcnow()} for n in range(people)], at=utcnow())
                await groups.add_members(s, group, ids)
            conversations = Conversations(db, Library.load(), config)
            await conversations.register_flows()
            scheduler = scheduler_for(conversations, config)
            channel = TelegramChannel(config, Inbox(conversations, Spool(data / "spool")), Metrics())
            await channel.app.initialize()
            sender = Sender(db, {"telegram": channel}, config)
            async with db.transaction() as s:
                found = await groups.get_group_by_name(s, "Everyone")
                assert found is not None
                await Broadcasts(conversations, config).send(s, found, "The hall is closed on Friday.")
            started = time.perf_counter()
            await scheduler.tick()  # one message a person into the outbox
            queued = time.perf_counter() - started
            sending = time.perf_counter()
            sender.start()  # the sender as copro runs it, until the outbox is empty
            await until_empty(db)
            seconds = time.perf_counter() - sending
            await sender.stop()
            await channel.app.shutdown()
            async with httpx.AsyncClient() as client:
                stats = (await client.get(f"{api_url}/stats")).json()
    finally:
        await db.close()
    got = stats["per_chat"]
    return {"queued": queued, "seconds": seconds, "sent": sum(got.values()),
            "once": sum(1 for n in got.values() if n == 1), "refusals": stats["refusals"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--scale", type=float, default=5, help="limits times Telegram's")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--pg-url", default=PG_URL, help="a scratch PostgreSQL database (wiped)")
    parser.add_argument("--double", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.double:
        serve_double(args.double, args.scale)
        return
    limit = OVERALL * args.scale
    print(f"broadcast to {args.people:,} Telegram chats; limit {limit:g} messages/s in all, "
          f"{PER_CHAT * args.scale:g}/s a chat ({args.scale:g} times Telegram's)\n")
    print(f"{'backend':<11} {'queue s':>8} {'send s':>8} {'msgs/s':>8} {'of limit':>9} {'429s':>6} "
          f"{'exactly once':>13}  target")
    with tempfile.TemporaryDirectory() as tmp:
        for name in (["sqlite", "postgresql"] if args.backend == "both" else [args.backend]):
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}" if name == "sqlite" else args.pg_url
            data = Path(tmp) / name
            data.mkdir()
            got = asyncio.run(run(url, args.people, args.scale, data))
            rate = got["sent"] / got["seconds"] if got["seconds"] else 0.0
            print(f"{name:<11} {got['queued']:>8.1f} {got['seconds']:>8.1f} {rate:>8.0f} "
                  f"{rate / limit:>8.0%} {got['refusals']:>6.0f} {got['once']:>6.0f}/{args.people:<6}"
                  "  >= 95% of the limit, no 429s")


if __name__ == "__main__":
    main()
