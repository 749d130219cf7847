"""Telegram's own polls: a quick poll goes to Telegram members as ``sendPoll`` (not anonymous,
so each ``poll_answer`` comes back), counted with SMS answers; a changed vote replaces the old
one, closing the poll stops Telegram's, and buttons stay where Telegram's poll cannot be used."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.scheduler import Scheduler
from bot.delivery.outbox import Sender
from bot.features.polls import Polls
from bot.host.conversations import Conversations
from storage import polls
from storage.db import Database
from storage.models import Group
from tests.doubles.bot_api import BotApiDouble, Call
from tests.people import Clock, deliver, member
from tests.telegram_copro import telegram_copro

NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)  # inside everyone's contact hours
ANN, CAI = 1001, 1003
DAYS = [{"en": "Tuesday", "cy": "Dydd Mawrth"}, {"en": "Wednesday", "cy": "Dydd Mercher"},
        {"en": "Thursday", "cy": "Dydd Iau"}]


@dataclass
class Rig:
    api: BotApiDouble
    db: Database
    conversations: Conversations
    scheduler: Scheduler
    sender: Sender
    polls: Polls
    clock: Clock
    riverside: Group

    async def make_poll(self, options: list[dict[str, str]], multiple: bool = False) -> int:
        async with self.db.transaction() as s:
            poll = await self.polls.create(
                s, self.riverside, question={"en": "Which day suits you?",
                                             "cy": "Pa ddiwrnod sy'n gyfleus?"},
                options=options, closes_at=NOW + timedelta(days=3), multiple=multiple)
        await self.scheduler.tick()
        await self.sender.drain()
        return poll.id

    async def votes(self, poll_id: int) -> dict[int, tuple[list[int], str]]:
        async with self.db.transaction() as s:
            return {v.participant_id: (v.choices, v.channel) for v in await polls.votes(s, poll_id)}

    async def vote(self, chat: int, on: Call, *choices: int) -> None:
        """``chat`` votes in Telegram's poll; waits until copro has taken it in."""
        before = len([c for c in self.api.calls if c.method == "getUpdates"])
        self.api.queue(self.api.vote(chat, on, *choices))
        deadline = time.monotonic() + 10
        while len([c for c in self.api.calls if c.method == "getUpdates"]) < before + 2:
            assert time.monotonic() < deadline, "the vote was not fetched"
            await asyncio.sleep(0.02)
        await self.sender.drain()


@pytest.fixture
async def rig(database: Database, tmp_path: Path) -> AsyncIterator[Rig]:
    clock = Clock(NOW)
    async with telegram_copro(database, tmp_path, clock) as c:
        yield Rig(c.api, database, c.conversations, c.scheduler, c.sender,
                  Polls(c.conversations, c.config, clock), clock, c.riverside)


async def test_telegram_votes_in_its_own_poll_count_with_texted_answers(rig: Rig) -> None:
    ann = await member(rig.db, rig.riverside, str(ANN), name="Ann", channel="telegram")
    cai = await member(rig.db, rig.riverside, str(CAI), name="Cai", channel="telegram",
                       language="cy")
    dee = await member(rig.db, rig.riverside, "+447700900004", name="Dee")
    poll_id = await rig.make_poll(DAYS)
    [asked] = rig.api.sent(ANN, "sendPoll")
    assert asked.params["question"] == "Which day suits you?"
    assert [o["text"] for o in asked.params["options"]] == ["Tuesday", "Wednesday", "Thursday"]
    assert asked.params["allows_revoting"] in (True, "true")  # a vote may be changed
    assert asked.params["is_anonymous"] in (False, "false")  # so each vote comes back to copro
    [welsh] = rig.api.sent(CAI, "sendPoll")
    assert [o["text"] for o in welsh.params["options"]] == ["Dydd Mawrth", "Dydd Mercher",
                                                            "Dydd Iau"]
    assert rig.api.texts(ANN) == []  # the poll is the question: no message with buttons too
    [texted] = await deliver(rig.db, dee.address, NOW)
    assert texted.startswith("Which day suits you? Please reply with a number.")

    await rig.vote(ANN, asked, 1)  # Wednesday (Telegram counts from 0)
    await rig.vote(CAI, welsh, 0)
    await rig.conversations.receive("sms", dee.address, "2")
    assert await rig.votes(poll_id) == {ann.id: ([2], "telegram"), cai.id: ([1], "telegram"),
                                       dee.id: ([2], "sms")}
    await rig.vote(ANN, asked, 2)  # Ann changes her vote: Thursday replaces Wednesday
    await rig.vote(CAI, welsh)  # Cai takes his back
    assert await rig.votes(poll_id) == {ann.id: ([3], "telegram"), dee.id: ([2], "sms")}

    async with rig.db.transaction() as s:
        poll = await polls.get(s, poll_id)
        assert poll is not None
        await rig.polls.close(s, poll, by="Sam")
    await rig.sender.drain()
    stopped = rig.api.sent(None, "stopPoll")
    assert sorted((str(c.params["chat_id"]), int(c.params["message_id"])) for c in stopped) == [
        (str(ANN), asked.params["_message_id"]), (str(CAI), welsh.params["_message_id"])]
    await rig.vote(ANN, asked, 0)  # too late: the poll is closed
    assert await rig.votes(poll_id) == {ann.id: ([3], "telegram"), dee.id: ([2], "sms")}


async def test_a_multiple_choice_poll_takes_several_votes(rig: Rig) -> None:
    ann = await member(rig.db, rig.riverside, str(ANN), name="Ann", channel="telegram")
    poll_id = await rig.make_poll(DAYS, multiple=True)
    [asked] = rig.api.sent(ANN, "sendPoll")
    assert asked.params["allows_multiple_answers"] in (True, "true")
    await rig.vote(ANN, asked, 0, 2)
    assert await rig.votes(poll_id) == {ann.id: ([1, 3], "telegram")}


async def test_options_too_long_for_telegram_s_poll_go_as_buttons(rig: Rig) -> None:
    await member(rig.db, rig.riverside, str(ANN), name="Ann", channel="telegram")
    long = "The community garden behind the library, where we met in the spring, " * 2
    await rig.make_poll([{"en": long}, {"en": "The church hall"}])
    assert rig.api.sent(ANN, "sendPoll") == []
    [question] = rig.api.sent(ANN)
    assert question.params["text"].startswith("Which day suits you? Please reply with a number.")
    assert len(question.params["reply_markup"]["inline_keyboard"]) == 2
