"""Provider faults during a broadcast: about one send in five answered 5xx, and bursts of 429,
from the Bot API and Twilio doubles. Everyone still gets the message exactly once and the limits
hold.

Each person's refusals are planned from a seeded random generator, so a run can be repeated
exactly: a 5xx for about one send in five (at most ``MOST`` refusals for one person, well within
``outbox.max_attempts``), and 429 for everyone in a stretch of the group, whose messages go out
together: a burst. Telegram's 429s carry ``retry_after``; Twilio's do not, so copro's own
backoff applies.

Afterwards: each person got the broadcast once; each outbox row is ``sent`` with the provider's
id, after exactly the planned refusals; copro's pacing never tripped a limit (the Bot API double
enforces Telegram's flood limits; Twilio's rate is measured from when the texts it took arrived);
and no message was tried again before its wait was over: ``retry_after`` after a 429 from
Telegram, else at least the shortest backoff for that attempt.

As in ``bench/broadcast.py``, the limits are the providers' multiplied by ``scale`` so that a run
takes seconds, and the double runs in a process of its own, so that the times it records are
when copro's requests arrived, not when a busy shared event loop got round to them. The
``heavy`` variants (2,000 people) run only when asked for: ``make test ARGS='-m heavy'``.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import json
import random
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.app.wiring import scheduler_for
from bot.channels.sms.twilio import SmsChannel
from bot.channels.telegram.channel import TelegramChannel
from bot.core.clock import utcnow
from bot.core.config import Config, load_config
from bot.core.metrics import Metrics
from bot.delivery.channel import Channel
from bot.delivery.inbox import Inbox, Spool
from bot.delivery.outbox import Sender
from bot.features.broadcasts import Broadcasts
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import broadcasts as stored_broadcasts
from storage import groups, messages, participants
from storage.db import Database
from storage.models import Message
from tests.doubles.bot_api import TOKEN, BotApiDouble, Fault, too_many
from tests.doubles.twilio_api import ACCOUNT, TwilioDouble
from tests.doubles.twilio_api import TOKEN as TWILIO_TOKEN
from tests.doubles.twilio_api import Fault as TwilioFault
from tests.servers import free_port

SEED = 20261124
SHARE = 0.2  # of sends (429s aside) answered 5xx
MOST = 4  # refusals for one person's message at most; outbox.max_attempts is 8
FIRST_RETRY = 0.1  # outbox.first_retry_seconds, scaled down like the limits
MAX_RETRY = 1.0
TEXT = "The hall is closed on Friday; we meet in the library instead, same time."
TELEGRAM_OVERALL, TELEGRAM_PER_CHAT = 30, 1  # Telegram's limits, messages a second
TWILIO_RATE = 10  # twilio.segments_per_second's default
FROM = "+447700900000"

TELEGRAM_5XX = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
                504: "Gateway Timeout"}
TWILIO_5XX = {500: "Internal Server Error", 503: "Service Unavailable"}


@dataclass(frozen=True)
class Refusal:
    status: int
    retry_after: int | None = None  # Telegram's, with a 429


@dataclass(frozen=True)
class Burst:
    """429 for everyone from ``start`` to ``end`` (shares of the group, in sending order)."""

    start: float
    end: float
    times: int = 1  # 429s in a row for each of them
    retry_after: int | None = None


TELEGRAM_BURSTS = [Burst(0.02, 0.12, retry_after=2), Burst(0.30, 0.36, times=2, retry_after=1),
                   Burst(0.70, 0.76, retry_after=1)]
TWILIO_BURSTS = [Burst(0.02, 0.12), Burst(0.30, 0.36, times=2), Burst(0.70, 0.76)]


@dataclass(frozen=True)
class Size:
    people: int
    telegram_scale: float  # limits times Telegram's
    sms_scale: float  # the sending rate times twilio.segments_per_second's default
    seconds: float = 60  # the longest the sending may take


# Each enough sends for several seconds' worth of a limit, so that the limits are tested.
DEFAULT = Size(200, telegram_scale=4, sms_scale=10)
HEAVY = Size(2000, telegram_scale=6, sms_scale=15, seconds=100)
SIZES = [pytest.param(DEFAULT, id="200-people"),
         pytest.param(HEAVY, id="2000-people", marks=pytest.mark.heavy)]


def chats(size: Size) -> list[str]:
    return [str(10_000_000 + n) for n in range(size.people)]


def numbers(size: Size) -> list[str]:
    return [f"+4477009{1000 + n:05d}" for n in range(size.people)]


def plan(
    addresses: Sequence[str], errors: Sequence[int], bursts: Sequence[Burst]
) -> dict[str, list[Refusal]]:
    """The refusals each address gets before its message is accepted, in order."""
    rng = random.Random(SEED)
    planned = {}
    for n, address in enumerate(addresses):
        refusals = [Refusal(429, b.retry_after) for b in bursts
                    if b.start <= n / len(addresses) < b.end for _ in range(b.times)]
        while len(refusals) < MOST and rng.random() < SHARE:
            refusals.append(Refusal(rng.choice(errors)))
        planned[address] = refusals
    return planned


def telegram_plan(size: Size) -> dict[str, list[Refusal]]:
    return plan(chats(size), list(TELEGRAM_5XX), TELEGRAM_BURSTS)


def twilio_plan(size: Size) -> dict[str, list[Refusal]]:
    return plan(numbers(size), list(TWILIO_5XX), TWILIO_BURSTS)


def share_5xx(planned: dict[str, list[Refusal]]) -> float:
    """The share of sends other than 429s answered 5xx (each message ends in one accepted)."""
    errors = sum(r.status >= 500 for refusals in planned.values() for r in refusals)
    return errors / (errors + len(planned))


def least_wait(refusal: Refusal, attempt: int) -> float:
    """The shortest wait copro may leave after ``refusal`` answered try number ``attempt``."""
    if refusal.retry_after:
        return refusal.retry_after
    return min(FIRST_RETRY * 2 ** (attempt - 1), MAX_RETRY) / 2  # equal jitter: half at least


def busiest_second(times: Sequence[float]) -> int:
    """The most of ``times`` within any one second."""
    ordered = sorted(times)
    return max((bisect.bisect_left(ordered, start + 1.0) - i for i, start in enumerate(ordered)),
               default=0)


def check_waits(address: str, answers: list[tuple[int, float]], refusals: list[Refusal]) -> None:
    """``answers`` (status, arrival) to one address: the planned refusals, one acceptance, and
    each try no sooner after a refusal than its wait allows."""
    assert [status for status, _ in answers] == [r.status for r in refusals] + [200], address
    for attempt, (refusal, (_, refused_at), (_, next_at)) in enumerate(
            zip(refusals, answers, answers[1:], strict=False), start=1):
        wait = least_wait(refusal, attempt)
        assert next_at - refused_at >= wait, (
            f"{address}: tried again {next_at - refused_at:.3f} s after a {refusal.status} "
            f"(try {attempt}), before the {wait:g} s it had to wait")


# --- the doubles, in a process of their own --------------------------------------------------


def bot_api_double(size: Size) -> tuple[Starlette, Callable[[], dict[str, Any]]]:
    """The Bot API double enforcing Telegram's limits, scaled, with the planned refusals."""
    api = BotApiDouble(limit_overall=TELEGRAM_OVERALL * size.telegram_scale,
                       limit_per_chat=TELEGRAM_PER_CHAT * size.telegram_scale)
    for chat, refusals in telegram_plan(size).items():
        api.fail("sendMessage", chat, *[
            too_many(r.retry_after or 1) if r.status == 429
            else Fault(r.status, TELEGRAM_5XX[r.status]) for r in refusals])
    return api.app, lambda: {
        "calls": [[c.method, str(c.params.get("chat_id")), c.at, c.params.get("text"),
                   c.params.get("_message_id")] for c in api.calls],
        "refused_for_flood": api.refused_for_flood,
        "unused": sum(len(q) for q in api.faults.values()),
    }


