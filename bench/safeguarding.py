"""How long a risk answer in a weekly check-in takes to reach the safeguarding lead's phone while a
broadcast to a whole group is being texted.

    .venv/bin/python bench/safeguarding.py                  # 1,000 people, Twilio's own rate
    .venv/bin/python bench/safeguarding.py --people 100     # a quick smoke run
    .venv/bin/python bench/safeguarding.py --night          # at 23:40, the lead's hours shut

copro texts through the Twilio double (on loopback, the SDK unmodified) at
``twilio.segments_per_second`` (10, Twilio's rate for one long code), with the
hourly cap ``twilio.max_per_participant_per_hour`` (30) already reached by the
lead. When ``--head-start`` broadcast texts have gone, Ann answers her check-in's
last question with words of risk; the figures are the seconds from her answer
until the alert reaches the lead's phone and the signposting reaches hers, and how
many broadcast texts reached Twilio in between. The sender runs as ``copro run``
runs it, on a clock that starts at the chosen hour and moves with real time.
After ``--give-up`` seconds without the alert, the run says so.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PG_URL, fresh
from bot.app.wiring import scheduler_for
from bot.channels.sms.twilio import SmsChannel
from bot.core.config import load_config
from bot.core.metrics import Metrics
from bot.delivery.inbox import Inbox, Spool
from bot.delivery.outbox import Sender
from bot.features.broadcasts import Broadcasts
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import groups, messages, participants
from tests.doubles.twilio_api import ACCOUNT, TOKEN, TwilioDouble
from tests.servers import serve_asgi

ANN, SAM, FROM = "+447700900001", "+447700900002", "+447700900000"
NOTICE = "The hall is closed on Friday; we meet in the library instead, same time."
RISK = "Some days I want to end it all."
MIDDAY = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
NIGHT = datetime(2026, 11, 24, 23, 40, tzinfo=UTC)  # outside the lead's hours (8am to 9pm)


def moving_from(start: datetime) -> Callable[[], datetime]:
    began = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - began)


async def first(twilio: TwilioDouble, to: str, words: str, seconds: float) -> float | None:
    """When (monotonic) the first text to ``to`` with ``words`` reached the double; None if not
    within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for text in twilio.texts:
            if text.to == to and words in text.body:
                return text.at
        await asyncio.sleep(0.02)
    return None


