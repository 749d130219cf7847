"""A notice held overnight by contact hours is looked at again as it goes in the morning:
withdrawn when it is no longer true, or given its words as they are now."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from bot.app.wiring import scheduler_for
from bot.core.config import load_config
from bot.core.scheduler import Scheduler
from bot.delivery.outbox import Sender
from bot.features.broadcasts import Broadcasts
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import groups, messages, participants
from storage.db import Database
from tests import records
from tests.delivery.test_outbox import Scripted
from tests.people import Clock, group, member

LATE = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)  # London keeps UTC in November
MORNING = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
ANN, CHRIS, EVE = "+447700900001", "500", "600"
ALWAYS = (time(0), time(0))  # contact at any hour


@pytest.fixture
def clock() -> Clock:
    return Clock(LATE)


@pytest.fixture
async def conversations(database: Database, tmp_path: Path, clock: Clock) -> Conversations:
    path = tmp_path / "copro.toml"
    path.write_text("[checkins]\nenabled = false\n")
    config = load_config(path, env={"COPRO_DATA_DIR": str(tmp_path)})
    c = Conversations(database, Library.load(), config, clock=clock)
    await c.register_flows()
    riverside = await group(database)
    await member(database, riverside, ANN, name="Ann", hours=ALWAYS)
    await member(database, riverside, CHRIS, name="Chris", role="coordinator", channel="telegram")
    await member(database, riverside, EVE, name="Eve", role="coordinator", channel="telegram",
                 hours=ALWAYS)
    return c


@pytest.fixture
def scheduler(conversations: Conversations, clock: Clock) -> Scheduler:
    return scheduler_for(conversations, conversations.config, clock=clock)


@pytest.fixture
def phones() -> dict[str, Scripted]:
    return {"sms": Scripted("sms"), "telegram": Scripted("telegram")}


@pytest.fixture
def sender(conversations: Conversations, scheduler: Scheduler, clock: Clock,
           phones: dict[str, Scripted]) -> Sender:
    return Sender(conversations.db, phones, conversations.config, clock=clock,
                  hooks=conversations.hooks)


async def claim(c: Conversations, activity: str) -> None:
    for text in ("expense", "2", "23", "yesterday", activity, "no receipt", "1", "1"):
        await c.receive("sms", ANN, text)


def got(phones: dict[str, Scripted], address: str) -> list[str]:
    return [body for phone in phones.values() for to, body in phone.sent if to == address]


async def test_a_claim_decided_overnight_is_not_offered_again_in_the_morning(
    database: Database, conversations: Conversations, sender: Sender, clock: Clock,
    phones: dict[str, Scripted],
) -> None:
    await claim(conversations, "Planning meeting")
    await claim(conversations, "Board meeting")
    await sender.drain()
    assert len([b for b in got(phones, EVE) if b.startswith("Expense claim")]) == 2  # Eve is up
    assert got(phones, CHRIS) == []  # Chris's contact hours are shut: both held
    assert await conversations.act("telegram", EVE, "claim:1:approve")  # decided overnight
    clock.set(MORNING)
    await sender.drain()
    # Chris is offered only the claim still waiting for a decision, with its buttons.
    morning = got(phones, CHRIS)
    assert len(morning) == 1 and morning[0].startswith("Expense claim 2 from Ann")
    async with database.transaction() as s:
        to_chris = [m for m in await records.messages_of_address(s, CHRIS) if m.direction == "out"]
    assert [(m.topic, m.status, m.error) for m in to_chris] == [
        ("claim:1", "failed", "withdrawn: claim 1 is already approved"),
        ("claim:2", "sent", None),
    ]


async def test_a_broadcast_summary_held_overnight_says_what_is_true_in_the_morning(
    database: Database, conversations: Conversations, scheduler: Scheduler, sender: Sender,
    clock: Clock, phones: dict[str, Scripted],
) -> None:
    clock.set(datetime(2026, 11, 24, 20, 30, tzinfo=UTC))
    async with database.transaction() as s:
        chris = await participants.find_by_address(s, "telegram", CHRIS)
        riverside = await groups.get_group_by_name(s, "Riverside Voices")
        assert riverside is not None
        _, reach = await Broadcasts(conversations, conversations.config, clock).send(
            s, riverside, "The hall is closed on Friday.", by=chris)
    assert (reach.now, reach.later) == (3, 0)
    await scheduler.tick()
    await sender.drain()
    assert got(phones, ANN) == ["The hall is closed on Friday."]
    clock.set(datetime(2026, 11, 24, 21, 30, tzinfo=UTC))
    await scheduler.tick()  # the summary is due; Chris's hours are shut, so it is held
    await sender.drain()
    assert [b for b in got(phones, CHRIS) if "Your message" in b] == []
    async with database.transaction() as s:  # overnight, the phones report delivery
        for m in await records.messages_of_address(s, ANN):
            if m.direction == "out" and m.provider_id:
                await messages.set_delivery(s, "sms", m.provider_id, "delivered", error=None,
                                            at=clock.now)
    clock.set(MORNING)
    await sender.drain()
    assert [b for b in got(phones, CHRIS) if "Your message" in b] == [
        "Your message to Riverside Voices: 3 sent, 1 delivered, 0 failed, 0 not sent (opted out or "
        "no way to reach them)."]