def twilio_double(size: Size) -> tuple[Starlette, Callable[[], dict[str, Any]]]:
    """The Twilio double with the planned refusals."""
    twilio = TwilioDouble()
    for number, refusals in twilio_plan(size).items():
        twilio.fail(number, *[
            TwilioFault(429, 20429, "Too Many Requests") if r.status == 429
            else TwilioFault(r.status, None, TWILIO_5XX[r.status]) for r in refusals])
    return twilio.app, lambda: {
        "answered": twilio.answered,
        "texts": [[t.to, t.sid, t.body] for t in twilio.texts],
        "unused": sum(len(q) for q in twilio.faults.values()),
    }


def serve_double(kind: str, port: int, size: Size) -> None:
    """The double for ``kind`` on ``port`` until stopped; ``GET /record`` tells what it saw."""
    import uvicorn

    app, record = (bot_api_double if kind == "telegram" else twilio_double)(size)

    async def answer(request: Request) -> JSONResponse:
        return JSONResponse(record())

    app.router.routes.append(Route("/record", answer))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                timeout_keep_alive=120)


@contextlib.asynccontextmanager
async def double(kind: str, size: Size) -> AsyncIterator[str]:
    """The double for ``kind`` (telegram or twilio) running in another process; its URL."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", __spec__.name, kind, str(port), str(size.people),
        str(size.telegram_scale), str(size.sms_scale), cwd=Path(__file__).parents[2])
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            deadline = time.monotonic() + 90  # about a second alone; much more on a busy machine
            while True:
                try:
                    await client.get(f"{url}/record")
                    break
                except httpx.TransportError:
                    assert process.returncode is None, "the double stopped"
                    assert time.monotonic() < deadline, "the double did not start"
                    await asyncio.sleep(0.05)
        yield url
    finally:
        if process.returncode is None:
            process.terminate()
        await asyncio.wait_for(process.wait(), 15)


async def seen(url: str) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{url}/record", timeout=30)
    response.raise_for_status()
    found: dict[str, Any] = response.json()
    return found


# --- copro ---------------------------------------------------------------------------------


def settings(tmp_path: Path, section: str, keys: dict[str, object]) -> Config:
    """copro pointed at the double, retries scaled down like the limits; the rest (the batch
    size, the attempts) as copro runs by default."""
    lines = "\n".join(f"{k} = {json.dumps(v)}" for k, v in keys.items())
    path = tmp_path / "copro.toml"
    path.write_text(
        f"[{section}]\n{lines}\n"
        f"[outbox]\nidle_seconds = 0.02\nfirst_retry_seconds = {FIRST_RETRY}\n"
        f"max_retry_seconds = {MAX_RETRY}\n[checkins]\nenabled = false\n")
    return load_config(path, env={"COPRO_DATA_DIR": str(tmp_path)})


async def everyone(db: Database, channel: str, addresses: Sequence[str]) -> None:
    """A group of people who said yes, reachable at any hour (the test may run at night)."""
    async with db.transaction() as s:
        group = await groups.create_group(s, "Everyone")
        ids = await participants.create_many(s, [
            {"name": f"Person {n}", "channel": channel, "address": address, "consent_at": utcnow()}
            for n, address in enumerate(addresses)], at=utcnow())
        for person in (await participants.get_many(s, ids)).values():
            await participants.set_fields(s, person, contact_start=clock_time(0),
                                          contact_end=clock_time(0), at=utcnow())
        await groups.add_members(s, group, ids)


async def broadcast(db: Database, config: Config, conversations: Conversations) -> int:
    """Broadcast ``TEXT`` to the group and queue it (one scheduler tick); the broadcast's id."""
    async with db.transaction() as s:
        group = await groups.get_group_by_name(s, "Everyone")
        assert group is not None
        sent, reach = await Broadcasts(conversations, config).send(s, group, TEXT)
    await scheduler_for(conversations, config).tick()
    async with db.transaction() as s:
        assert sum((await messages.outbox_depth(s)).values()) == reach.people > 0
    return sent.id


