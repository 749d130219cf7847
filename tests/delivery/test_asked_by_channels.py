"""What channels ask of the inbox, since they never touch the database themselves: whether a tapped
answer button is still live, delivery reports, an address that works again, coordinators' chats."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.config import load_config
from bot.delivery.inbox import Inbound, Inbox, Spool
from bot.delivery.receipts import Receipt
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import messages, participants
from storage.db import Database
from storage.models import Message
from tests import records
from tests.people import deliver, group, member

CHAT = "42"
CLOSED = "That question has closed. Please answer the latest one."


@pytest.fixture
async def inbox(database: Database, tmp_path: Path) -> Inbox:
    config = load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)})
    conversations = Conversations(database, Library.load(), config)
    await conversations.register_flows()
    return Inbox(conversations, Spool(tmp_path / "spool"))


async def question(inbox: Inbox, text: str) -> Message:
    """``CHAT`` says ``text`` on Telegram; the last thing copro says back (sent)."""
    db = inbox.conversations.db
    await inbox.conversations.receive("telegram", CHAT, text)
    await deliver(db, CHAT, inbox.conversations.clock())
    async with db.transaction() as s:
        return [m for m in await records.messages_of_address(s, CHAT) if m.direction == "out"][-1]


async def test_a_choice_counts_only_under_the_latest_question_of_a_live_session(inbox: Inbox) -> None:
    first = await question(inbox, "START")
    assert first.options == ["English", "Cymraeg"]
    tap = await inbox.tap("telegram", CHAT, first.id, 2)
    assert tap.live and tap.label == "Cymraeg"
    for number in (None, 0, 3):
        assert not (await inbox.tap("telegram", CHAT, first.id, number)).live
    elsewhere = await inbox.tap("telegram", "43", first.id, 1)  # someone else's question
    assert (elsewhere.label, elsewhere.notice) == (None, CLOSED)
    assert not (await inbox.tap("telegram", CHAT, None, 1)).live
    assert not (await inbox.tap("telegram", CHAT, first.id + 1000, 1)).live

    await inbox.conversations.receive("telegram", CHAT, "2")  # Cymraeg: the flow moves on
    await deliver(inbox.conversations.db, CHAT, inbox.conversations.clock())
    old = await inbox.tap("telegram", CHAT, first.id, 1)
    assert (old.label, old.notice) == (
        None, "Mae'r cwestiwn yna wedi cau. Atebwch yr un diweddaraf, os gwelwch yn dda.")
    assert await inbox.tapped_again("telegram", CHAT) == "Rydych chi wedi ateb hwn yn barod."
    assert await inbox.tapped_again("telegram", "43") == "You have answered this already."


async def test_a_question_asked_again_closes_the_old_buttons(inbox: Inbox) -> None:
    first = await question(inbox, "START")
    again = await question(inbox, "something copro does not understand")
    assert again.options == first.options and again.id != first.id
    assert not (await inbox.tap("telegram", CHAT, first.id, 1)).live
    assert (await inbox.tap("telegram", CHAT, again.id, 1)).label == "English"


async def test_delivery_reports_are_kept_and_stop_at_the_carrier_opts_the_number_out(
    inbox: Inbox, database: Database
) -> None:
    await inbox.conversations.receive("sms", "+447700900001", "hello")
    async with database.transaction() as s:
        [out] = [m for m in await records.messages_of_address(s, "+447700900001")
                 if m.direction == "out"]
        await messages.mark_sent(s, out, provider_id="SM1", at=inbox.conversations.clock())
    assert not await inbox.receipt(Receipt("sms", "SM-unknown", "delivered"))
    assert not await inbox.receipt(Receipt("telegram", "SM1", "delivered"))  # another channel's id
    assert await inbox.receipt(Receipt("sms", "SM1", "delivered"))
    assert await inbox.receipt(Receipt("sms", "SM1", "sent"))  # late, out of order: changes nothing
    async with database.transaction() as s:
        assert (await messages.get(s, out.id)).status == "delivered"  # type: ignore[union-attr]
        assert await participants.address_status(s, "sms", "+447700900001") == "ok"
    failed = Receipt("sms", "SM1", "failed", error="Twilio undelivered, error 21610",
                     address_status="opted_out")
    assert await inbox.receipt(failed)
    async with database.transaction() as s:
        kept = await messages.get(s, out.id)
        assert kept is not None and (kept.status, kept.error) == ("failed", failed.error)
        assert await participants.address_status(s, "sms", "+447700900001") == "opted_out"


async def test_an_unreachable_chat_that_writes_again_works_again(inbox: Inbox, database: Database) -> None:
    assert not await inbox.reachable_again("telegram", CHAT)  # no one has it
    async with database.transaction() as s:
        await participants.create(s, channel="telegram", address=CHAT)
    assert not await inbox.reachable_again("telegram", CHAT)  # it was never unreachable
    async with database.transaction() as s:
        await participants.set_address_status(s, "telegram", CHAT, "unreachable")
    assert await inbox.reachable_again("telegram", CHAT)
    async with database.transaction() as s:
        assert await participants.address_status(s, "telegram", CHAT) == "ok"


async def test_a_message_that_revives_its_address_makes_it_good_in_its_own_turn(
    inbox: Inbox, database: Database
) -> None:
    async with database.transaction() as s:
        await participants.create(s, channel="telegram", address=CHAT)
        await participants.set_address_status(s, "telegram", CHAT, "unreachable")
        await participants.create(s, channel="sms", address="+447700900002")
        await participants.set_address_status(s, "sms", "+447700900002", "unreachable")
    # A Telegram chat that writes again works again, in the transaction that handles what it
    # said, so it is answered: the welcome's first question goes to it.
    await inbox.hand_in(Inbound("message", "telegram", CHAT, "hello", revives=True))
    async with database.transaction() as s:
        assert await participants.address_status(s, "telegram", CHAT) == "ok"
        said = [m for m in await records.messages_of_address(s, CHAT) if m.direction == "out"]
    assert [m.status for m in said] == ["queued"]
    assert said[0].body.startswith("Hello")
    # A button tapped (not a message) revives its chat too; a text by SMS revives nothing.
    async with database.transaction() as s:
        await participants.set_address_status(s, "telegram", CHAT, "unreachable")
    await inbox.hand_in(Inbound("action", "telegram", CHAT, "nothing:1", revives=True))
    await inbox.hand_in(Inbound("message", "sms", "+447700900002", "hello"))
    async with database.transaction() as s:
        assert await participants.address_status(s, "telegram", CHAT) == "ok"
        assert await participants.address_status(s, "sms", "+447700900002") == "unreachable"


async def test_the_coordinators_chats_are_known(inbox: Inbox, database: Database) -> None:
    riverside = await group(database)
    await member(database, riverside, "101", channel="telegram", role="coordinator")
    await member(database, riverside, "102", channel="telegram")
    await member(database, riverside, "+447700900003", role="coordinator")
    assert await inbox.staff("telegram") == ["101"]
