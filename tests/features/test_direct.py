"""One message from a coordinator or safeguarding lead to one participant: who may send it,
STOP kept, contact hours kept unless a safeguarding lead sends it urgently, all audited."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app.wiring import scheduler_for
from bot.core.config import load_config
from bot.features.direct import Direct, DirectError
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import messages, participants
from storage.db import Database
from tests import records
from tests.people import Clock, deliver, group, member, outbox

NIGHT = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)  # outside everyone's contact hours
ANN, SAM, LEE, BEN = "+447700900001", "900", "901", "+447700900002"


@pytest.fixture
def clock() -> Clock:
    return Clock(NIGHT)


@pytest.fixture
async def conversations(database: Database, tmp_path: Path, clock: Clock) -> Conversations:
    config = load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)})
    c = Conversations(database, Library.load(), config, clock=clock)
    await c.register_flows()
    scheduler_for(c, config, clock=clock)
    riverside = await group(database)
    await member(database, riverside, ANN, name="Ann")
    await member(database, riverside, BEN, name="Ben")
    await member(database, riverside, SAM, name="Sam", role="coordinator", channel="telegram")
    await member(database, riverside, LEE, name="Lee", role="safeguarding", channel="telegram")
    return c


async def test_a_coordinator_messages_one_person_in_their_contact_hours(
    database: Database, conversations: Conversations, clock: Clock,
) -> None:
    await conversations.receive("telegram", SAM, "/message 1 Are you coming on Friday?")
    assert await deliver(database, SAM, clock.now) == [
        "Your message to Ann waits for their contact hours: it goes by sms on Wednesday 25 "
        "November at 8am. Their reply comes to copro, not to you."]
    [waiting] = await outbox(database, ANN)
    assert waiting.body == "A message from Sam: Are you coming on Friday?"
    assert waiting.quiet and waiting.priority == messages.NORMAL  # held by contact hours
    async with database.transaction() as s:
        [told] = await records.audit_events(s, kind="direct_message")
    assert told.actor == "participant:3" and told.participant_id == 1
    assert told.details["urgent"] is False


async def test_only_a_safeguarding_lead_may_send_urgently(
    database: Database, conversations: Conversations, clock: Clock,
) -> None:
    await conversations.receive("telegram", SAM, "/message 1 urgent Please call me")
    assert await deliver(database, SAM, clock.now) == [
        "Not sent: only a safeguarding lead may send a message outside someone's contact hours."]
    assert await outbox(database, ANN) == []
    await conversations.receive("telegram", LEE, "/message 1 urgent Please call me tonight")
    assert (await deliver(database, LEE, clock.now))[0].startswith(
        "Your message to Ann is going now by sms.")
    [now] = await outbox(database, ANN)
    assert not now.quiet and now.priority == messages.URGENT
    async with database.transaction() as s:
        [told] = await records.audit_events(s, kind="direct_message")
    assert told.actor == "participant:4" and told.details["urgent"] is True


async def test_stop_is_kept_and_strangers_are_refused(
    database: Database, conversations: Conversations, clock: Clock,
) -> None:
    async with database.transaction() as s:
        ben = await participants.find_by_address(s, "sms", BEN)
        assert ben is not None
        await participants.opt_out(s, ben, at=clock.now)
    await conversations.receive("telegram", LEE, "/message 2 urgent Hello")
    assert await deliver(database, LEE, clock.now) == [
        "Not sent: Ben has opted out (sent STOP): copro does not text them."]
    assert await outbox(database, BEN) == []
    await conversations.receive("telegram", SAM, "/message 99 Hello")
    assert await deliver(database, SAM, clock.now) == [
        "Not sent: there is no participant 99 in your groups."]
    async with database.transaction() as s:  # a member may not message another member
        ann = await participants.find_by_address(s, "sms", ANN)
        ben = await participants.find_by_address(s, "sms", BEN)
        assert ann is not None and ben is not None
        with pytest.raises(DirectError, match="not a coordinator or safeguarding lead"):
            await Direct(conversations, conversations.config, clock).send(s, ann, "hi", by=ben)


async def test_a_member_typing_message_and_a_number_is_not_taken_for_the_command(
    database: Database, conversations: Conversations, clock: Clock,
) -> None:
    await conversations.receive("sms", ANN, "message 2 hello")
    assert await outbox(database, BEN) == []
    [answer] = await deliver(database, ANN, clock.now)
    assert not answer.startswith("Not sent")  # her words go to her own conversation
