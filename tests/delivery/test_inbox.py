"""The inbox: messages that come in while the database is away are kept on disk, then handled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.config import load_config
from bot.delivery.inbox import Inbound, Inbox, Spool
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import participants
from storage.db import Database
from tests import records
from tests.people import deliver

ANN = "+447700900001"
AWAY = "postgresql+asyncpg://nobody@127.0.0.1:1/none"  # nothing listens there


@pytest.fixture
async def conversations(database: Database, tmp_path: Path) -> Conversations:
    config = load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)})
    c = Conversations(database, Library.load(), config)
    await c.register_flows()
    return c


async def test_messages_while_the_database_is_away_are_kept_then_handled_in_order(
    conversations: Conversations, database: Database, tmp_path: Path
) -> None:
    spool = Spool(tmp_path / "spool")
    inbox = Inbox(conversations, spool)
    conversations.db = away = Database(AWAY)
    try:
        for n, text in enumerate(["hello", "1", "yes", "Ann"], start=1):
            await inbox.hand_in(Inbound("message", "sms", ANN, text, provider_id=f"SM{n}"))
    finally:
        await away.close()
    kept = spool.waiting()
    assert [json.loads(p.read_text())["text"] for p in kept] == ["hello", "1", "yes", "Ann"]
    assert await inbox.replay() == 0  # still away: nothing lost, nothing done

    conversations.db = database
    await inbox.hand_in(Inbound("message", "sms", ANN, "4", provider_id="SM5"))  # joins the queue
    assert len(spool.waiting()) == 5
    assert await inbox.replay() == 5
    assert spool.waiting() == []
    async with database.transaction() as s:
        person = await participants.find_by_address(s, "sms", ANN)
        assert person is not None and person.called == "Ann" and person.consent_at is not None
        said = [m.body for m in await records.messages_of(s, person.id) if m.direction == "in"]
    assert said == ["hello", "1", "yes", "Ann", "4"]
    assert await inbox.replay() == 0  # a replay twice handles nothing twice


async def test_a_message_copro_cannot_handle_is_set_aside_with_the_error(
    conversations: Conversations, database: Database, tmp_path: Path
) -> None:
    spool = Spool(tmp_path / "spool")
    inbox = Inbox(conversations, spool)

    async def broken(*_: object, **__: object) -> int:
        raise RuntimeError("a fault in copro")

    conversations.receive = broken  # type: ignore[method-assign]
    await inbox.hand_in(Inbound("message", "sms", ANN, "hello", provider_id="SM1"))
    [failed] = list(spool.failed.glob("*.json"))
    kept = json.loads(failed.read_text())
    assert (kept["text"], kept["error"]) == ("hello", "RuntimeError: a fault in copro")
    assert spool.waiting() == []  # not retried for ever


async def test_buttons_and_invite_codes_are_kept_too(
    conversations: Conversations, database: Database, tmp_path: Path
) -> None:
    spool = Spool(tmp_path / "spool")
    inbox = Inbox(conversations, spool)
    conversations.db = away = Database(AWAY)
    await inbox.hand_in(Inbound("link", "telegram", "42", "NOTACODE"))
    await away.close()
    conversations.db = database
    assert await inbox.replay() == 1
    [answer] = await deliver(database, "42", conversations.clock())
    assert answer.startswith("Sorry, that invite code does not work.")
