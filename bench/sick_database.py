"""A database that is there but will not answer: how fast webhooks and ``/healthz`` still answer,
and how soon the texts kept meanwhile are handled once it answers again.

    .venv/bin/python bench/sick_database.py                       # SQLite, then PostgreSQL
    .venv/bin/python bench/sick_database.py --backend sqlite --texts 5

Another connection holds the database for ``--hold`` seconds (SQLite: its write
lock; PostgreSQL: an ACCESS EXCLUSIVE lock on the messages table) while
``--texts`` people text copro's SMS webhook one after another, with copro's
default timeouts. Twilio gives up on a webhook after 15 s; ``/healthz`` should
answer 503 within 2 s. PostgreSQL runs wipe the database named by ``--pg-url``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PG_URL, fresh
from bot.app.http import create_app
from bot.app.wiring import scheduler_for
from bot.channels.sms.twilio import SmsChannel
from bot.core.config import load_config
from bot.core.metrics import Metrics
from bot.delivery.inbox import Inbox, Spool
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage.settings import default_sqlite_url
from tests.delivery.test_sick_database import held_locked
from tests.doubles.twilio_api import ACCOUNT, TOKEN, TwilioDouble
from tests.servers import serve_asgi


async def run(url: str, data: Path, texts: int, hold: float) -> dict[str, float]:
    db = await fresh(url)
    twilio = TwilioDouble()
    async with serve_asgi(twilio.app) as twilio_url:
        keys = {"account_sid": ACCOUNT, "auth_token": TOKEN, "from_number": "+447700900000",
                "api_base_url": twilio_url, "max_inbound_per_minute": 1000}
        (data / "copro.toml").write_text(
            "[twilio]\n" + "\n".join(f"{k} = {json.dumps(v)}" for k, v in keys.items()) + "\n")
        config = load_config(data / "copro.toml", env={"COPRO_DATA_DIR": str(data)})
        conversations = Conversations(db, Library.load(), config)
        await conversations.register_flows()
        scheduler_for(conversations, config)
        inbox = Inbox(conversations, Spool(config.spool_dir))
        channel = SmsChannel(config, inbox, Metrics())
        await channel.start()
        inbox.start()
        answers: list[float] = []
        try:
            async with serve_asgi(create_app(db, Metrics(), channel.routes())) as app, \
                    httpx.AsyncClient(timeout=60) as client:
                async with held_locked(url):
                    held_at = time.monotonic()
                    for n in range(texts):
                        started = time.monotonic()
                        answer = await twilio.text_copro(client, f"{app}/webhooks/twilio/sms",
                                                         f"+4477009{n:05d}", "hello")
                        answers.append(time.monotonic() - started)
                        assert answer.status_code == 200
                    started = time.monotonic()
                    health = await client.get(f"{app}/healthz")
                    health_seconds = time.monotonic() - started
                    assert health.status_code == 503
                    kept = len(inbox.spool.waiting())
                    await asyncio.sleep(max(0.0, hold - (time.monotonic() - held_at)))
                released = time.monotonic()
                while inbox.spool.waiting():
                    if time.monotonic() - released > 120:
                        raise RuntimeError("the kept texts were not handled within 120 s")
                    await asyncio.sleep(0.05)
                handled = time.monotonic() - released
                healthy = (await client.get(f"{app}/healthz")).status_code
        finally:
            await inbox.stop()
            await channel.stop()
            await db.close()
    return {"first": answers[0], "median": statistics.median(answers), "max": max(answers),
            "health": health_seconds, "kept": kept, "handled": handled, "healthy": healthy}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--texts", type=int, default=20)
    parser.add_argument("--hold", type=float, default=20.0)
    args = parser.parse_args()
    print("| database | first webhook | median | slowest (Twilio: 15 s) | /healthz (503, 2 s) "
          "| texts kept | handled after release | /healthz after |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for backend in (["sqlite", "postgresql"] if args.backend == "both" else [args.backend]):
        with tempfile.TemporaryDirectory() as folder:
            url = default_sqlite_url(Path(folder)) if backend == "sqlite" else args.pg_url
            r = asyncio.run(run(url, Path(folder), args.texts, args.hold))
        print(f"| {backend} | {r['first']:.2f} s | {r['median']:.3f} s | {r['max']:.2f} s "
              f"| {r['health']:.2f} s | {r['kept']:.0f} of {args.texts} | {r['handled']:.1f} s "
              f"| {r['healthy']:.0f} |")


if __name__ == "__main__":
    main()