async def under_way(twilio: TwilioDouble, texts: int, seconds: float = 120) -> None:
    """Until ``texts`` broadcast texts have reached the double."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sum(t.body == NOTICE for t in twilio.texts) >= texts:
            return
        await asyncio.sleep(0.02)
    raise RuntimeError(f"the broadcast did not reach {texts} texts within {seconds:g} s")


async def run(url: str, args: argparse.Namespace, data: Path) -> dict[str, float | None]:
    start = NIGHT if args.night else MIDDAY
    clock = moving_from(start)
    db = await fresh(url)
    twilio = TwilioDouble()
    try:
        async with serve_asgi(twilio.app) as api_url:
            path = data / "copro.toml"
            path.write_text(
                f'[twilio]\naccount_sid = "{ACCOUNT}"\nauth_token = "{TOKEN}"\n'
                f'from_number = "{FROM}"\napi_base_url = "{api_url}"\n'
                f"segments_per_second = {args.rate}\nmax_per_participant_per_hour = {args.cap}\n"
                "[checkins]\nenabled = false\n")
            config = load_config(path, env={"COPRO_DATA_DIR": str(data)})
            conversations = Conversations(db, Library.load(), config, clock=clock)
            await conversations.register_flows()
            always = {"contact_start": clock_time(0), "contact_end": clock_time(0)}
            async with db.transaction() as s:
                group = await groups.create_group(s, "Riverside Voices")
                rows = [{"name": "Ann", "channel": "sms", "address": ANN, "consent_at": start},
                        {"name": "Sam", "channel": "sms", "address": SAM, "consent_at": start},
                        *({"name": f"Person {n}", "channel": "sms", "consent_at": start,
                           "address": f"+4477009{10000 + n:05d}"} for n in range(args.people))]
                ids = await participants.create_many(s, rows, at=start)
                people = await participants.get_many(s, ids)
                for pid in ids:
                    if pid != ids[1]:  # Sam keeps 8am to 9pm
                        await participants.set_fields(s, people[pid], at=start, **always)
                await groups.add_members(s, group, ids[:1] + ids[2:])
                await groups.add_members(s, group, ids[1:2], role="safeguarding")
                for n in range(args.cap):  # Sam has had the texts the hourly cap allows
                    earlier = await messages.queue_outbound(
                        s, participant_id=ids[1], session_id=None, channel="sms", address=SAM,
                        body=f"Earlier text {n}", options=[], idempotency_key=None,
                        at=start - timedelta(minutes=50))
                    assert earlier is not None
                    await messages.mark_sent(s, earlier, at=start - timedelta(minutes=50 - n))
            # Ann's check-in, up to the question whose answer may raise an alert.
            await conversations.receive("sms", ANN, "check in")
            for answer in ("8", "8", "8", "2", "never"):
                await conversations.receive("sms", ANN, answer)
            async with db.transaction() as s:
                for message in await messages.queued_for(s, "sms", now=clock()):
                    await messages.mark_sent(s, message, at=clock())
            channel = SmsChannel(config, Inbox(conversations, Spool(data / "spool")), Metrics())
            await channel.start()
            sender = Sender(db, {"sms": channel}, config, clock=clock)
            conversations.on_queued = sender.wake
            try:
                async with db.transaction() as s:
                    await Broadcasts(conversations, config, clock).send(s, group, NOTICE)
                await scheduler_for(conversations, config, clock=clock).tick()
                sender.start()
                await under_way(twilio, args.head_start)
                answered = time.monotonic()
                await conversations.receive("sms", ANN, RISK)
                to_sam = await first(twilio, SAM, "Safeguarding alert", args.give_up)
                left = args.give_up - (time.monotonic() - answered)
                to_ann = await first(twilio, ANN, "Samaritans", max(left, 0.1))
            finally:
                await sender.stop()
                await channel.stop()
    finally:
        await db.close()
    ahead = (sum(1 for t in twilio.texts if t.body == NOTICE and answered < t.at < to_sam)
             if to_sam is not None else None)
    return {"alert": None if to_sam is None else to_sam - answered,
            "signposting": None if to_ann is None else to_ann - answered,
            "ahead": ahead}


def seconds(value: float | None, give_up: float) -> str:
    return f"> {give_up:g}" if value is None else f"{value:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=10, help="twilio.segments_per_second")
    parser.add_argument("--cap", type=int, default=30, help="twilio.max_per_participant_per_hour")
    parser.add_argument("--head-start", type=int, default=20,
                        help="broadcast texts sent before the risk answer")
    parser.add_argument("--night", action="store_true", help="at 23:40, the lead's hours shut")
    parser.add_argument("--give-up", type=float, default=900, help="seconds to wait at most")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default=PG_URL, help="a scratch PostgreSQL database (wiped)")
    args = parser.parse_args()
    print(f"broadcast to {args.people:,} people by SMS at {args.rate:g} texts/s, the lead over "
          f"their {args.cap} texts an hour, {'23:40' if args.night else 'midday'}; "
          f"the risk answer after {args.head_start} broadcast texts\n")
    print(f"{'backend':<11} {'alert s':>9} {'signposting s':>14} {'broadcast texts between':>24}"
          "  target")
    with tempfile.TemporaryDirectory() as tmp:
        url = (f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}" if args.backend == "sqlite"
               else args.pg_url)
        got = asyncio.run(run(url, args, Path(tmp)))
    ahead = "-" if got["ahead"] is None else f"{got['ahead']:.0f}"
    print(f"{args.backend:<11} {seconds(got['alert'], args.give_up):>9} "
          f"{seconds(got['signposting'], args.give_up):>14} {ahead:>24}  alert < 60 s")


if __name__ == "__main__":
    main()
