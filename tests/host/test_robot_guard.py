"""The robot guard tells another system's auto-replies from a person in distress, and
never stops copro hearing risk."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app.wiring import scheduler_for
from bot.core.config import load_config
from bot.core.scheduler import Scheduler
from bot.flowfiles.library import Library
from bot.host import robots
from bot.host.conversations import Conversations
from bot.language.render import numbered
from storage import alerts
from storage.db import Database
from tests import records
from tests.people import Clock, deliver, group, member, outbox

NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)  # a Tuesday morning: no one's quiet hours
ANN, SAM, CHRIS = "+447700900001", "+447700900002", "+447700900003"
AWAY = "Thank you for your message. I am away from the office until Monday."
DISTRESS = [
    f"{feeling} {when}"
    for feeling in ("I feel so alone", "nobody rings me", "I cannot stop crying", "my chest is tight",
                    "everything is too much")
    for when in ("tonight", "since the funeral", "again today", "and I am frightened",
                 "every morning", "whenever the house goes quiet")
]


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def conversations(database: Database, tmp_path: Path, clock: Clock) -> Conversations:
    path = tmp_path / "copro.toml"
    path.write_text("[checkins]\nenabled = false\n")
    config = load_config(path, env={"COPRO_DATA_DIR": str(tmp_path)})
    assert config.twilio.max_inbound_per_minute == 20  # the default
    c = Conversations(database, Library.load(), config, clock=clock)
    await c.register_flows()
    return c


@pytest.fixture
def scheduler(conversations: Conversations, clock: Clock) -> Scheduler:
    return scheduler_for(conversations, conversations.config, clock=clock)  # with alerts


@pytest.fixture
async def riverside(database: Database) -> None:
    voices = await group(database)
    await member(database, voices, ANN, name="Ann")
    await member(database, voices, SAM, name="Sam", role="safeguarding")
    await member(database, voices, CHRIS, name="Chris", role="coordinator")


async def test_a_flood_is_muted_and_told_once_and_a_disclosure_after_it_is_still_heard(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock,
    riverside: None,
) -> None:
    answered = 0
    for _ in range(30):  # an out-of-office reply on Ann's phone, every 2 seconds
        await conversations.receive("sms", ANN, AWAY)
        answered += len(await deliver(database, ANN, clock.now)) > 0
        clock.advance(seconds=2)
    assert answered == 20  # up to the limit it might be a person; after it, no answers
    told = await deliver(database, CHRIS, clock.now)
    assert len(told) == 1  # Chris, the coordinator, is told once, not once a text
    assert "stopped answering Ann (+447700900001) for an hour" in told[0]
    assert "that repeat each other" in told[0]

    await conversations.receive("sms", ANN, "please help me I want to end it all")
    said = await deliver(database, ANN, clock.now)
    # Still muted, Ann reads the crisis numbers; nothing else of copro's answers her.
    assert len(said) == 1 and "Samaritans free on 116 123" in said[0]
    [alert] = await deliver(database, SAM, clock.now)
    assert "I want to end it all" in alert  # Sam, the lead, is told at once
    assert await deliver(database, CHRIS, clock.now) == []  # the muting is not told again
    clock.advance(seconds=2)
    await conversations.receive("sms", ANN, "please help me I want to end it all")
    [again] = await deliver(database, ANN, clock.now)
    assert "Samaritans free on 116 123" in again  # the same words again: the numbers again,
    assert await deliver(database, SAM, clock.now) == []  # but Sam is not alerted twice
    async with database.transaction() as s:
        [raised] = await alerts.listed(s)
        assert raised.reason == "message-risk"
        assert len(await records.audit_events(s, kind="robot_suspected")) == 1


async def test_a_person_sending_many_different_texts_is_answered_not_muted(
    database: Database, conversations: Conversations, clock: Clock, riverside: None,
) -> None:
    assert len(set(DISTRESS)) == 30
    for text in DISTRESS:  # thirty texts of her own in a minute
        await conversations.receive("sms", ANN, text)
        clock.advance(seconds=2)
    await deliver(database, ANN, clock.now)
    await conversations.receive("sms", ANN, "is anyone there")
    assert await deliver(database, ANN, clock.now)  # Ann is still answered
    assert await outbox(database, CHRIS) == []  # no one is told she is a robot
    async with database.transaction() as s:
        assert await records.audit_events(s, kind="robot_suspected") == []


async def test_a_slow_robot_that_echoes_copro_is_muted(
    database: Database, conversations: Conversations, clock: Clock, riverside: None,
) -> None:
    await conversations.receive("sms", ANN, "hello")
    answers = 0
    for _ in range(10):  # a system that sends back whatever it is sent, five seconds later
        last = (await outbox(database, ANN, statuses=("queued", "sent")))[-1]
        await deliver(database, ANN, clock.now)
        clock.advance(seconds=5)
        await conversations.receive("sms", ANN, numbered(last.body or "", last.options or []))
        answers += len(await outbox(database, ANN)) > 0
    assert answers == 2  # copro's own words back a third time: it stops answering
    [told] = await deliver(database, CHRIS, clock.now)
    assert "repeating copro's own words back" in told
    async with database.transaction() as s:
        [event] = await records.audit_events(s, kind="robot_suspected")
        assert event.details["echo"] is True


def test_numbers_aside_repeats_are_repeats_and_short_answers_are_not_echoes() -> None:
    assert robots.skeleton("Auto reply 12: I am away") == robots.skeleton("Auto reply 13: I am away")
    assert robots.skeleton("7") != robots.skeleton("8")  # two answers, not one repeated
    assert robots.echoes("Re: Which day suits you? Reply 1, 2 or 3", "Which day suits you?")
    assert not robots.echoes("yes", "Reply YES")  # answering is not echoing