async def send_everything(db: Database, sender: Sender, seconds: float) -> float:
    """Run the sender as ``copro run`` does until the outbox is empty; how long it took."""
    started = time.monotonic()
    sender.start()
    try:
        while True:
            async with db.transaction() as s:
                waiting = await messages.outbox_depth(s)
            if not waiting:
                return time.monotonic() - started
            assert time.monotonic() - started < seconds, f"still waiting after {seconds:g} s: {waiting}"
            await asyncio.sleep(0.05)
    finally:
        await sender.stop()


async def check_outbox(db: Database, config: Config, conversations: Conversations, channel: str,
                       broadcast_id: int, planned: dict[str, list[Refusal]],
                       provider_ids: dict[str, str]) -> None:
    """Every row ``sent`` with the provider's id, after exactly the planned refusals."""
    async with db.transaction() as s:
        rows = list(await s.scalars(select(Message).where(
            Message.direction == "out", Message.channel == channel).order_by(Message.id)))
        found = await stored_broadcasts.get(s, broadcast_id)
        assert found is not None
        summary = await Broadcasts(conversations, config).summary(s, found)
    assert sorted(m.address for m in rows) == sorted(planned)
    for row in rows:
        assert (row.status, row.provider_id, row.attempts) == (
            "sent", provider_ids[row.address], len(planned[row.address]) + 1), row.address
    assert summary == {"sent": len(planned), "delivered": 0, "read": 0, "failed": 0,
                       "opted_out": 0, "waiting": 0}


