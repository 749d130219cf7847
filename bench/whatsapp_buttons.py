"""WhatsApp questions with quick-reply buttons, beside the same questions numbered: what making
the buttons costs the sender.

    .venv/bin/python bench/whatsapp_buttons.py                 # 500 people, SQLite
    .venv/bin/python bench/whatsapp_buttons.py --people 50     # a quick smoke run

Each person writes "Hello" on WhatsApp through the real webhook (signed, as Twilio signs) and
copro answers with the welcome's first question (two choices): with ``whatsapp.quick_replies``
on, as quick-reply buttons, the Content made once in the Twilio double's Content API; off, as a
numbered list (copro before the buttons). The figures: replies a second through the outbox
sender, the median and 99th percentile time to send one, and the Content API requests made.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import httpx
from common import fresh
from doubles.twilio_api import ACCOUNT, TOKEN, TwilioDouble
from servers import serve_asgi

from bot.app.http import create_app
from bot.app.wiring import scheduler_for
from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.core.config import load_config
from bot.core.metrics import Metrics
from bot.delivery.inbox import Inbox, Spool
from bot.delivery.outbox import Sender
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations


async def run(people: int, buttons: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        twilio = TwilioDouble()
        asked = {"content": 0}
        inner = twilio.app

        async def counting(scope, receive, send):  # type: ignore[no-untyped-def]
            if scope["type"] == "http" and scope["path"].startswith("/v1/Content"):
                asked["content"] += 1
            await inner(scope, receive, send)

        async with serve_asgi(counting) as twilio_url:
            twilio.base_url = twilio_url
            (folder / "copro.toml").write_text("\n".join([
                "[twilio]", f'account_sid = "{ACCOUNT}"', f'auth_token = "{TOKEN}"',
                'from_number = "+447700900000"', f'api_base_url = "{twilio_url}"',
                f'content_api_url = "{twilio_url}"', "max_inbound_per_minute = 100000",
                "[whatsapp]", 'from_number = "+447700900000"', "messages_per_second = 100000",
                f"quick_replies = {'true' if buttons else 'false'}", ""]))
            config = load_config(folder / "copro.toml", env={"COPRO_DATA_DIR": str(folder)})
            db = await fresh(f"sqlite+aiosqlite:///{folder / 'copro.db'}")
            conversations = Conversations(db, Library.load(), config)
            await conversations.register_flows()
            scheduler_for(conversations, config)
            metrics = Metrics()
            inbox = Inbox(conversations, Spool(folder / "spool"))
            channel = WhatsAppChannel(config, inbox, metrics)
            await channel.start()
            sender = Sender(db, {"whatsapp": channel}, config, metrics)
            times: list[float] = []
            send = channel.send

            async def timed(message):  # type: ignore[no-untyped-def]
                started = time.perf_counter()
                try:
                    return await send(message)
                finally:
                    times.append(time.perf_counter() - started)

            channel.send = timed  # type: ignore[method-assign]
            app = create_app(db, metrics, channel.routes(), ["whatsapp"])
            try:
                async with serve_asgi(app) as url, httpx.AsyncClient(timeout=60) as client:
                    hook = f"{url}/webhooks/twilio/whatsapp"
                    for n in range(people):
                        await twilio.text_copro(client, hook, f"whatsapp:+4477009{n:05d}", "Hello")
                    started = time.perf_counter()
                    await sender.drain()
                    took = time.perf_counter() - started
            finally:
                await channel.stop()
                await db.close()
            with_buttons = sum(1 for t in twilio.texts if t.buttons)
            assert len(twilio.texts) == people and with_buttons == (people if buttons else 0)
            return {"rate": people / took, "p50": statistics.median(times) * 1000,
                    "p99": sorted(times)[int(len(times) * 0.99) - 1] * 1000,
                    "content": asked["content"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3, help="each way, in turn; the best kept")
    args = parser.parse_args()
    print(f"{args.people} welcome questions on WhatsApp, SQLite, the Twilio double in process, "
          f"best of {args.rounds}")
    best: dict[bool, dict[str, float]] = {}
    for _ in range(args.rounds):
        for buttons in (False, True):
            got = asyncio.run(run(args.people, buttons))
            if buttons not in best or got["rate"] > best[buttons]["rate"]:
                best[buttons] = got
    print(f"{'':18} {'replies/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'Content API calls':>18}")
    for label, buttons in (("numbered (before)", False), ("quick replies", True)):
        got = best[buttons]
        print(f"{label:18} {got['rate']:10.0f} {got['p50']:8.1f} {got['p99']:8.1f} "
              f"{got['content']:18.0f}")


if __name__ == "__main__":
    main()
