"""Staff notices go where staff are: Telegram when a coordinator has it (buttons, photos),
else SMS, or the channel they chose; a reply to a command goes back the way it came."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from bot.app.wiring import scheduler_for
from bot.core.config import load_config
from bot.features.people import People, PeopleError
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import participants
from storage.db import Database
from tests.people import Clock, deliver, group, member, outbox

NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
ANN, CHRIS_SMS, CHRIS_TG = "+447700900001", "+447700900003", "503"


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def conversations(database: Database, tmp_path: Path, clock: Clock) -> Conversations:
    config = load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)})
    c = Conversations(database, Library.load(), config, clock=clock)
    await c.register_flows()
    scheduler_for(c, config, clock=clock)
    riverside = await group(database)
    await member(database, riverside, ANN, name="Ann", hours=(time(0), time(0)))
    chris = await member(database, riverside, CHRIS_SMS, name="Chris", role="coordinator")
    async with database.transaction() as s:  # Chris was invited to Telegram later
        person = await participants.get(s, chris.id)
        assert person is not None
        await participants.add_address(s, person, "telegram", CHRIS_TG)
    return c


async def claim(c: Conversations, activity: str) -> None:
    for text in ("expense", "2", "23", "yesterday", activity, "no receipt", "1", "1"):
        await c.receive("sms", ANN, text)


async def test_a_claim_notice_goes_to_the_coordinators_telegram_not_their_first_number(
    database: Database, conversations: Conversations, clock: Clock,
) -> None:
    await claim(conversations, "Planning meeting")
    assert await outbox(database, CHRIS_SMS) == []
    [offer] = await outbox(database, CHRIS_TG)
    assert offer.body.startswith("Expense claim 1 from Ann") and offer.display["buttons"]


async def test_a_coordinator_may_choose_sms_for_staff_notices(
    database: Database, conversations: Conversations, clock: Clock,
) -> None:
    async with database.transaction() as s:
        chris = await participants.find_by_address(s, "sms", CHRIS_SMS)
        assert chris is not None
        people = People(conversations.config, clock)
        assert await people.change(s, chris, staff_notices="sms") == ["channel for staff notices"]
    await claim(conversations, "Planning meeting")
    assert await outbox(database, CHRIS_TG) == []
    [offer] = await outbox(database, CHRIS_SMS)
    assert offer.body.startswith("Expense claim 1 from Ann") and "Reply APPROVE 1" in offer.body
    async with database.transaction() as s:
        chris = await participants.find_by_address(s, "sms", CHRIS_SMS)
        assert chris is not None
        assert await people.change(s, chris, staff_notices="auto") == ["channel for staff notices"]
        ann = await participants.find_by_address(s, "sms", ANN)
        assert ann is not None
        with pytest.raises(PeopleError, match="has no telegram address yet"):
            await people.change(s, ann, staff_notices="telegram")


async def test_claims_asked_for_on_telegram_are_answered_on_telegram(
    database: Database, conversations: Conversations, clock: Clock,
) -> None:
    async with database.transaction() as s:  # staff notices by SMS; the command comes by Telegram
        chris = await participants.find_by_address(s, "sms", CHRIS_SMS)
        assert chris is not None
        await People(conversations.config, clock).change(s, chris, staff_notices="sms")
    await claim(conversations, "Planning meeting")
    await deliver(database, CHRIS_SMS, clock.now)
    await conversations.receive("telegram", CHRIS_TG, "/claims")
    assert await outbox(database, CHRIS_SMS) == []  # the answer goes back the way it came
    [offer] = await outbox(database, CHRIS_TG)
    assert offer.body.startswith("Expense claim 1 from Ann") and offer.display["buttons"]