# --- the tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
async def test_a_telegram_broadcast_through_5xx_and_bursts_of_429_reaches_everyone_once(
    database: Database, tmp_path: Path, size: Size
) -> None:
    planned = telegram_plan(size)
    assert 0.15 < share_5xx(planned) < 0.25
    await everyone(database, "telegram", list(planned))
    async with double("telegram", size) as api_url:
        config = settings(tmp_path, "telegram", {
            "token": TOKEN, "api_base_url": api_url, "polling_timeout": 1,
            "messages_per_second": TELEGRAM_OVERALL * size.telegram_scale,
            "chat_messages_per_second": TELEGRAM_PER_CHAT * size.telegram_scale})
        conversations = Conversations(database, Library.load(), config)
        await conversations.register_flows()
        channel = TelegramChannel(config, Inbox(conversations, Spool(tmp_path / "spool")), Metrics())
        await channel.app.initialize()
        try:
            broadcast_id = await broadcast(database, config, conversations)
            channels: dict[str, Channel] = {"telegram": channel}
            await send_everything(database, Sender(database, channels, config), size.seconds)
        finally:
            await channel.app.shutdown()
        record = await seen(api_url)

    sends = [call for call in record["calls"] if call[0].startswith("sendMessage")]
    accepted = [call for call in sends if call[0] == "sendMessage"]
    assert Counter(chat for _, chat, *_ in accepted) == dict.fromkeys(planned, 1)  # once each
    assert {text for _, _, _, text, _ in accepted} == {TEXT}
    assert record["refused_for_flood"] == 0  # copro's pacing kept Telegram's limits throughout
    assert record["unused"] == 0  # every planned refusal was given
    answers: dict[str, list[tuple[int, float]]] = {chat: [] for chat in planned}
    for method, chat, at, _, _ in sends:
        answers[chat].append((int(method.partition("!")[2] or 200), at))
    for chat, refusals in planned.items():
        check_waits(chat, answers[chat], refusals)
    await check_outbox(database, config, conversations, "telegram", broadcast_id, planned,
                       {chat: str(message_id) for _, chat, _, _, message_id in accepted})


@pytest.mark.parametrize("size", SIZES)
async def test_an_sms_broadcast_through_5xx_and_bursts_of_429_reaches_every_number_once(
    database: Database, tmp_path: Path, size: Size
) -> None:
    planned = twilio_plan(size)
    assert 0.15 < share_5xx(planned) < 0.25
    rate = TWILIO_RATE * size.sms_scale
    await everyone(database, "sms", list(planned))
    async with double("twilio", size) as twilio_url:
        config = settings(tmp_path, "twilio", {
            "account_sid": ACCOUNT, "auth_token": TWILIO_TOKEN, "from_number": FROM,
            "api_base_url": twilio_url, "segments_per_second": rate})
        conversations = Conversations(database, Library.load(), config)
        await conversations.register_flows()
        channel = SmsChannel(config, Inbox(conversations, Spool(tmp_path / "spool")), Metrics())
        await channel.start()
        try:
            broadcast_id = await broadcast(database, config, conversations)
            channels: dict[str, Channel] = {"sms": channel}
            await send_everything(database, Sender(database, channels, config), size.seconds)
        finally:
            await channel.stop()
        record = await seen(twilio_url)

    texts = record["texts"]
    assert Counter(to for to, _, _ in texts) == dict.fromkeys(planned, 1)  # once each
    assert {body for _, _, body in texts} == {TEXT}
    assert record["unused"] == 0  # every planned refusal was given
    # Twilio counts the messages it takes (as the Bot API double does); refusals are not sends.
    busiest = busiest_second([at for _, status, at in record["answered"] if status == 201])
    assert busiest <= rate, f"{busiest} texts within one second; the limit is {rate:g}"
    answers: dict[str, list[tuple[int, float]]] = {number: [] for number in planned}
    for to, status, at in record["answered"]:
        answers[to].append((200 if status == 201 else status, at))
    for number, refusals in planned.items():
        check_waits(number, answers[number], refusals)
    await check_outbox(database, config, conversations, "sms", broadcast_id, planned,
                       {to: sid for to, sid, _ in texts})


if __name__ == "__main__":  # a double for the tests above: KIND PORT PEOPLE SCALES
    kind, port, people, telegram_scale, sms_scale = sys.argv[1:6]
    serve_double(kind, int(port), Size(int(people), float(telegram_scale), float(sms_scale)))
