"""Outbox priorities: safeguarding (urgent) goes first and is never held; bulk goes last."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app.wiring import scheduler_for
from bot.core.config import load_config
from bot.delivery.outbox import Sender
from bot.delivery.ratelimit import MARGIN, RateLimiter
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import messages, participants
from storage.db import Database
from tests.delivery.test_outbox import Scripted, config
from tests.features.test_alerts import ANN, CHRIS, SAM
from tests.features.test_alerts import setup as alert_setup
from tests.people import Clock, deliver, outbox

NIGHT = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # 23:30 in London: hours 08:00-21:00


async def put(db: Database, address: str, body: str, *, priority: str = messages.NORMAL,
              quiet: bool = False, channel: str = "telegram", at: datetime = NIGHT) -> int:
    async with db.transaction() as s:
        person = await participants.find_by_address(s, channel, address)
        if person is None:
            person = await participants.create(s, channel=channel, address=address)
        row = await messages.queue_outbound(
            s, participant_id=person.id, session_id=None, channel=channel, address=address,
            body=body, options=[], idempotency_key=None, at=at, quiet=quiet, priority=priority)
        assert row is not None
        return row.id


async def claimed(db: Database, limit: int) -> list[str]:
    async with db.transaction() as s:
        rows = await messages.claim(s, "telegram", now=NIGHT, limit=limit,
                                    lease_until=NIGHT + timedelta(minutes=2))
        return [m.body or "" for m in rows]


async def test_the_sender_takes_urgent_first_then_replies_then_bulk(database: Database) -> None:
    for n in range(3):
        await put(database, str(100 + n), f"broadcast {n}", priority=messages.BULK)
    await put(database, "200", "reply")
    await put(database, "300", "alert", priority=messages.URGENT)
    # With room for one message, the alert queued last is the one taken.
    assert await claimed(database, 1) == ["alert"]
    assert await claimed(database, 2) == ["reply", "broadcast 0"]


async def test_an_alert_to_a_lead_does_not_wait_behind_the_broadcast_queued_for_them(
    database: Database,
) -> None:
    await put(database, "100", "broadcast", priority=messages.BULK)
    await put(database, "100", "alert", priority=messages.URGENT)
    await put(database, "100", "next reply")
    # The lead gets the alert and the broadcast side by side; the reply still waits its turn.
    assert await claimed(database, 10) == ["alert", "broadcast"]


async def test_an_alert_at_night_goes_at_once_where_a_message_copro_starts_waits(
    database: Database, tmp_path: Path
) -> None:
    channel = Scripted()
    await put(database, "100", "reminder", quiet=True)
    alert = await put(database, "200", "alert", quiet=True, priority=messages.URGENT)
    await Sender(database, {"telegram": channel}, config(tmp_path), clock=lambda: NIGHT).drain()
    assert channel.sent == [("200", "alert")]  # the lead's phone rings at 23:30
    async with database.transaction() as s:
        found = await messages.get(s, alert)
        assert found is not None and found.status == "sent"


async def test_an_alert_is_not_held_by_the_hourly_text_cap(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "copro.toml"
    path.write_text("[twilio]\nmax_per_participant_per_hour = 2\n")
    cfg = load_config(path, env={"COPRO_DATA_DIR": str(tmp_path)})
    channel = Scripted("sms")
    lead = "+447700900123"
    for body in ("1", "2"):
        await put(database, lead, body, channel="sms")
    sender = Sender(database, {"sms": channel}, cfg, clock=lambda: NIGHT)
    await sender.drain()
    await put(database, lead, "3", channel="sms")
    await put(database, lead, "alert", channel="sms", priority=messages.URGENT)
    await sender.drain()
    # The lead has had their two texts this hour: the cap holds the third, never the alert.
    assert [body for _, body in channel.sent] == ["1", "2", "alert"]


async def test_an_urgent_send_takes_the_next_free_slot_ahead_of_those_waiting() -> None:
    limiter = RateLimiter()
    limit = [("sms:+447700900000", 10, 1.0)]  # one every 100 ms
    order: list[str] = []
    times: list[float] = []
    first = asyncio.Event()

    async def send(name: str, urgent: bool = False) -> None:
        await limiter.acquire(limit, urgent=urgent)
        order.append(name)
        times.append(time.monotonic())
        first.set()

    bulk = [asyncio.create_task(send(f"bulk {n}")) for n in range(12)]  # the last at 1.1 s
    await first.wait()
    started = time.monotonic()
    await send("alert", urgent=True)
    waited = time.monotonic() - started
    await asyncio.gather(*bulk)
    assert order.index("alert") == 1  # the next slot after the one already taken
    assert waited < 0.5
    # The limit still holds for it: no two sends closer together than the pace allows (less
    # the margin a late wake-up may take back).
    assert len(order) == 13
    assert min(b - a for a, b in itertools.pairwise(times)) > 0.1 - MARGIN - 0.005


async def test_a_broadcast_goes_after_the_replies_queued_behind_it(
    database: Database, tmp_path: Path
) -> None:
    async with database.transaction() as s:
        ids = await participants.create_many(s, [
            {"name": f"Person {n}", "channel": "telegram", "address": str(100 + n),
             "consent_at": NIGHT} for n in range(3)], at=NIGHT)
        await messages.queue_many(s, [
            {"participant_id": pid, "channel": "telegram", "address": str(100 + n),
             "body": "broadcast", "idempotency_key": f"b:{pid}"} for n, pid in enumerate(ids)],
            at=NIGHT)
    await put(database, "200", "reply")
    # Someone who just wrote in is answered before the group's broadcast goes on.
    assert await claimed(database, 1) == ["reply"]


async def test_an_alert_its_repeats_and_the_signposting_are_urgent_and_a_later_reply_is_not(
    database: Database, tmp_path: Path
) -> None:
    clock = Clock(NIGHT)
    config = load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)})
    conversations = Conversations(database, Library.load(), config, clock=clock)
    await conversations.register_flows()
    scheduler = scheduler_for(conversations, config, clock=clock)
    await alert_setup(database)
    await conversations.receive("sms", ANN, "check in")
    for answer in ("8", "8", "8", "2", "never"):
        await conversations.receive("sms", ANN, answer)
    await deliver(database, ANN, clock())
    await conversations.receive("sms", ANN, "Some days I want to end it all.")
    signposting = await outbox(database, ANN)
    assert signposting and {m.priority for m in signposting} == {messages.URGENT}
    assert any("Samaritans free on 116 123" in (m.body or "") for m in signposting)
    [alert] = await outbox(database, SAM)
    assert alert.priority == messages.URGENT
    await deliver(database, ANN, clock())
    await deliver(database, SAM, clock())
    clock.advance(minutes=30)
    await scheduler.tick()
    [again] = await outbox(database, SAM)
    [chris] = await outbox(database, CHRIS)
    assert (again.priority, chris.priority) == (messages.URGENT, messages.URGENT)
    await conversations.receive("sms", ANN, "menu")  # a new conversation: an everyday reply
    assert {m.priority for m in await outbox(database, ANN)} == {messages.NORMAL}


async def test_a_busy_channel_does_not_hold_up_an_alert_on_another(
    database: Database, tmp_path: Path
) -> None:
    telegram, sms = Scripted(), Scripted("sms")
    for n in range(6):  # a slow broadcast that keeps every sending slot busy
        telegram.script[str(100 + n)] = deque([3.0])
        await put(database, str(100 + n), "broadcast", priority=messages.BULK)
    sender = Sender(database, {"telegram": telegram, "sms": sms},
                    config(tmp_path, batch_size=2, idle_seconds=0.05), clock=lambda: NIGHT)
    sender.start()
    try:
        await asyncio.sleep(0.1)  # both slots taken by the broadcast
        await put(database, "+447700900123", "alert", channel="sms", priority=messages.URGENT)
        sender.wake()
        for _ in range(40):
            if sms.sent:
                break
            await asyncio.sleep(0.05)
        assert sms.sent == [("+447700900123", "alert")]
        assert telegram.sent == []  # it went while both broadcast sends were still under way
    finally:
        await sender.stop()
