"""Safeguarding alerts: raised by a check-in answer, sent at once, repeated until acknowledged."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from bot.app.wiring import scheduler_for
from bot.core.config import load_config
from bot.core.scheduler import Scheduler
from bot.delivery.channel import Outgoing, Sent
from bot.delivery.outbox import Sender
from bot.features.alerts import Alerts
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import alerts, jobs, participants
from storage.db import Database
from tests import records
from tests.people import Clock, deliver, group, member, outbox

NIGHT = datetime(2026, 11, 24, 23, 40, tzinfo=UTC)  # 23:40 in London: outside contact hours
ANN, SAM, CHRIS = "+447700900001", "+447700900002", "+447700900003"


@pytest.fixture
def clock() -> Clock:
    return Clock(NIGHT)


@pytest.fixture
async def conversations(database: Database, tmp_path: Path, clock: Clock) -> Conversations:
    config = load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)})
    c = Conversations(database, Library.load(), config, clock=clock)
    await c.register_flows()
    return c


@pytest.fixture
def scheduler(conversations: Conversations, clock: Clock) -> Scheduler:
    return scheduler_for(conversations, conversations.config, clock=clock)


async def check_in(c: Conversations, address: str, note: str) -> list[str]:
    """A whole weekly check-in by text, ending with ``note``; returns what copro said last."""
    await c.receive("sms", address, "check in")
    for answer in ("8", "8", "8", "2", "never"):
        await c.receive("sms", address, answer)
    await deliver(c.db, address, c.clock())
    await c.receive("sms", address, note)
    return await deliver(c.db, address, c.clock())


async def setup(db: Database, *, lead: bool = True) -> None:
    riverside = await group(db)
    await member(db, riverside, ANN, name="Ann")
    await member(db, riverside, SAM, name="Sam", role="safeguarding" if lead else "member")
    await member(db, riverside, CHRIS, name="Chris", role="coordinator")


async def test_a_risk_answer_at_night_reaches_the_safeguarding_lead_at_once(
    database: Database, conversations: Conversations, scheduler: Scheduler
) -> None:
    await setup(database)
    said = await check_in(conversations, ANN, "Some days I want to end it all.")
    assert any("Samaritans free on 116 123" in text for text in said)  # Ann is signposted
    [alert] = await outbox(database, SAM)
    assert alert.quiet is False  # never held for contact hours
    assert alert.body is not None and alert.body.startswith(
        "Safeguarding alert 1, Tuesday 24 November at 11:40pm. URGENT: Ann wrote something in "
        'their weekly check-in that may mean they are at risk: "Some days I want to end it all.".'
    )
    assert f"To reach Ann: {ANN} (phone)." in alert.body
    assert "To write to them through copro: /message 1 and your words." in alert.body
    assert alert.body.endswith("When someone is looking after this, reply ACK 1.")
    assert alert.display == {"buttons": [{"label": "I am looking after this", "data": "alert:1:ack"}]}
    assert await outbox(database, CHRIS) == []  # the lead first; coordinators if no one acts

    class Phone:
        name = "sms"

        def __init__(self) -> None:
            self.got: list[str] = []

        def cost(self, message: Outgoing) -> int:
            return 1

        def limits(self, message: Outgoing) -> list[tuple[str, float, float]]:
            return []

        async def send(self, message: Outgoing) -> Sent:
            self.got.append(message.address)
            return Sent(provider_id=f"SM{message.id}")

    phone = Phone()
    await Sender(database, {"sms": phone}, conversations.config, clock=lambda: NIGHT).drain()
    assert SAM in phone.got  # delivered in the middle of the night


async def test_without_a_safeguarding_lead_the_coordinators_are_alerted(
    database: Database, conversations: Conversations, scheduler: Scheduler
) -> None:
    await setup(database, lead=False)
    await check_in(conversations, ANN, "i feel like i want to die")
    [alert] = await outbox(database, CHRIS)
    assert "Safeguarding alert 1" in (alert.body or "")
    assert await outbox(database, SAM) == []


@pytest.mark.parametrize("note", [
    "I killed it at bingo on Saturday!",
    "Unscared of the dark now",
    "Talking about abusive comments online at the next meeting would be good",
    "My knee hurts when it rains",
])
async def test_everyday_words_are_not_alarms(
    database: Database, conversations: Conversations, scheduler: Scheduler, note: str
) -> None:
    await setup(database)
    said = await check_in(conversations, ANN, note)
    assert any("Thank you" in text for text in said)
    assert await outbox(database, SAM) == [] and await outbox(database, CHRIS) == []
    async with database.transaction() as s:
        assert await alerts.listed(s) == []


@pytest.mark.parametrize("note", [
    "The new bus timetable is pointless",
    "I would never hurt myself, but I can't cope at the moment",
])
async def test_a_note_worth_a_gentle_word_goes_to_the_coordinator_not_as_an_alarm(
    database: Database, conversations: Conversations, scheduler: Scheduler, note: str
) -> None:
    await setup(database)
    said = await check_in(conversations, ANN, note)
    # Ann is told the coordinator knows, so they can check in with her; no alarm is raised.
    assert any("coordinator know" in text for text in said)
    assert await outbox(database, SAM) == []
    [notice] = await outbox(database, CHRIS)
    assert note in (notice.body or "") and "Safeguarding alert" not in (notice.body or "")
    async with database.transaction() as s:
        assert await alerts.listed(s) == []


async def test_an_alert_is_repeated_to_coordinators_until_acknowledged_by_text(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock
) -> None:
    await setup(database)
    await check_in(conversations, ANN, "he hits me when he drinks")
    await deliver(database, SAM, clock.now)
    clock.advance(minutes=29)
    await scheduler.tick()
    assert await outbox(database, SAM) == [] and await outbox(database, CHRIS) == []
    clock.advance(minutes=1)
    await scheduler.tick()
    [again] = await outbox(database, SAM)
    [chris] = await outbox(database, CHRIS)
    assert again.body is not None and again.body.startswith("STILL NOT ACKNOWLEDGED, sent 2 times.")
    assert chris.body == again.body
    await deliver(database, SAM, clock.now)
    await deliver(database, CHRIS, clock.now)

    await conversations.receive("sms", SAM, "ack 1")
    [thanks] = await deliver(database, SAM, clock.now)
    assert thanks == "Thank you. Alert 1 about Ann is marked as looked after by you."
    [told] = await deliver(database, CHRIS, clock.now)
    assert told == "Alert 1 about Ann is being looked after by Sam."
    clock.advance(hours=3)
    await scheduler.tick()
    assert await outbox(database, SAM) == [] and await outbox(database, CHRIS) == []
    async with database.transaction() as s:
        [alert] = await alerts.listed(s)
        assert alert.acknowledged_at is not None and alert.sent_count == 2
        assert [e.kind for e in await records.audit_events(s) if e.kind.startswith("alert")] == [
            "alert_raised", "alert_acknowledged",
        ]
        planned = await jobs.about(s, "alert:1")
        assert [j.status for j in planned] == ["done", "cancelled"]


async def test_repeats_stop_after_the_configured_number(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock
) -> None:
    await setup(database)
    await check_in(conversations, ANN, "I took an overdose")
    for _ in range(10):
        clock.advance(minutes=30)
        await scheduler.tick()
    sent = [m for m in await outbox(database, SAM) if "alert 1" in (m.body or "")]
    assert len(sent) == 1 + conversations.config.safeguarding.max_repeats


async def test_the_button_acknowledges_and_a_second_tap_says_who_has_it(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock
) -> None:
    await setup(database)
    await check_in(conversations, ANN, "I want to hurt myself")
    await deliver(database, SAM, clock.now)
    assert await conversations.act("sms", SAM, "alert:1:ack") is True
    assert await deliver(database, SAM, clock.now) == [
        "Thank you. Alert 1 about Ann is marked as looked after by you."]
    await deliver(database, CHRIS, clock.now)
    assert await conversations.act("sms", CHRIS, "alert:1:ack") is True
    assert await deliver(database, CHRIS, clock.now) == [
        "Alert 1 about Ann is being looked after by Sam."]


async def test_a_member_cannot_see_or_acknowledge_an_alert(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock
) -> None:
    await setup(database)
    riverside_member = await member(database, await group(database, "Other group"),
                                    "+447700900009", name="Dee", hours=(time(0), time(0)))
    await check_in(conversations, ANN, "I am scared to go home")
    await conversations.receive("sms", riverside_member.address, "ACK 1")
    assert await deliver(database, riverside_member.address, clock.now) == [
        "Sorry, I cannot find alert 1 for you. Please check the number."]
    async with database.transaction() as s:
        [alert] = await alerts.listed(s)
        assert alert.acknowledged_at is None


async def test_the_command_line_acknowledges_with_a_note(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock
) -> None:
    await setup(database)
    await check_in(conversations, ANN, "nobody would care if I was gone, no point")
    handler = Alerts(conversations, conversations.config, clock)
    async with database.transaction() as s:
        done = await handler.acknowledge(s, 1, None, "Called Ann; she is safe with her sister.")
    assert done is not None and done.acknowledged_note == "Called Ann; she is safe with her sister."
    told = await deliver(database, SAM, clock.now)
    assert told[-1] == "Alert 1 about Ann is being looked after by a coordinator (from the command line)."


async def test_only_those_who_could_be_sent_an_alert_may_acknowledge_it(
    database: Database, conversations: Conversations, scheduler: Scheduler
) -> None:
    await setup(database)
    hillside = await group(database, "Hillside Carers")
    await member(database, hillside, "+447700900010", name="Hal", role="coordinator")
    await member(database, hillside, "+447700900011", name="Ida", role="safeguarding")
    await member(database, await group(database, "Admins"), "+447700900012", name="Ada")
    async with database.transaction() as s:
        ada = await participants.find_by_address(s, "sms", "+447700900012")
        assert ada is not None
        await participants.set_admin(s, ada, True)
    await check_in(conversations, ANN, "I want to end it all")
    # Another group's coordinator and lead, and Ann herself, are told there is no such alert.
    for who in ("+447700900010", "+447700900011", ANN):
        await conversations.receive("sms", who, "ACK 1")
        [answer] = await deliver(database, who, conversations.clock())
        assert "1" in answer and "looking after" not in answer, answer
        assert await conversations.act("sms", who, "alert:1:ack") is True
        async with database.transaction() as s:
            [alert] = await alerts.listed(s)
            assert alert.acknowledged_at is None
    # An admin may: they can act for every group.
    await conversations.receive("sms", "+447700900012", "ACK 1")
    async with database.transaction() as s:
        [alert] = await alerts.listed(s)
        assert alert.acknowledged_at is not None
